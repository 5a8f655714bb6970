import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import { isCriticalPod, shutdownNodeIfStopping, validateShutdownPeriods, type NodeShutdownOptions } from './node-shutdown.js';

function options(over: Partial<NodeShutdownOptions>, calls: string[]): NodeShutdownOptions {
  return {
    gracePeriodMs: 30_000,
    criticalGracePeriodMs: 10_000,
    detector: { nodeShuttingDown: async () => true },
    stopPods: async (critical, seconds) => void calls.push(`${critical ? 'critical' : 'regular'} ${seconds}s`),
    markNode: async () => void calls.push('node'),
    logger: pino({ level: 'silent' }),
    ...over,
  };
}

test('a node shutdown marks the node, then stops ordinary pods in their share, then critical ones', async () => {
  const calls: string[] = [];
  assert.equal(await shutdownNodeIfStopping(options({}, calls)), true);
  assert.deepEqual(calls, ['node', 'regular 20s', 'critical 10s']);
});

test('nothing happens when the period is 0 or the machine is not going down', async () => {
  const calls: string[] = [];
  assert.equal(await shutdownNodeIfStopping(options({ gracePeriodMs: 0, criticalGracePeriodMs: 0 }, calls)), false);
  assert.equal(await shutdownNodeIfStopping(options({ detector: { nodeShuttingDown: async () => false } }, calls)), false);
  assert.equal(await shutdownNodeIfStopping(options({ detector: { nodeShuttingDown: async () => Promise.reject(new Error('no systemctl')) } }, calls)), false);
  assert.deepEqual(calls, []);
});

test('critical pods by priority; the critical share cannot exceed the period', () => {
  assert.equal(isCriticalPod({ spec: { priority: 2000001000 } }), true);
  assert.equal(isCriticalPod({ spec: { priority: 0 } }), false);
  assert.equal(isCriticalPod({ spec: {} }), false);
  assert.match(validateShutdownPeriods({ gracePeriodMs: 5_000, criticalGracePeriodMs: 10_000 }) ?? '', /cannot be longer/);
  assert.equal(validateShutdownPeriods({ gracePeriodMs: 10_000, criticalGracePeriodMs: 10_000 }), undefined);
});
