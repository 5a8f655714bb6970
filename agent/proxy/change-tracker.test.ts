// Change trackers: what counts as a change, and what the sync's maps look like after it.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EndpointSlice, Service } from '../../api/service-types.js';
import { EndpointSliceChangeTracker, ServiceChangeTracker } from './change-tracker.js';
import type { EndpointInfo, ServicePortInfo } from './service-info.js';

const svc = (name: string, rv: string, spec: Partial<Service['spec']> = {}): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'ns', resourceVersion: rv },
  spec: { clusterIP: '198.18.0.10', ports: [{ name: 'http', port: 80 }], ...spec },
});

const slice = (name: string, service: string, ips: { ip: string; ready?: boolean; node?: string }[], port = 8080): EndpointSlice => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name, namespace: 'ns', labels: { 'kubernetes.io/service-name': service } },
  addressType: 'IPv4',
  ports: [{ name: 'http', port, protocol: 'TCP' }],
  endpoints: ips.map((x) => ({ addresses: [x.ip], conditions: { ready: x.ready ?? true }, nodeName: x.node ?? 'n1' })),
});

test('services: add, a no-op update, a real update, add-then-delete before a sync', () => {
  const t = new ServiceChangeTracker();
  const map = new Map<string, ServicePortInfo[]>();
  assert.equal(t.update(undefined, svc('a', '1')), true);
  assert.deepEqual([...t.apply(map)], ['ns/a']);
  assert.equal(map.get('ns/a')?.[0]?.name, 'ns/a:http');

  // Only the resourceVersion moved: nothing the proxy reads.
  assert.equal(t.update(svc('a', '1'), svc('a', '2')), false);
  assert.deepEqual([...t.apply(map)], []);

  assert.equal(t.update(svc('a', '2'), svc('a', '3', { sessionAffinity: 'ClientIP' })), true);
  t.apply(map);
  assert.equal(map.get('ns/a')?.[0]?.affinitySeconds, 10800);

  assert.equal(t.update(undefined, svc('b', '1')), true);
  assert.equal(t.update(svc('b', '1'), undefined), false, 'added and deleted before a sync: no change');
  assert.deepEqual([...t.apply(map)], []);
  assert.equal(map.has('ns/b'), false);

  t.update(svc('a', '3', { sessionAffinity: 'ClientIP' }), undefined);
  t.apply(map);
  assert.equal(map.size, 0);
});

test('services the proxy does not handle: headless, ExternalName', () => {
  const t = new ServiceChangeTracker();
  assert.equal(t.update(undefined, svc('h', '1', { clusterIP: 'None' })), false);
  assert.equal(t.update(undefined, svc('x', '1', { type: 'ExternalName', externalName: 'example.org', clusterIP: '' })), false);
});

test('endpoint slices: merged per service port across slices, a change only when endpoints change', () => {
  const t = new EndpointSliceChangeTracker('n1');
  const map = new Map<string, EndpointInfo[]>();
  t.update(slice('web-1', 'web', [{ ip: '10.42.0.6' }]), false);
  t.update(slice('web-2', 'web', [{ ip: '10.42.0.5', node: 'n2' }, { ip: '10.42.0.6' }]), false);
  assert.deepEqual([...t.apply(map)], ['ns/web']);
  assert.deepEqual(map.get('ns/web:http'), [
    { ip: '10.42.0.5', port: 8080, ready: true, serving: true, terminating: false, local: false },
    { ip: '10.42.0.6', port: 8080, ready: true, serving: true, terminating: false, local: true },
  ]);

  // The same content again (a controller rewrite): no change.
  t.update(slice('web-1', 'web', [{ ip: '10.42.0.6' }]), false);
  assert.deepEqual([...t.apply(map)], []);

  t.update(slice('web-2', 'web', [{ ip: '10.42.0.5', ready: false, node: 'n2' }]), false);
  assert.deepEqual([...t.apply(map)], ['ns/web']);
  assert.equal(map.get('ns/web:http')?.find((e) => e.ip === '10.42.0.5')?.ready, false);

  t.update(slice('web-1', 'web', []), true);
  t.update(slice('web-2', 'web', []), true);
  assert.deepEqual([...t.apply(map)], ['ns/web']);
  assert.equal(map.has('ns/web:http'), false);

  assert.equal(t.update({ ...slice('orphan', 'x', []), metadata: { name: 'orphan', namespace: 'ns' } }, false), false, 'a slice without a service label');
});

test('endpoint slices: a port renamed leaves no stale entry', () => {
  const t = new EndpointSliceChangeTracker('n1');
  const map = new Map<string, EndpointInfo[]>();
  t.update(slice('s', 'web', [{ ip: '10.42.0.5' }]), false);
  t.apply(map);
  const renamed = slice('s', 'web', [{ ip: '10.42.0.5' }]);
  renamed.ports = [{ name: 'web', port: 8080, protocol: 'TCP' }];
  t.update(renamed, false);
  t.apply(map);
  assert.deepEqual([...map.keys()], ['ns/web:web']);
});
