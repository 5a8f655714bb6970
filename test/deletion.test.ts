// Deletion as Kubernetes does it: ownerReferences with Background, Foreground and Orphan
// propagation (the garbage collector), and namespace deletion that removes the namespace's
// content before the namespace itself goes.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { isNotFound } from '../api/errors.js';
import { resources } from '../api/resources.js';
import type { KubeObject, Namespace, Pod } from '../api/types.js';
import { startCluster, waitFor, type TestCluster } from './lib/cluster.js';

describe('deletion', () => {
  let cluster: TestCluster;
  before(async () => {
    cluster = await startCluster({ agents: 0 });
  });
  after(async () => {
    await cluster?.stop();
  });

  const pod = (name: string, owner?: KubeObject, namespace = 'default'): Pod => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace,
      ...(owner ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: owner.metadata.name!, uid: owner.metadata.uid!, blockOwnerDeletion: true }] } : {}),
    },
    // Unscheduled (no scheduler takes it): a delete removes it at once, no agent needed.
    spec: { schedulerName: 'nobody', containers: [{ name: 'c', image: 'busybox:1' }] },
  });
  const gone = (name: string, namespace = 'default') =>
    cluster.client.get(resources.pods, name, namespace).then(() => false, (err) => isNotFound(err));

  test('background: deleting the owner deletes its dependents', async () => {
    const owner = await cluster.client.create(resources.pods, pod('bg-owner'));
    await cluster.client.create(resources.pods, pod('bg-dep-1', owner));
    await cluster.client.create(resources.pods, pod('bg-dep-2', owner));
    await cluster.kubectlOk(['delete', 'pod', 'bg-owner']);
    await waitFor('dependents to be collected', async () => (await gone('bg-dep-1')) && (await gone('bg-dep-2')), 15_000);
  });

  test('orphan: dependents stay and lose their ownerReference', async () => {
    const owner = await cluster.client.create(resources.pods, pod('or-owner'));
    await cluster.client.create(resources.pods, pod('or-dep', owner));
    await cluster.kubectlOk(['delete', 'pod', 'or-owner', '--cascade=orphan']);
    await waitFor('the owner to be gone', () => gone('or-owner'), 15_000);
    const dep = await cluster.client.get<Pod>(resources.pods, 'or-dep', 'default');
    assert.equal(dep.metadata.ownerReferences, undefined);
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(await gone('or-dep'), false, 'an orphan is not collected');
    await cluster.client.delete(resources.pods, 'or-dep', 'default');
  });

  test('foreground: the owner waits, marked, until its dependents are gone', async () => {
    const owner = await cluster.client.create(resources.pods, pod('fg-owner'));
    // A finalizer we hold keeps the dependent, and so the owner, around for a while.
    const dep = pod('fg-dep', owner);
    dep.metadata.finalizers = ['example.com/hold'];
    await cluster.client.create(resources.pods, dep);
    const res = await cluster.client.delete<Pod>(resources.pods, 'fg-owner', 'default', { propagationPolicy: 'Foreground' });
    assert.ok(res.metadata.deletionTimestamp);
    assert.deepEqual(res.metadata.finalizers, ['foregroundDeletion']);
    const marked = await waitFor('the dependent to be marked for deletion', async () => {
      const d = await cluster.client.get<Pod>(resources.pods, 'fg-dep', 'default');
      return d.metadata.deletionTimestamp ? d : undefined;
    }, 15_000);
    assert.ok(marked);
    assert.equal(await gone('fg-owner'), false, 'owner waits for its dependent');
    await cluster.client.patch(resources.pods, 'fg-dep', { metadata: { finalizers: null } }, { namespace: 'default' });
    await waitFor('dependent then owner to be gone', async () => (await gone('fg-dep')) && (await gone('fg-owner')), 15_000);
  });

  test('a dependent created with an owner that does not exist is collected', async () => {
    await cluster.client.create(resources.pods, pod('dangling', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'never', uid: '00000000-0000-0000-0000-000000000000' } }));
    await waitFor('the dangling dependent to be collected', () => gone('dangling'), 15_000);
  });

  test('deleting a namespace removes its content, then the namespace; creating in it meanwhile is refused', async () => {
    await cluster.client.create(resources.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'doomed' } });
    await cluster.client.create(resources.pods, pod('inside-1', undefined, 'doomed'));
    const held = pod('inside-2', undefined, 'doomed');
    held.metadata.finalizers = ['example.com/hold'];
    await cluster.client.create(resources.pods, held);
    const r = await cluster.kubectl(['delete', 'namespace', 'doomed', '--wait=false']);
    assert.equal(r.code, 0, r.stderr);
    const ns = await cluster.client.get<Namespace>(resources.namespaces, 'doomed');
    assert.equal(ns.status?.phase, 'Terminating');
    await waitFor('the free pod to be deleted', () => gone('inside-1', 'doomed'), 15_000);
    await assert.rejects(cluster.client.create(resources.pods, pod('late', undefined, 'doomed')), (err: { code: number; message: string }) =>
      err.code === 403 && /unable to create new content in namespace doomed because it is being terminated/.test(err.message));
    assert.ok(await cluster.client.get(resources.namespaces, 'doomed'), 'the namespace waits for the held pod');
    await cluster.client.patch(resources.pods, 'inside-2', { metadata: { finalizers: null } }, { namespace: 'doomed' });
    await waitFor('the namespace to be gone', () => cluster.client.get(resources.namespaces, 'doomed').then(() => false, (err) => isNotFound(err)), 20_000);
  });
});
