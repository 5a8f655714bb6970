import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Service } from '../../../api/service-types.js';
import type { Pod } from '../../../api/types.js';
import { desiredSubsets } from '../endpoints-controller.js';
import { desiredSlices } from '../endpointslice-controller.js';
import { podEndpoints } from './pod-endpoints.js';

const svc = (spec: Partial<Service['spec']> = {}): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web', namespace: 'ns', uid: 'u1' },
  spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }], ...spec },
});

const pod = (name: string, ip: string, o: { ready?: boolean; port?: number; deleting?: boolean; app?: string; phase?: string } = {}): Pod =>
  ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'ns', uid: `uid-${name}`, labels: { app: o.app ?? 'web' }, ...(o.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
    spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'i', ports: [{ name: 'http', containerPort: o.port ?? 8080 }] }] },
    status: { phase: o.phase ?? 'Running', podIP: ip, conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }] },
  }) as Pod;

test('subsets: ready and not ready apart, named port per pod, terminating/other/finished pods left out', () => {
  const pods = [
    pod('b', '10.0.0.10'),
    pod('a', '10.0.0.9', { ready: false }),
    pod('c', '10.0.0.11', { port: 9090 }),
    pod('d', '10.0.0.12', { deleting: true }),
    pod('e', '10.0.0.13', { app: 'other' }),
    pod('f', '10.0.0.14', { phase: 'Succeeded' }),
  ];
  const subsets = desiredSubsets(podEndpoints(svc(), pods).filter((e) => !e.terminating));
  assert.deepEqual(
    subsets.map((s) => [s.addresses?.map((a) => a.ip), s.notReadyAddresses?.map((a) => a.ip), s.ports?.map((p) => p.port)]),
    [
      [['10.0.0.10'], ['10.0.0.9'], [8080]],
      [['10.0.0.11'], undefined, [9090]],
    ],
  );
  assert.deepEqual(subsets[0]!.addresses![0], { ip: '10.0.0.10', targetRef: { kind: 'Pod', namespace: 'ns', name: 'b', uid: 'uid-b' }, nodeName: 'n1' });
  const published = desiredSubsets(podEndpoints(svc({ publishNotReadyAddresses: true }), pods).filter((e) => !e.terminating));
  assert.deepEqual(published[0]!.addresses?.map((a) => a.ip), ['10.0.0.9', '10.0.0.10']);
});

test('slices: conditions, terminating endpoints kept, labels and owner; a placeholder when there are no pods', () => {
  const slices = desiredSlices(svc(), podEndpoints(svc(), [pod('a', '10.0.0.9', { ready: false }), pod('d', '10.0.0.12', { deleting: true })]));
  assert.equal(slices.length, 1);
  const s = slices[0]!;
  assert.deepEqual(s.endpoints?.map((e) => [e.addresses[0], e.conditions]), [
    ['10.0.0.9', { ready: false, serving: false, terminating: false }],
    ['10.0.0.12', { ready: false, serving: true, terminating: true }],
  ]);
  assert.equal(s.metadata.labels?.['kubernetes.io/service-name'], 'web');
  assert.equal(s.metadata.labels?.['endpointslice.kubernetes.io/managed-by'], 'endpointslice-controller.k8s.io');
  assert.deepEqual(s.metadata.ownerReferences, [{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: 'u1', controller: true, blockOwnerDeletion: true }]);
  const empty = desiredSlices(svc(), []);
  assert.equal(empty.length, 1);
  assert.deepEqual(empty[0]!.endpoints, []);
});
