// The official JavaScript client (@kubernetes/client-node) against a real control server:
// its informer (list, then watch from the list's resourceVersion), create, the three patch
// types it sends, delete, and the Status errors it turns into ApiException.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  ApiException,
  CoreV1Api,
  KubeConfig,
  PatchStrategy,
  makeInformer,
  setHeaderOptions,
  type Informer,
  type V1ConfigMap,
} from '@kubernetes/client-node';
import { startCluster, waitFor, type TestCluster } from './lib/cluster.js';

const NS = 'client-node';

describe('@kubernetes/client-node', () => {
  let cluster: TestCluster;
  let core: CoreV1Api;
  let informer: Informer<V1ConfigMap>;
  const seen: string[] = [];

  before(async () => {
    cluster = await startCluster({ agents: 0 });
    const kc = new KubeConfig();
    kc.loadFromFile(cluster.kubeconfig);
    core = kc.makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: NS } } });
    // Exists before the informer starts: it must come from the informer's list.
    await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: 'listed' }, data: { k: 'v' } } });
    informer = makeInformer(kc, `/api/v1/namespaces/${NS}/configmaps`, () => core.listNamespacedConfigMap({ namespace: NS }));
    informer.on('add', (cm) => seen.push(`add ${cm.metadata?.name} ${JSON.stringify(cm.data ?? {})}`));
    informer.on('update', (cm) => seen.push(`update ${cm.metadata?.name} ${JSON.stringify(cm.data ?? {})}`));
    informer.on('delete', (cm) => seen.push(`delete ${cm.metadata?.name}`));
    informer.on('error', (err: unknown) => seen.push(`error ${String(err)}`));
    await informer.start();
  });
  after(async () => {
    await informer?.stop();
    await cluster?.stop();
  });

  const eventually = (what: string) => waitFor(`the informer to see "${what}" (seen: ${seen.join(' | ')})`, async () => seen.includes(what) || undefined, 15_000);

  test('the informer lists what exists, then watches create, patches and delete', async () => {
    await eventually('add listed {"k":"v"}');

    const created = await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: 'watched', labels: { app: 'x' } }, data: { a: '1' } } });
    assert.equal(created.metadata?.name, 'watched');
    assert.match(created.metadata?.resourceVersion ?? '', /^\d+$/);
    await eventually('add watched {"a":"1"}');

    const merged = await core.patchNamespacedConfigMap(
      { name: 'watched', namespace: NS, body: { data: { b: '2' } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    assert.deepEqual(merged.data, { a: '1', b: '2' });
    await eventually('update watched {"a":"1","b":"2"}');

    const strategic = await core.patchNamespacedConfigMap(
      { name: 'watched', namespace: NS, body: { metadata: { labels: { tier: 'web' } }, data: { a: null } } },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    assert.deepEqual(strategic.metadata?.labels, { app: 'x', tier: 'web' });
    assert.deepEqual(strategic.data, { b: '2' });
    await eventually('update watched {"b":"2"}');

    const json = await core.patchNamespacedConfigMap(
      { name: 'watched', namespace: NS, body: [{ op: 'replace', path: '/data/b', value: '3' }] },
      setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
    );
    assert.deepEqual(json.data, { b: '3' });
    await eventually('update watched {"b":"3"}');

    await core.deleteNamespacedConfigMap({ name: 'watched', namespace: NS });
    await eventually('delete watched');
    const names = (await core.listNamespacedConfigMap({ namespace: NS })).items.map((c) => c.metadata?.name);
    assert.deepEqual(names, ['listed']);
    assert.equal(seen.filter((s) => s.startsWith('error')).length, 0, seen.join(' | '));
  });

  test('errors arrive as ApiException carrying the Kubernetes Status', async () => {
    await assert.rejects(core.readNamespacedConfigMap({ name: 'nope', namespace: NS }), (err) => {
      assert.ok(err instanceof ApiException, String(err));
      assert.equal(err.code, 404);
      const status = (typeof err.body === 'string' ? JSON.parse(err.body) : err.body) as { kind: string; reason: string; message: string };
      assert.equal(status.kind, 'Status');
      assert.equal(status.reason, 'NotFound');
      assert.equal(status.message, 'configmaps "nope" not found');
      return true;
    });
    await assert.rejects(
      core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: 'listed' } } }),
      (err) => err instanceof ApiException && err.code === 409,
    );
  });
});
