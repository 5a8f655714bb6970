import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PodDisruptionBudget } from '../policy-types.js';
import { validatePodDisruptionBudget } from './policy.js';

function errs(spec: PodDisruptionBudget['spec']): string[] {
  return validatePodDisruptionBudget({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'b', namespace: 'default' }, spec }).map((e) => `${e.field}: ${e.message}`);
}

test('PodDisruptionBudget specs as Kubernetes validates them', () => {
  assert.deepEqual(errs({ minAvailable: 1, selector: { matchLabels: { app: 'web' } } }), []);
  assert.deepEqual(errs({ maxUnavailable: '25%', selector: {} }), []);
  assert.deepEqual(errs({ minAvailable: 1, maxUnavailable: 1 }), ['spec: Invalid value: {"minAvailable":1,"maxUnavailable":1}: minAvailable and maxUnavailable cannot be both set']);
  assert.deepEqual(errs({ minAvailable: -1 }), ['spec.minAvailable: Invalid value: -1: must be greater than or equal to 0']);
  assert.deepEqual(errs({ maxUnavailable: '120%' }), ['spec.maxUnavailable: Invalid value: "120%": must not be greater than 100%']);
  assert.equal(errs({ minAvailable: 'half' }).length, 1);
  assert.deepEqual(errs({ minAvailable: 1, unhealthyPodEvictionPolicy: 'Sometimes' }), ['spec.unhealthyPodEvictionPolicy: Unsupported value: "Sometimes": supported values: "IfHealthyBudget", "AlwaysAllow"']);
});
