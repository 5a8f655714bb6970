// The ReplicaSet controller against a real agent: kubectl apply of a ReplicaSet of 3 gives
// 3 running pods owned by it; a deleted pod is replaced; scaling to 1 deletes 2; an orphan
// with matching labels is adopted (and the surplus deleted); deleting the ReplicaSet takes
// its pods with it (garbage collector, through the ownerReferences).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { resources } from '../api/resources.js';
import type { Pod } from '../api/types.js';
import type { ReplicaSet } from '../api/workload-types.js';
import { ensureTestImages } from './fixtures/images.js';
import { startCluster, waitFor, type TestCluster } from './lib/cluster.js';
import { sleepForever } from './lib/manifests.js';

describe('replicaset controller', () => {
  let cluster: TestCluster;
  let busybox: string;
  before(async () => {
    busybox = (await ensureTestImages()).busybox;
    cluster = await startCluster({ agents: 1 });
  });
  after(async () => {
    await cluster?.stop();
  });

  const rsManifest = (replicas: number) =>
    JSON.stringify({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'web' },
      spec: {
        replicas,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web', tier: 'front' } },
          spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image: busybox, command: sleepForever }] },
        },
      },
    });
  const pods = async () => (await cluster.client.list<Pod>(resources.pods, { namespace: 'default', labelSelector: 'app=web' })).items;
  const live = async () => (await pods()).filter((p) => !p.metadata.deletionTimestamp);
  const rs = () => cluster.client.get<ReplicaSet>(resources.replicasets, 'web', 'default');

  test('creates, replaces, scales down, adopts, and goes with its pods', async () => {
    await cluster.kubectlOk(['apply', '-f', '-'], { input: rsManifest(3) });
    const running = await waitFor('3 running pods', async () => {
      const ps = await live();
      return ps.length === 3 && ps.every((p) => p.status?.phase === 'Running') ? ps : undefined;
    }, 45_000, 300);
    const owner = await rs();
    for (const p of running) {
      assert.match(p.metadata.name!, /^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
      assert.equal(p.metadata.labels?.['tier'], 'front', 'labels come from the template');
      assert.deepEqual(p.metadata.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: owner.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    }
    const status = await waitFor('status to count 3 ready', async () => {
      const r = await rs();
      return r.status?.readyReplicas === 3 && r.status.availableReplicas === 3 ? r.status : undefined;
    });
    assert.equal(status.replicas, 3);
    assert.equal(status.fullyLabeledReplicas, 3);
    assert.equal(status.observedGeneration, owner.metadata.generation);
    // Expectations: never more than 3 pods were made while the creates were in flight.
    const all = await pods();
    assert.equal(all.length, 3, `no double creates: ${all.map((p) => p.metadata.name).join(' ')}`);
    const table = await cluster.kubectlOk(['get', 'rs', 'web', '--no-headers']);
    assert.match(table, /^web\s+3\s+3\s+3\s/);

    // A deleted pod is replaced.
    const victim = running[0]!.metadata.name!;
    await cluster.kubectlOk(['delete', 'pod', victim, '--wait=false']);
    await waitFor('a replacement pod', async () => {
      const ps = await live();
      return ps.length === 3 && !ps.some((p) => p.metadata.name === victim) && ps.every((p) => p.status?.phase === 'Running') ? ps : undefined;
    }, 45_000, 300);

    // Scale to 1: two are deleted, one stays.
    await cluster.kubectlOk(['scale', 'rs', 'web', '--replicas=1']);
    await waitFor('one pod left', async () => ((await pods()).length === 1 ? true : undefined), 45_000, 300);
    await waitFor('status to say 1', async () => {
      const r = await rs();
      return r.status?.replicas === 1 && r.status.readyReplicas === 1 ? true : undefined;
    });
    const events = await cluster.kubectlOk(['get', 'events', '--field-selector', 'involvedObject.name=web', '-o', 'jsonpath={range .items[*]}{.reason}{"\\n"}{end}']);
    assert.match(events, /SuccessfulCreate/);
    assert.match(events, /SuccessfulDelete/);

    // An orphan that matches the selector is adopted; the ReplicaSet then has one too many.
    await cluster.kubectlOk(['apply', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'stray', labels: { app: 'web' } },
        spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image: busybox, command: sleepForever }] },
      }),
    });
    await waitFor('back to one pod after adopting the orphan', async () => {
      const ps = await pods();
      return ps.length === 1 ? true : undefined;
    }, 45_000, 300);

    // A pod whose labels stop matching is released: the ReplicaSet makes another.
    const [kept] = await live();
    await cluster.kubectlOk(['label', 'pod', kept!.metadata.name!, 'app=other', '--overwrite']);
    const released = await waitFor('the relabelled pod released', async () => {
      const p = await cluster.pod(kept!.metadata.name!);
      return (p.metadata.ownerReferences ?? []).length === 0 ? p : undefined;
    });
    assert.equal(released.metadata.labels?.['app'], 'other');
    await waitFor('a new pod for the released one', async () => ((await live()).length === 1 ? true : undefined), 45_000, 300);
    await cluster.kubectlOk(['delete', 'pod', kept!.metadata.name!, '--wait=false']);

    // Deleting the ReplicaSet deletes its pods.
    await cluster.kubectlOk(['delete', 'rs', 'web']);
    await waitFor('the pods gone with the ReplicaSet', async () => ((await pods()).length === 0 ? true : undefined), 45_000, 300);
  });
});
