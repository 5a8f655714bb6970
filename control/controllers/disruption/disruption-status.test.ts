import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PodDisruptionBudget } from '../../../api/policy-types.js';
import type { Pod } from '../../../api/types.js';
import { computeDisruptionStatus, DELETION_TIMEOUT_MS, DisruptionSyncError, failedDisruptionStatus, type ScaleFinder } from './disruption-status.js';

const NOW = Date.parse('2026-11-29T12:00:00Z');

function pod(name: string, o: { ready?: boolean; owner?: string; deleting?: boolean } = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'default',
      ...(o.owner ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: o.owner, uid: `uid-${o.owner}`, controller: true }] } : {}),
      ...(o.deleting ? { deletionTimestamp: '2026-11-29T11:59:00Z' } : {}),
    },
    spec: { containers: [] },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }] },
  } as Pod;
}

function pdb(spec: PodDisruptionBudget['spec'], status?: Partial<NonNullable<PodDisruptionBudget['status']>>): PodDisruptionBudget {
  return { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'b', namespace: 'default', generation: 2 }, spec, ...(status ? { status: { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0, ...status } } : {}) };
}

/** web-rs has 4 replicas (owned by nothing); the pods name it. */
const finder: ScaleFinder = (_ns, ref) => (ref.name === 'web-rs' ? { uid: 'uid-web-rs', replicas: 4 } : undefined);
const three = [pod('a', { owner: 'web-rs' }), pod('b', { owner: 'web-rs' }), pod('c', { owner: 'web-rs', ready: false })];

test('minAvailable as a count: expected = pods selected, allowed = healthy − min', () => {
  const { status } = computeDisruptionStatus(pdb({ minAvailable: 1 }), three, finder, NOW);
  assert.deepEqual([status.expectedPods, status.currentHealthy, status.desiredHealthy, status.disruptionsAllowed, status.observedGeneration], [3, 2, 1, 1, 2]);
  assert.deepEqual(status.conditions?.map((c) => [c.type, c.status, c.reason]), [['DisruptionAllowed', 'True', 'SufficientPods']]);
});

test('percentages and maxUnavailable use the controller scale, rounding up', () => {
  let { status } = computeDisruptionStatus(pdb({ minAvailable: '30%' }), three, finder, NOW);
  assert.deepEqual([status.expectedPods, status.desiredHealthy, status.disruptionsAllowed], [4, 2, 0], 'ceil(1.2) = 2 of 4; 2 healthy');
  ({ status } = computeDisruptionStatus(pdb({ maxUnavailable: '30%' }), three, finder, NOW));
  assert.deepEqual([status.expectedPods, status.desiredHealthy, status.disruptionsAllowed], [4, 2, 0], '4 − ceil(1.2)');
  ({ status } = computeDisruptionStatus(pdb({ maxUnavailable: 5 }), three, finder, NOW));
  assert.deepEqual([status.desiredHealthy, status.disruptionsAllowed], [0, 2], 'never below 0');
  assert.deepEqual(status.conditions?.map((c) => c.reason), ['SufficientPods']);
});

test('no disruption when nothing is expected or the budget is not met', () => {
  assert.equal(computeDisruptionStatus(pdb({ minAvailable: 0 }), [], finder, NOW).status.disruptionsAllowed, 0);
  const { status } = computeDisruptionStatus(pdb({ minAvailable: 3 }), three, finder, NOW);
  assert.deepEqual([status.disruptionsAllowed, status.conditions?.[0]?.status, status.conditions?.[0]?.reason], [0, 'False', 'InsufficientPods']);
});

test('pods being deleted and pods evicted in the last two minutes are not healthy; the note expires', () => {
  const pods = [pod('a', { owner: 'web-rs' }), pod('b', { owner: 'web-rs' }), pod('c', { owner: 'web-rs', deleting: true })];
  const recent = new Date(NOW - 30_000).toISOString();
  const old = new Date(NOW - DELETION_TIMEOUT_MS - 1).toISOString();
  const r = computeDisruptionStatus(pdb({ minAvailable: 1 }, { disruptedPods: { a: recent, b: old, c: recent } }), pods, finder, NOW);
  assert.equal(r.status.currentHealthy, 1, 'a noted, c deleting: only b');
  assert.deepEqual(r.status.disruptedPods, { a: recent }, 'b expired, c gone from the map once deleting');
  assert.equal(r.recheckAt, Date.parse(recent) + DELETION_TIMEOUT_MS);
});

test('unmanaged pods are left out of the scale and reported; an unknown controller fails the sync', () => {
  const r = computeDisruptionStatus(pdb({ maxUnavailable: 1 }), [...three, pod('loose')], finder, NOW);
  assert.deepEqual(r.unmanagedPods, ['loose']);
  assert.equal(r.status.expectedPods, 4);
  assert.throws(() => computeDisruptionStatus(pdb({ maxUnavailable: 1 }), [pod('x', { owner: 'gone' })], finder, NOW), (e: Error) => e instanceof DisruptionSyncError && e.message === 'found no controllers for pod "x"');
  const failed = failedDisruptionStatus(pdb({ maxUnavailable: 1 }, { disruptionsAllowed: 3 }), new Error('found no controllers for pod "x"'), NOW);
  assert.deepEqual([failed.disruptionsAllowed, failed.conditions?.[0]?.reason, failed.conditions?.[0]?.message], [0, 'SyncFailed', 'found no controllers for pod "x"']);
});
