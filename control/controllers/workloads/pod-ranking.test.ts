import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Pod } from '../../../api/types.js';
import { compareForDeletion, isPodAvailable } from './pod-ranking.js';

interface P {
  name: string;
  node?: string;
  phase?: 'Pending' | 'Running';
  readySince?: string;
  restarts?: number;
  created?: string;
}

function pod(p: P): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: p.name, creationTimestamp: p.created ?? '2026-01-01T00:00:00Z' },
    spec: { containers: [], ...(p.node ? { nodeName: p.node } : {}) },
    status: {
      ...(p.phase ? { phase: p.phase } : {}),
      conditions: [{ type: 'Ready', status: p.readySince ? 'True' : 'False', ...(p.readySince ? { lastTransitionTime: p.readySince } : {}) }],
      containerStatuses: [{ name: 'c', restartCount: p.restarts ?? 0 } as never],
    },
  } as Pod;
}

test('scale-down order: unscheduled, pending, not ready, recently ready, restarts, newer', () => {
  const pods = [
    pod({ name: 'ready-long', node: 'n', phase: 'Running', readySince: '2026-01-01T00:00:00Z' }),
    pod({ name: 'ready-recent', node: 'n', phase: 'Running', readySince: '2026-01-02T00:00:00Z' }),
    pod({ name: 'running-not-ready', node: 'n', phase: 'Running' }),
    pod({ name: 'pending', node: 'n', phase: 'Pending' }),
    pod({ name: 'unscheduled', phase: 'Pending' }),
    pod({ name: 'not-ready-restarts', node: 'n', phase: 'Running', restarts: 3 }),
    pod({ name: 'not-ready-newer', node: 'n', phase: 'Running', created: '2026-01-03T00:00:00Z' }),
  ];
  const order = [...pods].sort(compareForDeletion).map((p) => p.metadata.name);
  assert.deepEqual(order, ['unscheduled', 'pending', 'not-ready-restarts', 'not-ready-newer', 'running-not-ready', 'ready-recent', 'ready-long']);
});

test('available honours minReadySeconds', () => {
  const p = pod({ name: 'a', node: 'n', phase: 'Running', readySince: '2026-01-01T00:00:00Z' });
  const t0 = Date.parse('2026-01-01T00:00:00Z');
  assert.equal(isPodAvailable(p, 0, t0), true);
  assert.equal(isPodAvailable(p, 10, t0 + 9_000), false);
  assert.equal(isPodAvailable(p, 10, t0 + 10_000), true);
  assert.equal(isPodAvailable(pod({ name: 'b', phase: 'Running' }), 0, t0), false);
});
