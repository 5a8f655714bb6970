import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Pod } from '../../../api/types.js';
import type { Job } from '../../../api/workload-types.js';
import { formatIndexes, indexedPodParts, JOB_COMPLETION_INDEX, parseIndexes } from './indexed.js';
import { nextJobStatus, planJob } from './job-plan.js';

const T0 = Date.parse('2026-06-01T12:00:00Z');

function job(status: Job['status'] = {}): Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'ix', namespace: 'default', uid: 'u' },
    spec: { completions: 5, parallelism: 2, completionMode: 'Indexed', template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'x' }] } } },
    status: { startTime: '2026-06-01T12:00:00Z', ...status },
  };
}

let seq = 0;
function pod(index: string | undefined, phase: 'Running' | 'Succeeded' | 'Failed'): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `p${++seq}`, namespace: 'default', creationTimestamp: '2026-06-01T12:00:00Z', ...(index !== undefined ? { annotations: { [JOB_COMPLETION_INDEX]: index } } : {}) },
    spec: { containers: [], nodeName: 'n' },
    status: { phase },
  } as Pod;
}

test('completed indexes as Kubernetes writes them, and back', () => {
  assert.equal(formatIndexes([7, 1, 3, 4, 5]), '1,3-5,7');
  assert.equal(formatIndexes([3, 4]), '3-4');
  assert.equal(formatIndexes([]), '');
  assert.deepEqual([...parseIndexes('1,3-5,7,x,9', 8)].sort(), [1, 3, 4, 5, 7]);
});

test('the lowest missing indexes start first, one active pod per index', () => {
  const plan = planJob(job({ completedIndexes: '0' }), [pod('2', 'Running')], T0);
  assert.deepEqual(plan.createIndexes, [1], 'parallelism 2: index 2 runs, 0 is done, so 1');
  assert.equal(plan.create, 1);
  assert.equal(plan.counts.succeeded, 1);
});

test('a pod with no index, a done index or a second pod for an index is deleted', () => {
  const dup = [pod('1', 'Running'), pod('1', 'Running')];
  const stray = pod(undefined, 'Running');
  const late = pod('0', 'Running');
  const plan = planJob(job({ completedIndexes: '0' }), [...dup, stray, late], T0);
  assert.equal(plan.delete.length, 3);
  assert.ok(plan.delete.includes(stray) && plan.delete.includes(late));
  assert.equal(plan.delete.filter((p) => dup.includes(p)).length, 1);
});

test('complete when every index has succeeded once; status lists them', () => {
  const pods = ['0', '1', '2', '3', '4'].map((i) => pod(i, 'Succeeded'));
  pods.push(pod('4', 'Succeeded'));
  const plan = planJob(job(), pods, T0);
  assert.equal(plan.finish?.type, 'Complete');
  const status = nextJobStatus(job(), plan, '2026-06-01T12:01:00Z');
  assert.deepEqual([status.succeeded, status.completedIndexes], [5, '0-4']);
});

test("an index's pod gets the annotation, label, env and hostname", () => {
  const t = indexedPodParts(job(), 3, job().spec.template);
  assert.equal(t.metadata?.annotations?.[JOB_COMPLETION_INDEX], '3');
  assert.equal(t.metadata?.labels?.[JOB_COMPLETION_INDEX], '3');
  assert.deepEqual((t.spec.containers[0] as { env?: unknown[] }).env, [{ name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } } }]);
  assert.equal((t.spec as { hostname?: string }).hostname, 'ix-3');
});
