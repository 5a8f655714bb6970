import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { WorkloadCondition } from '../../../api/workload-types.js';
import { progressVerdict, type ProgressInput } from './deployment-progress.js';

const T0 = Date.parse('2026-06-01T12:00:00Z');
const cond = (status: WorkloadCondition['status'], reason: string, updatedSecondsAgo: number, now = T0): WorkloadCondition => ({
  type: 'Progressing',
  status,
  reason,
  lastUpdateTime: new Date(now - updatedSecondsAgo * 1000).toISOString(),
});
const counts = (replicas: number, updated: number, ready: number, available: number) => ({ replicas, updatedReplicas: updated, readyReplicas: ready, availableReplicas: available });

function input(o: Partial<ProgressInput>): ProgressInput {
  return {
    newRsName: 'web-abc',
    created: false,
    complete: false,
    previous: counts(4, 1, 3, 3),
    next: counts(4, 1, 3, 3),
    current: cond('True', 'ReplicaSetUpdated', 5),
    progressDeadlineSeconds: 60,
    now: T0,
    ...o,
  };
}

test('Progressing: complete, created, progress touches, stall waits for the deadline then times out', () => {
  const cases: { name: string; in: ProgressInput; reason?: string; status?: string; touch: boolean; recheck?: number }[] = [
    { name: 'complete', in: input({ complete: true }), reason: 'NewReplicaSetAvailable', status: 'True', touch: false },
    { name: 'new ReplicaSet', in: input({ created: true }), reason: 'NewReplicaSetCreated', status: 'True', touch: true },
    { name: 'more available', in: input({ next: counts(4, 1, 3, 4) }), reason: 'ReplicaSetUpdated', status: 'True', touch: true },
    { name: 'more updated', in: input({ next: counts(5, 2, 3, 3) }), reason: 'ReplicaSetUpdated', status: 'True', touch: true },
    { name: 'fewer old pods', in: input({ next: counts(3, 1, 3, 3) }), reason: 'ReplicaSetUpdated', status: 'True', touch: true },
    { name: 'stalled within the deadline', in: input({}), touch: false, recheck: 55_000 },
    { name: 'stalled past the deadline', in: input({ current: cond('True', 'ReplicaSetUpdated', 61) }), reason: 'ProgressDeadlineExceeded', status: 'False', touch: false },
    { name: 'already timed out stays', in: input({ current: cond('False', 'ProgressDeadlineExceeded', 600) }), touch: false },
    { name: 'progress after a time-out', in: input({ current: cond('False', 'ProgressDeadlineExceeded', 600), next: counts(4, 2, 3, 3) }), reason: 'ReplicaSetUpdated', status: 'True', touch: true },
    { name: 'resumed after a pause: the deadline starts again', in: input({ current: cond('Unknown', 'DeploymentPaused', 900) }), reason: 'ReplicaSetUpdated', status: 'True', touch: true },
    { name: 'a finished rollout losing a pod does not time out', in: input({ current: cond('True', 'NewReplicaSetAvailable', 9_000), next: counts(4, 4, 3, 3), previous: counts(4, 4, 4, 4) }), touch: false },
    { name: 'no deadline', in: input({ current: cond('True', 'ReplicaSetUpdated', 9_000), progressDeadlineSeconds: 2147483647 }), touch: false },
  ];
  for (const c of cases) {
    const v = progressVerdict(c.in);
    assert.equal(v.condition?.reason, c.reason, `${c.name}: reason`);
    assert.equal(v.condition?.status, c.status, `${c.name}: status`);
    assert.equal(v.touch, c.touch, `${c.name}: touch`);
    assert.equal(v.recheckAfterMs, c.recheck, `${c.name}: recheck`);
  }
});
