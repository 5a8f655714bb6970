// Stale UDP flows against the real kernel, in a network namespace of its own: a client
// that keeps its source port (as DNS resolvers do) is pinned to the endpoint its first
// datagram was DNATed to, until the proxy deletes that flow. Without the deletion the
// second datagram below would still go to the removed endpoint.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import type { EndpointSlice, Service } from '../../api/service-types.js';
import { ExecConntrack } from './conntrack.js';
import { ExecIptables } from './iptables.js';
import { createNetns, type Netns } from './netns.js';
import { Proxier } from './proxier.js';

const VIP = '198.18.0.53';
const OLD = '10.250.77.2';
const NEW = '10.250.77.3';
const CLIENT_PORT = 40053;

const service: Service = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'dns', namespace: 'default', resourceVersion: '1' },
  spec: { clusterIP: VIP, ports: [{ name: 'dns', port: 53, protocol: 'UDP', targetPort: 5353 }] },
};

function slice(ip: string, rv: string): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'dns-abc', namespace: 'default', resourceVersion: rv, labels: { 'kubernetes.io/service-name': 'dns' } },
    addressType: 'IPv4',
    ports: [{ name: 'dns', port: 5353, protocol: 'UDP' }],
    endpoints: [{ addresses: [ip], conditions: { ready: true }, nodeName: 'n1' }],
  };
}

// Binds the endpoint address, sends one datagram to the VIP from CLIENT_PORT, and prints
// which endpoint received it (or "none" after 2 s).
const CLIENT = `
const dgram = require('node:dgram');
const [endpoint, vip, clientPort] = process.argv.slice(1);
const server = dgram.createSocket('udp4');
const client = dgram.createSocket('udp4');
const timer = setTimeout(() => { console.log('none'); process.exit(0); }, 2000);
server.on('message', () => { clearTimeout(timer); console.log(endpoint); process.exit(0); });
server.bind(5353, endpoint, () => client.bind(Number(clientPort), () => client.send('q', 53, vip)));
`;

describe('stale UDP flows are deleted from conntrack', () => {
  let ns: Netns;
  before(async () => {
    ns = await createNetns();
    // A veth pair with both ends here: this kernel has no dummy devices.
    await ns.exec('ip', ['link', 'add', 'skct0', 'type', 'veth', 'peer', 'name', 'skct1']);
    await ns.exec('ip', ['link', 'set', 'skct1', 'up']);
    await ns.exec('ip', ['addr', 'add', `${OLD}/24`, 'dev', 'skct0']);
    await ns.exec('ip', ['addr', 'add', `${NEW}/24`, 'dev', 'skct0']);
    await ns.exec('ip', ['link', 'set', 'skct0', 'up']);
    // The VIP needs a route for the first lookup; DNAT then turns it into a local address.
    await ns.exec('ip', ['route', 'add', '198.18.0.0/24', 'dev', 'skct0']);
  });
  after(async () => {
    await ns?.delete();
  });

  const send = async (endpoint: string) => (await ns.exec('node', ['-e', CLIENT, endpoint, VIP, String(CLIENT_PORT)])).trim();
  const flowsTo = async (ip: string) => (await ns.exec('conntrack', ['-L', '-p', 'udp', '--orig-dst', VIP, '--dst-nat', ip]).catch(() => '')).split('\n').filter(Boolean).length;

  test('a removed endpoint loses its flow; the same client socket then reaches the new endpoint', async () => {
    const proxier = new Proxier({ iptables: await ExecIptables.create({ netns: ns.name }), conntrack: new ExecConntrack(ns.name), nodeName: 'n1', config: { serviceCIDR: '198.18.0.0/24', nodeIPs: [OLD] }, logger: pino({ level: 'silent' }) });
    proxier.onServiceAdd(service);
    proxier.onEndpointSliceAdd(slice(OLD, '1'));
    proxier.setServicesSynced();
    proxier.setEndpointSlicesSynced();
    await proxier.syncProxyRules();
    assert.equal(await send(OLD), OLD, 'the VIP reaches the first endpoint');
    assert.equal(await flowsTo(OLD), 1, 'one flow pinned to it');

    proxier.onEndpointSliceUpdate(slice(OLD, '1'), slice(NEW, '2'));
    await proxier.syncProxyRules();
    assert.equal(await flowsTo(OLD), 0, 'the flow to the removed endpoint is gone');
    assert.equal(await send(NEW), NEW, 'the same client port now reaches the new endpoint');
  });

  test('deleting flows that do not exist is not an error', async () => {
    const n = await new ExecConntrack(ns.name).deleteFlows({ protocol: 'UDP', origDst: '198.18.0.99' });
    assert.equal(n, 0);
  });
});
