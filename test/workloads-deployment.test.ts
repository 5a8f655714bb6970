// The Deployment controller against a real agent, driven by stock kubectl 1.33:
// create deployment → rollout status succeeds; scale 1→3; set image rolls out a new
// ReplicaSet (pod-template-hash, revision 2) and rollout status succeeds; a Recreate
// rollout ends with only the new ReplicaSet's pods; history beyond revisionHistoryLimit goes.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { resources } from '../api/resources.js';
import type { Pod } from '../api/types.js';
import type { Deployment, ReplicaSet } from '../api/workload-types.js';
import { ensureTestImages } from './fixtures/images.js';
import { startCluster, waitFor, type TestCluster } from './lib/cluster.js';

const KUBECTL = '1.33';

describe('deployment controller', () => {
  let cluster: TestCluster;
  let busybox: string;
  before(async () => {
    busybox = (await ensureTestImages()).busybox;
    cluster = await startCluster({ agents: 1 });
  });
  after(async () => {
    await cluster?.stop();
  });

  const k = (args: string[]) => cluster.kubectlOk(args, { version: KUBECTL });
  const replicaSets = async () => (await cluster.client.list<ReplicaSet>(resources.replicasets, { namespace: 'default', labelSelector: 'app=web' })).items;
  const pods = async () => (await cluster.client.list<Pod>(resources.pods, { namespace: 'default', labelSelector: 'app=web' })).items;

  test('create, scale, set image, Recreate: each rollout completes', async () => {
    await k(['create', 'deployment', 'web', `--image=${busybox}`, '--', 'sh', '-c', "trap 'exit 0' TERM; while true; do sleep 1; done"]);
    const first = await k(['rollout', 'status', 'deployment/web', '--timeout=40s']);
    assert.match(first, /successfully rolled out/);

    await k(['scale', 'deployment', 'web', '--replicas=3']);
    await k(['rollout', 'status', 'deployment/web', '--timeout=40s']);
    const [rs1, ...more] = await replicaSets();
    assert.equal(more.length, 0, 'scaling makes no new ReplicaSet');
    const hash = rs1!.metadata.labels?.['pod-template-hash'];
    assert.ok(hash, 'the ReplicaSet carries pod-template-hash');
    assert.equal(rs1!.metadata.name, `web-${hash}`);
    assert.equal(rs1!.spec.selector?.matchLabels?.['pod-template-hash'], hash);
    assert.equal(rs1!.spec.replicas, 3);
    const d1 = await cluster.client.get<Deployment>(resources.deployments, 'web', 'default');
    assert.equal(rs1!.metadata.ownerReferences?.[0]?.uid, d1.metadata.uid);
    assert.equal(d1.status?.availableReplicas, 3);
    assert.equal(d1.status?.conditions?.find((c) => c.type === 'Available')?.status, 'True');
    assert.equal(d1.status?.conditions?.find((c) => c.type === 'Progressing')?.reason, 'NewReplicaSetAvailable');
    const p1 = await pods();
    assert.equal(p1.filter((p) => !p.metadata.deletionTimestamp).length, 3);
    assert.ok(p1.every((p) => p.metadata.labels?.['pod-template-hash'] === hash));

    // A new template rolls out through a second ReplicaSet.
    // While it rolls, the ReplicaSets together never ask for more than replicas + maxSurge
    // (25% of 3 rounds up to 1).
    let maxTotal = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const total = (await replicaSets()).reduce((n, r) => n + (r.spec.replicas ?? 0), 0);
        maxTotal = Math.max(maxTotal, total);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    await k(['set', 'env', 'deployment/web', 'ROUND=2']);
    const second = await k(['rollout', 'status', 'deployment/web', '--timeout=50s']);
    sampling = false;
    await sampler;
    assert.ok(maxTotal <= 4, `at most 4 replicas asked for during the rollout, saw ${maxTotal}`);
    assert.ok(maxTotal >= 4, `the rollout surged by one (saw ${maxTotal})`);
    assert.match(second, /successfully rolled out/);
    const rss = await replicaSets();
    assert.equal(rss.length, 2);
    const newRs = rss.find((r) => r.metadata.name !== rs1!.metadata.name)!;
    assert.equal(newRs.metadata.annotations?.['deployment.kubernetes.io/revision'], '2');
    assert.equal(newRs.spec.replicas, 3);
    assert.equal(rss.find((r) => r.metadata.name === rs1!.metadata.name)!.spec.replicas, 0);
    await waitFor('only new pods left', async () => {
      const ps = await pods();
      return ps.length === 3 && ps.every((p) => p.metadata.labels?.['pod-template-hash'] === newRs.metadata.labels?.['pod-template-hash']) ? true : undefined;
    }, 30_000, 300);
    const events = await k(['get', 'events', '--field-selector', 'involvedObject.name=web', '-o', 'jsonpath={range .items[*]}{.message}{"\\n"}{end}']);
    assert.match(events, new RegExp(`Scaled up replica set ${newRs.metadata.name}`));
    assert.match(events, new RegExp(`Scaled down replica set ${rs1!.metadata.name}`));

    // Recreate: old pods all go before the new ones start.
    await k(['patch', 'deployment', 'web', '-p', '{"spec":{"strategy":{"type":"Recreate","rollingUpdate":null}}}']);
    await k(['set', 'env', 'deployment/web', 'ROUND=3']);
    await k(['rollout', 'status', 'deployment/web', '--timeout=50s']);
    const third = (await replicaSets()).find((r) => r.metadata.annotations?.['deployment.kubernetes.io/revision'] === '3');
    assert.ok(third, 'revision 3 exists');
    assert.equal(third.spec.replicas, 3);

    // History beyond revisionHistoryLimit goes: with a limit of 1, revision 1 is deleted.
    await k(['patch', 'deployment', 'web', '-p', '{"spec":{"revisionHistoryLimit":1}}']);
    await waitFor('only revisions 2 and 3 kept', async () => {
      const revs = (await replicaSets()).map((r) => r.metadata.annotations?.['deployment.kubernetes.io/revision']).sort();
      return revs.join(',') === '2,3' ? true : undefined;
    }, 20_000, 300);
  });
});
