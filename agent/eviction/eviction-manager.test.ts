import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import type { Pod } from '../../api/types.js';
import { EvictionManager, rankForEviction } from './eviction-manager.js';
import { parseLoadavgTasks, parseMeminfoAvailable } from './observations.js';
import { parseEvictionHard, thresholdsMet, type Observations } from './thresholds.js';

const MiB = 1024 * 1024;

function pod(name: string, created: string, memoryRequest?: string): Pod {
  const resources = memoryRequest ? { requests: { memory: memoryRequest } } : {};
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', uid: `uid-${name}`, creationTimestamp: created }, spec: { containers: [{ name: 'c', image: 'x', resources }] } } as Pod;
}

test('parseEvictionHard: quantities, percentages and clear errors', () => {
  assert.deepEqual(parseEvictionHard('memory.available<100Mi, nodefs.available<10%'), [
    { signal: 'memory.available', quantity: 100 * MiB, text: '100Mi' },
    { signal: 'nodefs.available', percentage: 0.1, text: '10%' },
  ]);
  assert.deepEqual(parseEvictionHard(''), []);
  assert.throws(() => parseEvictionHard('imagefs.available<15%'), /unknown signal imagefs\.available/);
  assert.throws(() => parseEvictionHard('memory.available>1Gi'), /expected SIGNAL<QUANTITY/);
  assert.throws(() => parseEvictionHard('memory.available<lots'), /not a quantity/);
  assert.throws(() => parseEvictionHard('nodefs.available<120%'), /between 0% and 100%/);
  assert.throws(() => parseEvictionHard('pid.available<10,pid.available<20'), /given twice/);
});

test('thresholdsMet: below the floor only, unobserved signals never', () => {
  const t = parseEvictionHard('memory.available<100Mi,nodefs.available<10%,pid.available<1000');
  const observed: Observations = { 'memory.available': { available: 99 * MiB, capacity: 1024 * MiB }, 'nodefs.available': { available: 10, capacity: 100 } };
  assert.deepEqual(thresholdsMet(t, observed).map((x) => x.signal), ['memory.available']);
});

test('ranking: over-request first (BestEffort requests nothing), then by excess, ties newest first', () => {
  const be = pod('be', '2026-01-01T00:00:00Z');
  const beNew = pod('be-new', '2026-01-02T00:00:00Z');
  const under = pod('under', '2026-01-01T00:00:00Z', '64Mi');
  const over = pod('over', '2026-01-01T00:00:00Z', '16Mi');
  const usage = new Map([
    ['uid-under', 32 * MiB],
    ['uid-over', 48 * MiB],
    ['uid-be', 8 * MiB],
    ['uid-be-new', 8 * MiB],
  ]);
  // over exceeds by 32Mi, be/be-new by 8Mi each; under is within its request.
  assert.deepEqual(rankForEviction([under, be, over, beNew], usage).map((p) => p.metadata.name), ['over', 'be-new', 'be', 'under']);
  assert.deepEqual(rankForEviction([under, be], new Map()).map((p) => p.metadata.name), ['be', 'under'], 'without usage, requests decide');
});

test('the manager evicts one pod per pass and holds the condition for the transition period', async () => {
  let clock = 0;
  let available = 50 * MiB;
  const evicted: string[] = [];
  let changes = 0;
  const pods = [pod('a', '2026-01-01T00:00:00Z', '1Gi'), pod('b', '2026-01-01T00:00:00Z')];
  const m = new EvictionManager({
    thresholds: parseEvictionHard('memory.available<100Mi'),
    observe: async () => ({ 'memory.available': { available, capacity: 4096 * MiB } }),
    activePods: () => pods.filter((p) => !evicted.includes(p.metadata.name!)),
    usage: async () => ({ timestamp: '', windowSeconds: 1, node: { cpuNanoCores: 0, memoryWorkingSetBytes: 0 }, pods: [] }),
    evict: async (p, message) => {
      evicted.push(`${p.metadata.name}`);
      assert.equal(message, 'The node was low on resource: memory. Threshold quantity: 100Mi, available: 51200Ki. ');
    },
    onPressureChange: () => changes++,
    logger: pino({ enabled: false }),
    transitionPeriodMs: 60_000,
    now: () => clock,
  });
  assert.deepEqual(m.pressure(), { memory: false, disk: false, pid: false });
  assert.equal(await m.synchronize(), 'b', 'BestEffort first');
  assert.deepEqual([m.pressure().memory, changes], [true, 1]);
  assert.equal(await m.synchronize(), 'a');
  assert.equal(await m.synchronize(), undefined, 'nothing left to evict');
  available = 500 * MiB;
  clock += 30_000;
  assert.equal(await m.synchronize(), undefined);
  assert.equal(m.pressure().memory, true, 'still within the transition period');
  clock += 31_000;
  await m.synchronize();
  assert.deepEqual([m.pressure().memory, changes], [false, 2]);
});

test('/proc parsers', () => {
  assert.deepEqual(parseMeminfoAvailable('MemTotal: 2048 kB\nMemFree: 10 kB\nMemAvailable: 1024 kB\n'), { available: 1024 * 1024, capacity: 2048 * 1024 });
  assert.equal(parseLoadavgTasks('0.52 0.58 0.59 2/467 12345\n'), 467);
});
