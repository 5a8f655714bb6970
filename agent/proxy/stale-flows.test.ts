import assert from 'node:assert/strict';
import { test } from 'node:test';
import { conntrackArgs, parseDeleted } from './conntrack.js';
import type { EndpointInfo, ServicePortInfo } from './service-info.js';
import { staleFlows, type RenderedPort } from './stale-flows.js';

const cfg = { serviceCIDR: '198.18.0.0/24', nodeIPs: ['192.0.2.10'] };

function port(over: Partial<ServicePortInfo> = {}): ServicePortInfo {
  return { name: 'default/dns:dns', namespace: 'default', serviceName: 'dns', portName: 'dns', protocol: 'UDP', clusterIP: '198.18.0.53', port: 53, nodePort: 0, type: 'ClusterIP', externalIPs: [], loadBalancerIPs: [], affinitySeconds: 0, externalLocal: false, ...over };
}
function ep(ip: string, ready = true): EndpointInfo {
  return { ip, port: 5353, ready, serving: ready, terminating: false, local: true };
}
function map(svc: ServicePortInfo, endpoints: EndpointInfo[] | undefined): Map<string, RenderedPort> {
  return new Map([[`${svc.name}/${svc.protocol}`, { svc, endpoints }]]);
}

test('an endpoint that stops serving a UDP port: its flows to every destination of the port', () => {
  const svc = port({ type: 'LoadBalancer', nodePort: 30053, externalIPs: ['203.0.113.5'] });
  const flows = staleFlows(map(svc, [ep('10.42.0.5'), ep('10.42.0.6')]), map(svc, [ep('10.42.0.6'), ep('10.42.0.5', false)]), cfg);
  assert.deepEqual(flows, [
    { protocol: 'UDP', origDst: '198.18.0.53', dstNat: '10.42.0.5' },
    { protocol: 'UDP', origDst: '203.0.113.5', dstNat: '10.42.0.5' },
    { protocol: 'UDP', origDst: '192.0.2.10', dstNat: '10.42.0.5' },
    { protocol: 'UDP', origPortDst: 30053, dstNat: '10.42.0.5' },
  ]);
});

test('a UDP port going from no endpoints to some: every flow to it', () => {
  const svc = port({ nodePort: 30053, type: 'NodePort' });
  assert.deepEqual(staleFlows(map(svc, []), map(svc, [ep('10.42.0.5')]), cfg), [
    { protocol: 'UDP', origDst: '198.18.0.53' },
    { protocol: 'UDP', origPortDst: 30053 },
  ]);
  assert.deepEqual(staleFlows(new Map(), map(svc, [ep('10.42.0.5')]), cfg).length, 2, 'a new Service counts as newly served');
});

test('a deleted UDP Service: flows to its endpoints', () => {
  const svc = port();
  assert.deepEqual(staleFlows(map(svc, [ep('10.42.0.5')]), new Map(), cfg), [{ protocol: 'UDP', origDst: '198.18.0.53', dstNat: '10.42.0.5' }]);
});

test('TCP ports, unchanged inputs and added endpoints make nothing stale', () => {
  const tcp = port({ protocol: 'TCP' });
  assert.deepEqual(staleFlows(map(tcp, [ep('10.42.0.5')]), map(tcp, []), cfg), []);
  const svc = port();
  const same = map(svc, [ep('10.42.0.5')]);
  assert.deepEqual(staleFlows(same, same, cfg), []);
  assert.deepEqual(staleFlows(map(svc, [ep('10.42.0.5')]), map(svc, [ep('10.42.0.5'), ep('10.42.0.6')]), cfg), []);
});

test('conntrack command lines and its deleted-count message', () => {
  assert.deepEqual(conntrackArgs({ protocol: 'UDP', origDst: '198.18.0.53', dstNat: '10.42.0.5' }), ['-D', '-p', 'udp', '--orig-dst', '198.18.0.53', '--dst-nat', '10.42.0.5']);
  assert.deepEqual(conntrackArgs({ protocol: 'UDP', origPortDst: 30053 }), ['-D', '-p', 'udp', '--orig-port-dst', '30053']);
  assert.equal(parseDeleted('conntrack v1.4.7 (conntrack-tools): 0 flow entries have been deleted.\n'), 0);
  assert.equal(parseDeleted('conntrack v1.4.7 (conntrack-tools): 3 flow entries have been deleted.\n'), 3);
  assert.equal(parseDeleted('conntrack: unknown option'), undefined);
});
