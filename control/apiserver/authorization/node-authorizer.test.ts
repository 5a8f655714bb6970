import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../../../api/types.js';
import { nodeUser } from '../../pki/node-credentials.js';
import type { ResourceAttributes } from './attributes.js';
import { forbidden, mastersAuthorizer, unionAuthorizer } from './authorizer.js';
import { NodeAuthorizer } from './node-authorizer.js';
import { NodeGraph, referencedBy } from './node-graph.js';

// A graph over fixed pods: what the authorizer decides from, without a store.
const pods: Pod[] = [
  { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns' }, spec: { nodeName: 'a', containers: [{ name: 'c', image: 'i', envFrom: [{ configMapRef: { name: 'cm' } }] }], volumes: [{ name: 'v', projected: { sources: [{ secret: { name: 's' } }] } }] } } as unknown as Pod,
];
const graph = {
  boundPod: async (node: string, ns: string, name: string) => pods.find((p) => p.metadata.namespace === ns && p.metadata.name === name && p.spec.nodeName === node),
  references: async (node: string, kind: 'secrets' | 'configmaps' | 'serviceaccounts', ns: string, name: string) =>
    pods.some((p) => p.metadata.namespace === ns && p.spec.nodeName === node && referencedBy(p, kind).has(name)),
} as unknown as NodeGraph;
const authz = unionAuthorizer([mastersAuthorizer, new NodeAuthorizer(graph)]);
const asA = (a: Partial<ResourceAttributes>): ResourceAttributes => ({ user: nodeUser('a'), verb: 'get', apiGroup: '', resource: 'pods', ...a });
const allowed = async (a: Partial<ResourceAttributes>) => (await authz.authorize(asA(a))).allowed === true;

test('the Node authorizer: what node "a" may do', async () => {
  assert.equal(await allowed({ verb: 'list', resource: 'nodes' }), true);
  assert.equal(await allowed({ verb: 'patch', resource: 'nodes', name: 'a' }), true);
  assert.equal(await allowed({ verb: 'patch', resource: 'nodes', name: 'b' }), false);
  assert.equal(await allowed({ verb: 'update', resource: 'nodes', subresource: 'status', name: 'a' }), true);
  assert.equal(await allowed({ verb: 'get', resource: 'nodes', subresource: 'proxy', name: 'a' }), false);
  assert.equal(await allowed({ verb: 'watch', resource: 'pods', fieldSelector: 'spec.nodeName=a' }), true);
  assert.equal(await allowed({ verb: 'watch', resource: 'pods', fieldSelector: 'spec.nodeName=b' }), false);
  assert.equal(await allowed({ verb: 'watch', resource: 'pods', fieldSelector: 'spec.nodeName!=a' }), false);
  assert.equal(await allowed({ verb: 'get', namespace: 'ns', name: 'p' }), true);
  assert.equal(await allowed({ verb: 'get', namespace: 'ns', name: 'q' }), false);
  assert.equal(await allowed({ verb: 'get', resource: 'secrets', namespace: 'ns', name: 's' }), true);
  assert.equal(await allowed({ verb: 'watch', resource: 'configmaps', namespace: 'ns', fieldSelector: 'metadata.name=cm' }), true);
  assert.equal(await allowed({ verb: 'watch', resource: 'configmaps', namespace: 'ns' }), false);
  assert.equal(await allowed({ verb: 'get', resource: 'secrets', namespace: 'ns', name: 'cm' }), false);
  assert.equal(await allowed({ verb: 'get', resource: 'serviceaccounts', namespace: 'ns', name: 'default' }), true);
  assert.equal(await allowed({ verb: 'patch', apiGroup: 'coordination.k8s.io', resource: 'leases', namespace: 'kube-node-lease', name: 'a' }), true);
  assert.equal(await allowed({ verb: 'patch', apiGroup: 'coordination.k8s.io', resource: 'leases', namespace: 'kube-system', name: 'a' }), false);
  assert.equal(await allowed({ verb: 'list', apiGroup: 'discovery.k8s.io', resource: 'endpointslices' }), true);
  assert.equal(await allowed({ verb: 'create', resource: 'events', namespace: 'ns' }), true);
  assert.equal(await allowed({ verb: 'create', apiGroup: 'apps', resource: 'deployments', namespace: 'ns' }), false);
  // The cluster admin is not a node; a user in system:nodes without a node name gets nothing.
  assert.equal((await authz.authorize({ user: { name: 'admin', groups: ['system:masters'] }, verb: 'delete', apiGroup: '', resource: 'nodes', name: 'b' })).allowed, true);
  assert.equal((await authz.authorize({ user: { name: 'x', groups: ['system:nodes'] }, verb: 'get', apiGroup: '', resource: 'nodes' })).allowed, false);
});

test('forbidden messages have Kubernetes\' shape', () => {
  const e = forbidden(asA({ verb: 'patch', resource: 'nodes', name: 'b' }), 'why');
  assert.equal(e.status.message, 'nodes "b" is forbidden: User "system:node:a" cannot patch resource "nodes" in API group "" at the cluster scope: why');
  const l = forbidden(asA({ verb: 'list', apiGroup: 'apps', resource: 'deployments', namespace: 'ns' }), '');
  assert.equal(l.status.message, 'deployments.apps is forbidden: User "system:node:a" cannot list resource "deployments" in API group "apps" in the namespace "ns"');
  assert.deepEqual(l.status.details, { group: 'apps', kind: 'deployments' });
});
