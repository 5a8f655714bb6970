// Micro-benchmark, not a pass/fail on speed: schedules 3000 pods onto 100 nodes through
// the cache exactly as the scheduler loop does (schedule, then assume), and prints pods/s
// so regressions are visible in test output. The scheduler's budget is ≥ 500 pods/s
// including the Binding round trip, so the pure decision should be far below 2 ms.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SchedulerCache } from './scheduler-cache.js';
import { makeNode, makePod, testParser } from './testing.js';

const NODES = 100;
const PODS = 3000;

test(`benchmark: ${PODS} pods onto ${NODES} nodes`, (t) => {
  const cache = new SchedulerCache(testParser);
  for (let i = 0; i < NODES; i++) {
    const n = String(i).padStart(3, '0');
    // A realistic mix: some taints, labels, a few different sizes.
    cache.addNode(
      makeNode(`node-${n}`, {
        cpu: i % 4 === 0 ? '16' : '8',
        memory: i % 4 === 0 ? '32Gi' : '16Gi',
        labels: { zone: `zone-${i % 3}` },
        ...(i % 10 === 0 ? { taints: [{ key: 'dedicated', value: 'infra', effect: 'NoSchedule' as const }] } : {}),
      }),
    );
  }
  // Scheduled pods are built up front so the timing covers only the scheduler.
  const pods = Array.from({ length: PODS }, (_, i) =>
    makePod(`pod-${i}`, {
      cpu: i % 2 === 0 ? '100m' : '250m',
      memory: i % 3 === 0 ? '64Mi' : '128Mi',
      ...(i % 5 === 0 ? { nodeSelector: { zone: 'zone-1' } } : {}),
      ...(i % 7 === 0 ? { tolerations: [{ key: 'dedicated', operator: 'Exists' as const }] } : {}),
    }),
  );

  const started = process.hrtime.bigint();
  let placed = 0;
  for (const pod of pods) {
    const r = cache.schedule(pod);
    if ('nodeName' in r) {
      cache.assumePod(pod, r.nodeName);
      placed++;
    }
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const rate = Math.round(PODS / seconds);
  t.diagnostic(`${PODS} pods × ${NODES} nodes: ${(seconds * 1000).toFixed(0)} ms, ${rate} pods/s, ${((seconds / PODS) * 1e6).toFixed(0)} µs/pod`);
  console.log(`scheduler benchmark: ${rate} pods/s (${PODS} pods, ${NODES} nodes, ${placed} placed)`);

  // Sanity of the outcome, not of the speed: everything fit, and spread evenly.
  assert.equal(placed, PODS);
  const counts = cache.nodes().map((n) => n.pods.size);
  assert.ok(Math.min(...counts) > 0, 'every node got pods');
});
