import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Pod } from '../../../api/types.js';
import type { Job } from '../../../api/workload-types.js';
import { backoffDelayMs, msUntilTtlExpiry, nextJobStatus, planJob } from './job-plan.js';

const T0 = Date.parse('2026-06-01T12:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

function job(spec: Partial<Job['spec']> = {}, status: Job['status'] = { startTime: iso(T0) }): Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'j', namespace: 'default', uid: 'job-uid' },
    spec: { completions: 1, parallelism: 1, backoffLimit: 6, template: { spec: { restartPolicy: 'Never', containers: [] } }, ...spec },
    status,
  };
}

let seq = 0;
function pod(phase: 'Running' | 'Pending' | 'Succeeded' | 'Failed', o: { finishedAt?: number; restarts?: number; deleting?: boolean } = {}): Pod {
  seq++;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `p${seq}`, namespace: 'default', creationTimestamp: iso(T0), ...(o.deleting ? { deletionTimestamp: iso(T0) } : {}) },
    spec: { containers: [], nodeName: 'n' },
    status: {
      phase,
      containerStatuses: [
        {
          name: 'c',
          ready: false,
          restartCount: o.restarts ?? 0,
          image: '',
          imageID: '',
          state: o.finishedAt !== undefined ? { terminated: { exitCode: phase === 'Failed' ? 1 : 0, finishedAt: iso(o.finishedAt) } } : { running: {} },
          lastState: {},
        },
      ],
    },
  };
}

test('backoff: 10 s doubling per failure, capped at 6 minutes', () => {
  assert.deepEqual([0, 1, 2, 3, 5, 6, 10].map(backoffDelayMs), [0, 10_000, 20_000, 40_000, 160_000, 320_000, 360_000]);
});

test('pods to start: parallelism bounded by the completions left', () => {
  const cases: { name: string; j: Job; pods: Pod[]; create: number; del: number }[] = [
    { name: 'fresh 5x2', j: job({ completions: 5, parallelism: 2 }), pods: [], create: 2, del: 0 },
    { name: 'one running', j: job({ completions: 5, parallelism: 2 }), pods: [pod('Running')], create: 1, del: 0 },
    { name: 'four done, one left', j: job({ completions: 5, parallelism: 2 }), pods: [1, 2, 3, 4].map(() => pod('Succeeded', { finishedAt: T0 })), create: 1, del: 0 },
    { name: 'parallelism lowered', j: job({ completions: 5, parallelism: 1 }), pods: [pod('Running'), pod('Running')], create: 0, del: 1 },
    { name: 'work queue: first success stops new pods, others finish', j: job({ completions: null, parallelism: 3 }), pods: [pod('Succeeded', { finishedAt: T0 }), pod('Running')], create: 0, del: 0 },
    { name: 'terminating pods are not active', j: job({ completions: 2, parallelism: 2 }), pods: [pod('Running', { deleting: true })], create: 2, del: 0 },
    { name: 'suspended stops everything', j: job({ completions: 3, parallelism: 2, suspend: true }), pods: [pod('Running')], create: 0, del: 1 },
  ];
  for (const c of cases) {
    const plan = planJob(c.j, c.pods, T0 + 1000);
    assert.equal(plan.finish, undefined, c.name);
    assert.deepEqual([plan.create, plan.delete.length], [c.create, c.del], c.name);
  }
});

test('finishing: completions reached, backoffLimit passed (Never and OnFailure), deadline', () => {
  const done = planJob(job({ completions: 2 }), [pod('Succeeded', { finishedAt: T0 }), pod('Succeeded', { finishedAt: T0 })], T0);
  assert.deepEqual(done.finish, { type: 'Complete' });

  const failures = [1, 2, 3].map((i) => pod('Failed', { finishedAt: T0 + i }));
  assert.equal(planJob(job({ backoffLimit: 3 }), failures, T0 + 10).finish, undefined, 'three failures are within a limit of three');
  const failed = planJob(job({ backoffLimit: 2 }), failures, T0 + 10);
  assert.deepEqual(failed.finish, { type: 'Failed', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' });

  const onFailure = job({ backoffLimit: 2, template: { spec: { restartPolicy: 'OnFailure', containers: [] } } });
  assert.equal(planJob(onFailure, [pod('Running', { restarts: 1 })], T0).finish, undefined);
  assert.equal(planJob(onFailure, [pod('Running', { restarts: 2 })], T0).finish?.type, 'Failed');

  const running = pod('Running');
  const late = planJob(job({ activeDeadlineSeconds: 30 }), [running], T0 + 30_000);
  assert.equal(late.finish?.type === 'Failed' && late.finish.reason, 'DeadlineExceeded');
  assert.deepEqual(late.delete, [running], 'active pods are stopped');
  const early = planJob(job({ activeDeadlineSeconds: 30 }), [running], T0 + 10_000);
  assert.equal(early.recheckAfterMs, 20_000, 'a resync is due when the deadline passes');
});

test('after failures new pods wait for the backoff, counted from the last failure since the last success', () => {
  const j = job({ completions: 3, parallelism: 1 });
  const twoFailures = [pod('Failed', { finishedAt: T0 }), pod('Failed', { finishedAt: T0 + 5_000 })];
  const waiting = planJob(j, twoFailures, T0 + 10_000);
  assert.deepEqual([waiting.create, waiting.recheckAfterMs], [0, 15_000], 'second failure: 20 s after it');
  assert.equal(planJob(j, twoFailures, T0 + 25_000).create, 1);
  // A success in between resets the count: one failure after it waits 10 s.
  const reset = [pod('Failed', { finishedAt: T0 }), pod('Succeeded', { finishedAt: T0 + 1_000 }), pod('Failed', { finishedAt: T0 + 2_000 })];
  assert.equal(planJob(j, reset, T0 + 11_000).create, 0);
  assert.equal(planJob(j, reset, T0 + 12_000).create, 1);
});

test('status: counts, startTime once, Complete with completionTime, Failed with its reason; ttl', () => {
  const fresh = job({ completions: 2, parallelism: 2 }, {});
  const now = iso(T0 + 5_000);
  const s1 = nextJobStatus(fresh, planJob(fresh, [pod('Running')], T0), now);
  assert.deepEqual([s1.startTime, s1.active, s1.succeeded, s1.failed, s1.conditions], [now, 1, 0, 0, undefined]);

  const j = job({ completions: 1, ttlSecondsAfterFinished: 60 });
  const s2 = nextJobStatus(j, planJob(j, [pod('Succeeded', { finishedAt: T0 })], T0), now);
  assert.equal(s2.completionTime, now);
  assert.equal(s2.startTime, iso(T0), 'startTime is kept');
  assert.deepEqual(s2.conditions?.map((c) => [c.type, c.status]), [['Complete', 'True']]);
  const finished: Job = { ...j, status: s2 };
  assert.equal(msUntilTtlExpiry(finished, T0 + 5_000), 60_000);
  assert.equal(msUntilTtlExpiry(finished, T0 + 70_000), -5_000);
  assert.equal(msUntilTtlExpiry(j, T0), undefined, 'not finished: no ttl yet');

  const f = job({ backoffLimit: 0 });
  const s3 = nextJobStatus(f, planJob(f, [pod('Failed', { finishedAt: T0 })], T0), now);
  assert.deepEqual(s3.conditions?.map((c) => [c.type, c.reason]), [['Failed', 'BackoffLimitExceeded']]);
  assert.equal(s3.completionTime, undefined);
});
