// SyncRunner timing with a fake clock: bursts, the minimum interval, coalescing, one run in
// flight, the periodic run, and the wait after a failure.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Clock } from '../../api/workqueue.js';
import { SyncRunner } from './sync-runner.js';

class FakeClock implements Clock {
  t = 1_000_000;
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private next = 0;
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.next;
    this.timers.push({ at: this.t + ms, fn, id });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((x) => x.id !== handle);
  }
  /** Moves time forward, firing due timers in order and letting promises settle between. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      await settle();
      this.timers.sort((a, b) => a.at - b.at);
      const due = this.timers[0];
      if (!due || due.at > end) break;
      this.timers.shift();
      this.t = due.at;
      due.fn();
    }
    this.t = end;
    await settle();
  }
}

const settle = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

function harness(o: { minIntervalMs?: number; maxIntervalMs?: number; burst?: number; runMs?: number; coalesceMs?: number } = {}) {
  const clock = new FakeClock();
  const runs: number[] = [];
  let release: (() => void) | undefined;
  const runner = new SyncRunner(
    async () => {
      runs.push(clock.now());
      if (o.runMs) await new Promise<void>((r) => (release = r));
    },
    { minIntervalMs: o.minIntervalMs ?? 1000, maxIntervalMs: o.maxIntervalMs ?? 30_000, burst: o.burst ?? 2, coalesceMs: o.coalesceMs ?? 0, clock },
  );
  const ac = new AbortController();
  const done = runner.run(ac.signal);
  return { clock, runs, runner, stop: async () => (ac.abort(), await done), finish: () => release?.() };
}

test('requests before any run start the loop; a burst of two runs at once, the third waits for a token', async () => {
  const h = harness();
  const t0 = h.clock.now();
  h.runner.request();
  await h.clock.advance(0);
  h.runner.request();
  await h.clock.advance(0);
  h.runner.request();
  await h.clock.advance(0);
  assert.deepEqual(h.runs.map((t) => t - t0), [0, 0]);
  await h.clock.advance(999);
  assert.equal(h.runs.length, 2);
  await h.clock.advance(1);
  assert.deepEqual(h.runs.map((t) => t - t0), [0, 0, 1000]);
  await h.stop();
});

test('many requests while waiting coalesce into one run', async () => {
  const h = harness({ burst: 1 });
  h.runner.request();
  await h.clock.advance(0);
  for (let i = 0; i < 10; i++) h.runner.request();
  await h.clock.advance(5000);
  assert.equal(h.runs.length, 2);
  await h.stop();
});

test('one run in flight: a request during it runs once more after it ends', async () => {
  const h = harness({ runMs: 1, burst: 5 });
  h.runner.request();
  await h.clock.advance(0);
  h.runner.request();
  h.runner.request();
  await h.clock.advance(100);
  assert.equal(h.runs.length, 1, 'no second run while the first is in flight');
  h.finish();
  await h.clock.advance(0);
  assert.equal(h.runs.length, 2);
  h.finish();
  await h.clock.advance(10_000);
  assert.equal(h.runs.length, 2);
  await h.stop();
});

test('a run happens every maxInterval without requests', async () => {
  const h = harness({ maxIntervalMs: 30_000 });
  await h.clock.advance(29_999);
  assert.equal(h.runs.length, 0);
  await h.clock.advance(1);
  assert.equal(h.runs.length, 1);
  await h.clock.advance(30_000);
  assert.equal(h.runs.length, 2);
  await h.stop();
});

test('retryAfter holds the next run back even with tokens left', async () => {
  const h = harness({ burst: 5 });
  h.runner.retryAfter(2000);
  await h.clock.advance(1999);
  assert.equal(h.runs.length, 0);
  await h.clock.advance(1);
  assert.equal(h.runs.length, 1);
  await h.stop();
});

test('coalescing: requests within the window after the first make one run, at the end of the window', async () => {
  const h = harness({ coalesceMs: 100, burst: 2 });
  const t0 = h.clock.now();
  h.runner.request();
  await h.clock.advance(40);
  h.runner.request();
  await h.clock.advance(40);
  h.runner.request();
  await h.clock.advance(19);
  assert.equal(h.runs.length, 0);
  await h.clock.advance(1);
  assert.deepEqual(h.runs.map((t) => t - t0), [100]);
  // A later straggler waits its own window and still finds a token.
  await h.clock.advance(50);
  h.runner.request();
  await h.clock.advance(100);
  assert.deepEqual(h.runs.map((t) => t - t0), [100, 250]);
  await h.stop();
});

test('after stop nothing runs', async () => {
  const h = harness();
  await h.stop();
  h.runner.request();
  await h.clock.advance(60_000);
  assert.equal(h.runs.length, 0);
});
