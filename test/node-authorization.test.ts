// A node's credential against the Node authorizer and NodeRestriction, on a real cluster of
// two agents: node A may work on its own Node, its Lease and the pods bound to it, read the
// Secrets its pods use and what its proxy and DNS read; touching node B's objects, creating
// ordinary pods or reading an unrelated Secret is a 403 Status in Kubernetes' words, both
// through the API and through the stock kubectl. The cluster admin is not affected.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { ApiClient } from '../api/client.js';
import { ApiError } from '../api/errors.js';
import { writeKubeconfig } from '../api/kubeconfig.js';
import { resources } from '../api/resources.js';
import { TUNNEL_PATH_SUFFIX } from '../api/tunnel/tunnel-protocol.js';
import type { Node, Pod, Status } from '../api/types.js';
import { ensureTestImages } from './fixtures/images.js';
import { kubectlPath, run } from './lib/kubectl.js';
import { startCluster, waitFor, type TestCluster } from './lib/cluster.js';

let cluster: TestCluster;
let A: string;
let B: string;
let asA: ApiClient;
let tokenA: string;
let kubeconfigA: string;
let busybox: string;

function pod(name: string, node: string, extra: Record<string, unknown> = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: { nodeName: node, terminationGracePeriodSeconds: 0, containers: [{ name: 'main', image: busybox, command: ['sleep', '3600'], ...extra }] },
  } as Pod;
}

/** The Status of a refused request (fails when the request succeeds). */
async function refused(p: Promise<unknown>): Promise<Status> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ApiError, String(err));
    return err.status;
  }
  assert.fail('the request was allowed');
}

function assertForbidden(s: Status, message: string, details: Status['details']): void {
  assert.equal(s.kind, 'Status');
  assert.equal(s.status, 'Failure');
  assert.equal(s.code, 403);
  assert.equal(s.reason, 'Forbidden');
  assert.equal(s.message, message);
  assert.deepEqual(s.details, details);
}

before(async () => {
  busybox = (await ensureTestImages()).busybox;
  cluster = await startCluster({ agents: 2 });
  [A, B] = cluster.nodeNames as [string, string];
  tokenA = (JSON.parse(readFileSync(join(cluster.dir, A, 'node-credential'), 'utf8')) as { token: string }).token;
  const caPem = readFileSync(join(cluster.dir, 'control', 'tls', 'ca.crt'), 'utf8');
  asA = new ApiClient({ server: cluster.url, token: tokenA, caPem });
  kubeconfigA = join(cluster.dir, 'node-a.kubeconfig');
  await writeKubeconfig(kubeconfigA, { server: cluster.url, caPem, token: tokenA });
  await cluster.kubectlOk(['create', 'secret', 'generic', 'a-secret', '--from-literal=word=swordfish']);
  await cluster.kubectlOk(['create', 'secret', 'generic', 'other-secret', '--from-literal=word=unrelated']);
  await cluster.client.create(resources.pods, pod('pod-a', A, { env: [{ name: 'WORD', valueFrom: { secretKeyRef: { name: 'a-secret', key: 'word' } } }] }));
  await cluster.client.create(resources.pods, pod('pod-b', B));
});

after(async () => {
  asA?.close();
  await cluster?.stop();
});

test('the agent runs its pod on its own credential: it reads the Secret the pod uses, and exec reaches it through its tunnel', async () => {
  await cluster.waitForPod('pod-a', 'Running', (p) => p.status?.phase === 'Running');
  const out = await cluster.kubectlOk(['exec', 'pod-a', '--', 'sh', '-c', 'echo $WORD']);
  assert.equal(out.trim(), 'swordfish');
  // The sync waited for the Secret's watch to list: no "not found" on the way.
  const events = await cluster.kubectlOk(['get', 'events', '--field-selector', 'involvedObject.name=pod-a', '-o', 'jsonpath={.items[*].message}']);
  assert.ok(!events.includes('not found'), events);
  await cluster.waitForPod('pod-b', 'Running', (p) => p.status?.phase === 'Running');
});

test('a node may work on its own Node, Lease and pods, and read what its kubelet, proxy and DNS read', async () => {
  await asA.patch(resources.nodes, A, { metadata: { labels: { 'skiff.io/authz-test': 'own' } } });
  await asA.patch(resources.nodes, A, { status: { conditions: [] } }, { subresource: 'status', type: 'strategic' });
  // The agent writes its Lease at its first renewal, a little after the node is Ready.
  await waitFor('node A\'s Lease', () => asA.get(resources.leases, A, 'kube-node-lease'));
  await asA.patch(resources.leases, A, { spec: { holderIdentity: A } }, { namespace: 'kube-node-lease' });
  await asA.patch(resources.pods, 'pod-a', { metadata: { annotations: {} }, status: { message: 'checked by the test' } }, { namespace: 'default', subresource: 'status' });
  await asA.get(resources.pods, 'pod-a', 'default');
  await asA.get(resources.secrets, 'a-secret', 'default');
  // Its pod's ServiceAccount (for the account's imagePullSecrets): allowed (200, or 404 when there is none), not 403.
  assert.notEqual(await asA.get(resources.serviceaccounts, 'default', 'default').then(() => 200, (e: ApiError) => e.code), 403);
  assert.equal(await asA.get(resources.serviceaccounts, 'builder', 'default').then(() => 200, (e: ApiError) => e.code), 403);
  const own = await asA.list(resources.pods, { fieldSelector: `spec.nodeName=${A}` });
  assert.deepEqual(own.items.map((p) => p.metadata.name), ['pod-a']);
  await asA.list(resources.nodes);
  await asA.list(resources.services);
  await asA.list(resources.endpointslices);
  // kubectl with the node's kubeconfig: labelling itself works.
  const r = await run(kubectlPath(), ['--kubeconfig', kubeconfigA, 'label', 'node', A, 'skiff.io/by=kubectl']);
  assert.equal(r.code, 0, r.stderr);
});

test('a node cannot touch another node\'s Node, Lease or pods: 403 with Kubernetes\' Status', async () => {
  const user = `system:node:${A}`;
  assertForbidden(
    await refused(asA.patch(resources.nodes, B, { metadata: { labels: { hijacked: 'yes' } } })),
    `nodes "${B}" is forbidden: User "${user}" cannot patch resource "nodes" in API group "" at the cluster scope: node "${A}" may only modify its own Node object`,
    { name: B, kind: 'nodes' },
  );
  assertForbidden(
    await refused(asA.patch(resources.nodes, B, { status: { conditions: [] } }, { subresource: 'status' })),
    `nodes "${B}" is forbidden: User "${user}" cannot patch resource "nodes/status" in API group "" at the cluster scope: node "${A}" may only modify its own Node object`,
    { name: B, kind: 'nodes' },
  );
  assertForbidden(
    await refused(asA.patch(resources.leases, B, { spec: { holderIdentity: A } }, { namespace: 'kube-node-lease' })),
    `leases.coordination.k8s.io "${B}" is forbidden: User "${user}" cannot patch resource "leases" in API group "coordination.k8s.io" in the namespace "kube-node-lease": can only access node lease with the same name as the requesting node`,
    { name: B, group: 'coordination.k8s.io', kind: 'leases' },
  );
  assertForbidden(
    await refused(asA.patch(resources.pods, 'pod-b', { status: { message: 'hijacked' } }, { namespace: 'default', subresource: 'status' })),
    `pods "pod-b" is forbidden: node "${A}" can only update pod status for pods with spec.nodeName set to itself`,
    { name: 'pod-b', kind: 'pods' },
  );
  assertForbidden(
    await refused(asA.delete(resources.pods, 'pod-b', 'default')),
    `pods "pod-b" is forbidden: node "${A}" can only delete pods with spec.nodeName set to itself`,
    { name: 'pod-b', kind: 'pods' },
  );
  assertForbidden(
    await refused(asA.get(resources.pods, 'pod-b', 'default')),
    `pods "pod-b" is forbidden: User "${user}" cannot get resource "pods" in API group "" in the namespace "default": no relationship found between node '${A}' and this object`,
    { name: 'pod-b', kind: 'pods' },
  );
  assertForbidden(
    await refused(asA.list(resources.pods)),
    `pods is forbidden: User "${user}" cannot list resource "pods" in API group "" at the cluster scope: can only list pods with spec.nodeName=${A} field selector`,
    { kind: 'pods' },
  );
  // Nothing changed.
  const b = await cluster.client.get(resources.nodes, B);
  assert.equal(b.metadata.labels?.['hijacked'], undefined);
  assert.notEqual((await cluster.pod('pod-b')).status?.message, 'hijacked');
});

test('a node cannot pick its pod range, change its taints or set node-restriction labels on its own Node', async () => {
  const cidr = (await cluster.client.get<Node>(resources.nodes, B)).spec.podCIDR!;
  assertForbidden(
    await refused(asA.patch(resources.nodes, A, { spec: { podCIDR: cidr, podCIDRs: [cidr] } })),
    `nodes "${A}" is forbidden: node "${A}" is not allowed to modify its pod range (spec.podCIDR, spec.podCIDRs)`,
    { name: A, kind: 'nodes' },
  );
  assertForbidden(
    await refused(asA.patch(resources.nodes, A, { spec: { taints: [{ key: 'x', effect: 'NoSchedule' }] } })),
    `nodes "${A}" is forbidden: node "${A}" is not allowed to modify taints`,
    { name: A, kind: 'nodes' },
  );
  assertForbidden(
    await refused(asA.patch(resources.nodes, A, { metadata: { labels: { 'node-restriction.kubernetes.io/trusted': 'yes' } } })),
    `nodes "${A}" is forbidden: is not allowed to modify labels: node-restriction.kubernetes.io/trusted`,
    { name: A, kind: 'nodes' },
  );
  const a = await cluster.client.get<Node>(resources.nodes, A);
  assert.notEqual(a.spec.podCIDR, cidr);
  assert.equal(a.metadata.labels?.['node-restriction.kubernetes.io/trusted'], undefined);
});

test('a node can create only mirror pods for itself, and read only the Secrets its pods use', async () => {
  assertForbidden(
    await refused(asA.create(resources.pods, pod('rogue', A))),
    `pods "rogue" is forbidden: pod does not have "kubernetes.io/config.mirror" annotation, node "${A}" can only create mirror pods`,
    { name: 'rogue', kind: 'pods' },
  );
  const mirrorForB = pod('rogue-mirror', B);
  mirrorForB.metadata.annotations = { 'kubernetes.io/config.mirror': 'x' };
  assertForbidden(
    await refused(asA.create(resources.pods, mirrorForB)),
    `pods "rogue-mirror" is forbidden: node "${A}" can only create pods with spec.nodeName set to itself`,
    { name: 'rogue-mirror', kind: 'pods' },
  );
  const user = `system:node:${A}`;
  assertForbidden(
    await refused(asA.get(resources.secrets, 'other-secret', 'default')),
    `secrets "other-secret" is forbidden: User "${user}" cannot get resource "secrets" in API group "" in the namespace "default": no relationship found between node '${A}' and this object`,
    { name: 'other-secret', kind: 'secrets' },
  );
  assertForbidden(
    await refused(asA.list(resources.secrets, { namespace: 'default' })),
    `secrets is forbidden: User "${user}" cannot list resource "secrets" in API group "" in the namespace "default": can only read individual resources of this type (get, or list/watch with fieldSelector metadata.name=<name>)`,
    { kind: 'secrets' },
  );
  // A watch of the one Secret its pod uses is how the kubelet reads it: allowed.
  await asA.list(resources.secrets, { namespace: 'default', fieldSelector: 'metadata.name=a-secret' });
  assertForbidden(
    await refused(asA.create(resources.configmaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'planted', namespace: 'default' } })),
    `configmaps is forbidden: User "${user}" cannot create resource "configmaps" in API group "" in the namespace "default"`,
    { kind: 'configmaps' },
  );

  // The stock kubectl shows the same words.
  const r = await run(kubectlPath(), ['--kubeconfig', kubeconfigA, 'get', 'secret', 'other-secret']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, new RegExp(`Error from server \\(Forbidden\\): secrets "other-secret" is forbidden: User "${user}" cannot get resource "secrets"`));
  const k = await run(kubectlPath(), ['--kubeconfig', kubeconfigA, 'label', 'node', B, 'hijacked=yes']);
  assert.notEqual(k.code, 0);
  assert.match(k.stderr, new RegExp(`nodes "${B}" is forbidden: User "${user}" cannot patch resource "nodes" in API group "" at the cluster scope`));
  // The admin still reads everything.
  assert.match(await cluster.kubectlOk(['get', 'secret', 'other-secret', '-o', 'name']), /secret\/other-secret/);
});

test('a node may hold only its own streaming tunnel', async () => {
  const caPem = readFileSync(join(cluster.dir, 'control', 'tls', 'ca.crt'), 'utf8');
  const url = `${cluster.url.replace(/^https/, 'wss')}/api/v1/nodes/${B}/${TUNNEL_PATH_SUFFIX}`;
  const answer = await new Promise<{ code: number; body: string }>((resolve, reject) => {
    const ws = new WebSocket(url, { ca: caPem, headers: { Authorization: `Bearer ${tokenA}` } });
    ws.on('open', () => {
      ws.terminate();
      reject(new Error('the tunnel for another node was accepted'));
    });
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ code: res.statusCode ?? 0, body }));
    });
    ws.on('error', reject);
  });
  assert.equal(answer.code, 403);
  const status = JSON.parse(answer.body) as Status;
  assert.equal(status.message, `nodes "${B}" is forbidden: User "system:node:${A}" cannot get resource "nodes/proxy" in API group "" at the cluster scope: node "${A}" can only open its own tunnel`);
});
