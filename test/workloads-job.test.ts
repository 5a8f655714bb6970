// The Job controller against two real agents, driven by stock kubectl 1.33: a Job with
// completions 5 and parallelism 2 completes with never more than 2 pods active (sampled);
// a failing Job retries after the 10 s backoff and ends Failed with BackoffLimitExceeded, and
// with restartPolicy OnFailure its container restarts count instead;
// activeDeadlineSeconds stops a Job that runs too long; ttlSecondsAfterFinished deletes a
// finished Job and its pods; an Indexed Job runs each completion index once.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { isNotFound } from '../api/errors.js';
import { resources } from '../api/resources.js';
import type { KubeObject, Pod } from '../api/types.js';
import type { Job } from '../api/workload-types.js';
import { ensureTestImages } from './fixtures/images.js';
import { startCluster, waitFor, type TestCluster } from './lib/cluster.js';

const KUBECTL = '1.33';

describe('job controller', () => {
  let cluster: TestCluster;
  let busybox: string;
  before(async () => {
    busybox = (await ensureTestImages()).busybox;
    cluster = await startCluster({ agents: 2 });
  });
  after(async () => {
    await cluster?.stop();
  });

  const k = (args: string[], input?: string) => cluster.kubectlOk(args, { version: KUBECTL, ...(input !== undefined ? { input } : {}) });
  const getJob = (name: string) => cluster.client.get<Job>(resources.jobs, name, 'default');
  const jobPods = async (name: string) => (await cluster.client.list<Pod>(resources.pods, { namespace: 'default', labelSelector: `job-name=${name}` })).items;
  const manifest = (name: string, spec: Record<string, unknown>, script: string, restartPolicy = 'Never') =>
    JSON.stringify({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name },
      spec: { ...spec, template: { spec: { restartPolicy, terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image: busybox, command: ['sh', '-c', script] }] } } },
    });
  const condition = (j: Job, type: string) => j.status?.conditions?.find((c) => c.type === type && c.status === 'True');

  test('completions 5, parallelism 2: completes, never more than 2 active', async () => {
    let maxActive = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const pods = await jobPods('five').catch(() => []);
        const active = pods.filter((p) => !p.metadata.deletionTimestamp && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed').length;
        maxActive = Math.max(maxActive, active);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    await k(['apply', '-f', '-'], manifest('five', { completions: 5, parallelism: 2 }, 'sleep 1'));
    const done = await waitFor('job five to complete', async () => {
      const j = await getJob('five');
      return condition(j, 'Complete') ? j : undefined;
    }, 120_000, 500);
    sampling = false;
    await sampler;
    assert.ok(maxActive <= 2, `at most 2 pods active at once, saw ${maxActive}`);
    assert.equal(maxActive, 2, 'the Job ran two at a time');
    assert.deepEqual([done.status?.succeeded, done.status?.active, done.status?.failed], [5, 0, 0]);
    assert.ok(done.status?.startTime && done.status.completionTime, 'start and completion times are set');
    const pods = await jobPods('five');
    assert.equal(pods.filter((p) => p.status?.phase === 'Succeeded').length, 5);
    for (const p of pods) {
      assert.equal(p.metadata.ownerReferences?.[0]?.uid, done.metadata.uid);
      assert.equal(p.metadata.labels?.['batch.kubernetes.io/controller-uid'], done.metadata.uid);
    }
    const row = await k(['get', 'job', 'five', '--no-headers']);
    assert.match(row, /^five\s+Complete\s+5\/5\s/);
  });

  test('Indexed: each index runs once with its JOB_COMPLETION_INDEX and hostname; completedIndexes lists them', async () => {
    await k(['apply', '-f', '-'], manifest('indexed', { completions: 3, parallelism: 2, completionMode: 'Indexed' }, 'echo "index=$JOB_COMPLETION_INDEX host=$(hostname)"'));
    const done = await waitFor('the indexed job to complete', async () => {
      const j = await getJob('indexed');
      return condition(j, 'Complete') ? j : undefined;
    }, 120_000, 500);
    assert.equal(done.status?.completedIndexes, '0-2');
    assert.equal(done.status?.succeeded, 3);
    const pods = await jobPods('indexed');
    const lines: string[] = [];
    for (const p of pods.filter((x) => x.status?.phase === 'Succeeded')) {
      const index = p.metadata.annotations?.['batch.kubernetes.io/job-completion-index'];
      assert.equal(p.metadata.labels?.['batch.kubernetes.io/job-completion-index'], index);
      assert.match(p.metadata.name!, new RegExp(`^indexed-${index}-`));
      lines.push((await k(['logs', p.metadata.name!])).trim());
    }
    assert.deepEqual(lines.sort(), ['index=0 host=indexed-0', 'index=1 host=indexed-1', 'index=2 host=indexed-2']);
  });

  test('backoffLimit: a failed pod is retried after the backoff, then the Job fails', async () => {
    await k(['apply', '-f', '-'], manifest('flaky', { backoffLimit: 1 }, 'exit 3'));
    const failed = await waitFor('job flaky to fail', async () => {
      const j = await getJob('flaky');
      return condition(j, 'Failed') ? j : undefined;
    }, 90_000, 500);
    const cond = condition(failed, 'Failed')!;
    assert.equal(cond.reason, 'BackoffLimitExceeded');
    assert.equal(failed.status?.failed, 2, 'one try plus backoffLimit retries');
    assert.equal(failed.status?.completionTime, undefined);
    const pods = (await jobPods('flaky')).sort((a, b) => Date.parse(a.metadata.creationTimestamp!) - Date.parse(b.metadata.creationTimestamp!));
    assert.equal(pods.length, 2);
    assert.ok(pods.every((p) => p.status?.phase === 'Failed'));
    const gap = Date.parse(pods[1]!.metadata.creationTimestamp!) - Date.parse(pods[0]!.metadata.creationTimestamp!);
    assert.ok(gap >= 10_000, `the retry waited out the 10 s backoff (${gap} ms)`);
    const described = await k(['describe', 'job', 'flaky']);
    assert.match(described, /BackoffLimitExceeded/);
  });

  test('restartPolicy OnFailure: container restarts count against backoffLimit', async () => {
    await k(['apply', '-f', '-'], manifest('crashy', { backoffLimit: 1 }, 'exit 2', 'OnFailure'));
    const failed = await waitFor('job crashy to fail', async () => {
      const j = await getJob('crashy');
      return condition(j, 'Failed') ? j : undefined;
    }, 90_000, 500);
    assert.equal(condition(failed, 'Failed')!.reason, 'BackoffLimitExceeded');
    // A failed Job's pods are deleted, possibly before this look: count what was created.
    assert.ok((await jobPods('crashy')).length <= 1, 'the pod restarts in place, no second pod');
    const events = (await cluster.client.list<KubeObject & { reason?: string; involvedObject: { name?: string } }>(resources.events, { namespace: 'default' })).items;
    const creates = events.filter((e) => e.involvedObject.name === 'crashy' && e.reason === 'SuccessfulCreate');
    assert.equal(creates.length, 1, 'one pod was ever created');
    assert.equal((creates[0] as unknown as { count?: number }).count ?? 1, 1);
  });

  test('activeDeadlineSeconds fails a Job that runs too long and stops its pod', async () => {
    await k(['apply', '-f', '-'], manifest('slow', { activeDeadlineSeconds: 4 }, "trap 'exit 0' TERM; while true; do sleep 1; done"));
    const failed = await waitFor('job slow to fail', async () => {
      const j = await getJob('slow');
      return condition(j, 'Failed') ? j : undefined;
    }, 60_000, 500);
    assert.equal(condition(failed, 'Failed')!.reason, 'DeadlineExceeded');
    await waitFor('the pod of job slow to be gone', async () => (await jobPods('slow')).length === 0, 30_000, 500);
  });

  test('ttlSecondsAfterFinished deletes the finished Job and its pods', async () => {
    await k(['apply', '-f', '-'], manifest('brief', { ttlSecondsAfterFinished: 2 }, 'true'));
    let sawComplete = false;
    await waitFor('job brief to be deleted', async () => {
      try {
        if (condition(await getJob('brief'), 'Complete')) sawComplete = true;
        return false;
      } catch (err) {
        return isNotFound(err);
      }
    }, 60_000, 100);
    assert.ok(sawComplete, 'the Job completed before it was deleted');
    await waitFor('the pods of job brief to be gone', async () => (await jobPods('brief')).length === 0, 30_000, 500);
  });
});
