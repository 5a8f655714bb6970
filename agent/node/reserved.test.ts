import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addReserved, parseReserved } from './reserved.js';

test('--system-reserved / --kube-reserved parse and add up', () => {
  const sys = parseReserved('cpu=100m,memory=256Mi', 'system-reserved');
  const kube = parseReserved('memory=128Mi, ephemeral-storage=1Gi', 'kube-reserved');
  assert.deepEqual(sys, { cpuMillis: 100, memoryBytes: 256 * 1024 * 1024 });
  assert.deepEqual(addReserved(sys, kube), { cpuMillis: 100, memoryBytes: 384 * 1024 * 1024, ephemeralStorageBytes: 1024 ** 3 });
  assert.deepEqual(parseReserved('', 'kube-reserved'), {});
  assert.throws(() => parseReserved('gpu=1', 'kube-reserved'), /--kube-reserved gpu=1: unknown resource "gpu"/);
  assert.throws(() => parseReserved('memory=lots', 'system-reserved'), /--system-reserved memory=lots: expected RESOURCE=QUANTITY/);
});
