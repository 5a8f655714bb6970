// Services and EndpointSlices flattened per service port.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Service } from '../../api/service-types.js';
import { endpointsByServicePort, servicePorts, usableEndpoints } from './service-info.js';

const base: Service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'ns' }, spec: { clusterIP: '198.18.0.10', ports: [{ name: 'http', port: 80, nodePort: 30080 }] } };

test('servicePorts: types, node ports, affinity, external policy, what is skipped', () => {
  const cases: { name: string; spec: Partial<Service['spec']>; status?: Service['status']; want: unknown }[] = [
    { name: 'ClusterIP ignores a stray nodePort', spec: {}, want: [{ type: 'ClusterIP', nodePort: 0, affinitySeconds: 0, externalLocal: false }] },
    { name: 'NodePort', spec: { type: 'NodePort' }, want: [{ type: 'NodePort', nodePort: 30080, affinitySeconds: 0, externalLocal: false }] },
    { name: 'affinity default timeout', spec: { sessionAffinity: 'ClientIP' }, want: [{ type: 'ClusterIP', nodePort: 0, affinitySeconds: 10800, externalLocal: false }] },
    { name: 'affinity timeout', spec: { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } }, want: [{ type: 'ClusterIP', nodePort: 0, affinitySeconds: 60, externalLocal: false }] },
    { name: 'LoadBalancer Local', spec: { type: 'LoadBalancer', externalTrafficPolicy: 'Local' }, want: [{ type: 'LoadBalancer', nodePort: 30080, affinitySeconds: 0, externalLocal: true }] },
    { name: 'headless', spec: { clusterIP: 'None' }, want: [] },
    { name: 'ExternalName', spec: { type: 'ExternalName', clusterIP: '' }, want: [] },
    { name: 'IPv6 cluster IP', spec: { clusterIP: 'fd00::10' }, want: [] },
  ];
  for (const c of cases) {
    const got = servicePorts({ ...base, spec: { ...base.spec, ...c.spec } }).map((p) => ({ type: p.type, nodePort: p.nodePort, affinitySeconds: p.affinitySeconds, externalLocal: p.externalLocal }));
    assert.deepEqual(got, c.want, c.name);
  }
  const lb = servicePorts({ ...base, spec: { ...base.spec, type: 'LoadBalancer' }, status: { loadBalancer: { ingress: [{ ip: '192.0.2.7' }, { hostname: 'lb.example' }] } } });
  assert.deepEqual(lb[0]?.loadBalancerIPs, ['192.0.2.7']);
  assert.equal(lb[0]?.name, 'ns/web:http');
  assert.equal(lb[0]?.protocol, 'TCP');
});

test('endpointsByServicePort: ready default, dedupe with the ready copy winning, IPv6 slices skipped', () => {
  const m = endpointsByServicePort(
    [
      { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'a', namespace: 'ns', labels: { 'kubernetes.io/service-name': 'web' } }, addressType: 'IPv4', ports: [{ name: 'http', port: 8080 }], endpoints: [{ addresses: ['10.42.0.9'] }, { addresses: ['10.42.0.5'], conditions: { ready: false } }] },
      { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'b', namespace: 'ns', labels: { 'kubernetes.io/service-name': 'web' } }, addressType: 'IPv4', ports: [{ name: 'http', port: 8080 }], endpoints: [{ addresses: ['10.42.0.5'], conditions: { ready: true }, nodeName: 'me' }] },
      { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'c', namespace: 'ns', labels: { 'kubernetes.io/service-name': 'web' } }, addressType: 'IPv6', ports: [{ name: 'http', port: 8080 }], endpoints: [{ addresses: ['fd00::5'] }] },
    ],
    'me',
  );
  assert.deepEqual(m.get('ns/web:http'), [
    { ip: '10.42.0.5', port: 8080, ready: true, serving: true, terminating: false, local: true },
    { ip: '10.42.0.9', port: 8080, ready: true, serving: true, terminating: false, local: false },
  ]);
});

test('usableEndpoints: ready ones, else serving terminating ones', () => {
  const e = (ready: boolean, serving: boolean, terminating: boolean) => ({ ip: '10.0.0.1', port: 1, ready, serving, terminating, local: true });
  assert.equal(usableEndpoints([e(true, true, false), e(false, true, true)]).length, 1);
  assert.equal(usableEndpoints([e(false, true, true), e(false, false, true), e(false, true, false)]).length, 1);
  assert.equal(usableEndpoints([e(false, false, false)]).length, 0);
});
