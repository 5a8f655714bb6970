// `kubectl rollout` against the Deployment controller with a real agent and stock kubectl
// 1.33: history, undo (to the previous and to a chosen revision), pause and resume, restart;
// scale 1→5→2 and a rolling image change sampled against maxUnavailable;
// progressDeadlineSeconds turns a stalled rollout into ProgressDeadlineExceeded, which
// `rollout status` reports; minReadySeconds holds availability back.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { resources } from '../api/resources.js';
import type { Pod } from '../api/types.js';
import type { Deployment, ReplicaSet } from '../api/workload-types.js';
import { ensureTestImages } from './fixtures/images.js';
import { startCluster, waitFor, type TestCluster } from './lib/cluster.js';
import { sleepForever } from './lib/manifests.js';

const KUBECTL = '1.33';

describe('kubectl rollout', () => {
  let cluster: TestCluster;
  let busybox: string;
  before(async () => {
    busybox = (await ensureTestImages()).busybox;
    cluster = await startCluster({ agents: 1 });
  });
  after(async () => {
    await cluster?.stop();
  });

  const k = (args: string[], input?: string) => cluster.kubectlOk(args, { version: KUBECTL, ...(input !== undefined ? { input } : {}) });
  const deployment = (name: string) => cluster.client.get<Deployment>(resources.deployments, name, 'default');
  const replicaSets = async (app: string) => (await cluster.client.list<ReplicaSet>(resources.replicasets, { namespace: 'default', labelSelector: `app=${app}` })).items;
  const revision = (rs: ReplicaSet) => Number(rs.metadata.annotations?.['deployment.kubernetes.io/revision']);
  const roundOf = (d: Deployment) => d.spec.template.spec.containers[0]?.env?.find((e) => e.name === 'ROUND')?.value;
  const manifest = (name: string, spec: Record<string, unknown>, command: string[], container: Record<string, unknown> = {}) =>
    JSON.stringify({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: name } },
        ...spec,
        template: { metadata: { labels: { app: name } }, spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image: busybox, command, ...container }] } },
      },
    });

  test('history, undo, pause and resume, restart, undo --to-revision', async () => {
    await k(['create', 'deployment', 'roll', `--image=${busybox}`, '--replicas=2', '--', ...sleepForever]);
    await k(['rollout', 'status', 'deployment/roll', '--timeout=60s']);
    await k(['set', 'env', 'deployment/roll', 'ROUND=2']);
    await k(['annotate', 'deployment/roll', 'kubernetes.io/change-cause=round two']);
    await k(['rollout', 'status', 'deployment/roll', '--timeout=60s']);
    const history = await waitFor('the change cause in the history', async () => {
      const h = await k(['rollout', 'history', 'deployment/roll']);
      return /^2\s+round two$/m.test(h) ? h : undefined;
    }, 20_000, 300);
    assert.match(history, /^1\s+<none>$/m);

    // undo: back to revision 1's template, which becomes revision 3.
    assert.match(await k(['rollout', 'undo', 'deployment/roll']), /rolled back/);
    await k(['rollout', 'status', 'deployment/roll', '--timeout=60s']);
    assert.equal(roundOf(await deployment('roll')), undefined, 'the template has no ROUND again');
    await waitFor('the first ReplicaSet to become revision 3', async () => {
      const rss = await replicaSets('roll');
      return rss.length === 2 && rss.some((rs) => revision(rs) === 3 && rs.spec.replicas === 2 && !rs.spec.template.spec.containers[0]?.env);
    }, 20_000, 300);

    // pause: a template change makes no ReplicaSet until resume.
    await k(['rollout', 'pause', 'deployment/roll']);
    await k(['set', 'env', 'deployment/roll', 'ROUND=4']);
    await new Promise((r) => setTimeout(r, 3_000));
    assert.equal((await replicaSets('roll')).length, 2, 'paused: no new ReplicaSet');
    const paused = await deployment('roll');
    assert.equal(paused.status?.conditions?.find((c) => c.type === 'Progressing')?.reason, 'DeploymentPaused');
    await k(['rollout', 'resume', 'deployment/roll']);
    await k(['rollout', 'status', 'deployment/roll', '--timeout=60s']);
    const rss4 = await replicaSets('roll');
    const rev4 = rss4.find((rs) => revision(rs) === 4);
    assert.ok(rev4, 'resume rolled out revision 4');
    assert.equal(rev4.spec.template.spec.containers[0]?.env?.[0]?.value, '4');

    // restart: a new revision that differs only by the restartedAt annotation.
    await k(['rollout', 'restart', 'deployment/roll']);
    await k(['rollout', 'status', 'deployment/roll', '--timeout=60s']);
    const rev5 = (await replicaSets('roll')).find((rs) => revision(rs) === 5);
    assert.ok(rev5?.spec.template.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt'], 'revision 5 carries restartedAt');

    // undo to a chosen revision.
    await k(['rollout', 'undo', 'deployment/roll', '--to-revision=2']);
    await k(['rollout', 'status', 'deployment/roll', '--timeout=60s']);
    assert.equal(roundOf(await deployment('roll')), '2');
    await waitFor('only pods of the restored template', async () => {
      const pods = (await cluster.client.list<Pod>(resources.pods, { namespace: 'default', labelSelector: 'app=roll' })).items.filter((p) => !p.metadata.deletionTimestamp);
      return pods.length === 2 && pods.every((p) => p.spec.containers[0]?.env?.[0]?.value === '2');
    }, 30_000, 300);
  });

  test('scale 1→5→2, then an image change never leaves more than maxUnavailable unavailable (sampled)', async () => {
    await k(['apply', '-f', '-'], manifest('steps', { strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 1 } } }, sleepForever));
    await k(['rollout', 'status', 'deployment/steps', '--timeout=60s']);
    const live = async () => (await cluster.client.list<Pod>(resources.pods, { namespace: 'default', labelSelector: 'app=steps' })).items.filter((p) => !p.metadata.deletionTimestamp);
    for (const n of [5, 2]) {
      await k(['scale', 'deployment/steps', `--replicas=${n}`]);
      await k(['rollout', 'status', 'deployment/steps', '--timeout=60s']);
      await waitFor(`${n} pods`, async () => (await live()).length === n, 30_000, 300);
    }
    await k(['scale', 'deployment/steps', '--replicas=4']);
    await k(['rollout', 'status', 'deployment/steps', '--timeout=60s']);
    let fewestReady = Infinity;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const ready = (await live()).filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length;
        fewestReady = Math.min(fewestReady, ready);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    await k(['set', 'env', 'deployment/steps', 'ROUND=2']);
    await k(['rollout', 'status', 'deployment/steps', '--timeout=60s']);
    sampling = false;
    await sampler;
    assert.ok(fewestReady >= 3, `at least replicas - maxUnavailable = 3 ready throughout, saw ${fewestReady}`);
    const pods = await waitFor('4 new pods', async () => {
      const ps = await live();
      return ps.length === 4 && ps.every((p) => p.spec.containers[0]?.env?.[0]?.value === '2') ? ps : undefined;
    }, 30_000, 300);
    assert.equal(pods.length, 4);
  });

  test('progressDeadlineSeconds: a rollout that makes no progress is reported as exceeded', async () => {
    // Running but never ready: a readiness probe that always fails.
    const neverReady = { readinessProbe: { exec: { command: ['false'] }, periodSeconds: 1 } };
    await k(['apply', '-f', '-'], manifest('stuck', { progressDeadlineSeconds: 5 }, sleepForever, neverReady));
    const r = await cluster.kubectl(['rollout', 'status', 'deployment/stuck', '--timeout=60s'], { version: KUBECTL });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /deployment "stuck" exceeded its progress deadline/);
    const d = await deployment('stuck');
    const progressing = d.status?.conditions?.find((c) => c.type === 'Progressing');
    assert.deepEqual([progressing?.status, progressing?.reason], ['False', 'ProgressDeadlineExceeded']);
  });

  test('minReadySeconds: a ready pod counts as available only after that long', async () => {
    await k(['apply', '-f', '-'], manifest('steady', { minReadySeconds: 4 }, sleepForever));
    const pod = await waitFor('the steady pod to be ready', async () => {
      const pods = (await cluster.client.list<Pod>(resources.pods, { namespace: 'default', labelSelector: 'app=steady' })).items;
      return pods.find((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
    }, 60_000, 100);
    const readySince = Date.parse(pod.status!.conditions!.find((c) => c.type === 'Ready')!.lastTransitionTime!);
    assert.equal((await deployment('steady')).status?.availableReplicas ?? 0, 0, 'ready but not yet available');
    await waitFor('the deployment to count it available', async () => (await deployment('steady')).status?.availableReplicas === 1, 20_000, 100);
    // lastTransitionTime has whole seconds: allow that much.
    assert.ok(Date.now() - readySince >= 3_000, `available ${Date.now() - readySince} ms after ready`);
    await k(['rollout', 'status', 'deployment/steady', '--timeout=30s']);
  });
});
