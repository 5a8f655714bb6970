import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WorkQueue, processQueue, type Clock } from './workqueue.js';

/** A clock whose timers fire only when the test advances it. */
function fakeClock(): Clock & { advance(ms: number): void } {
  let now = 0;
  const timers = new Set<{ at: number; fn: () => void }>();
  return {
    now: () => now,
    setTimeout(fn, ms) {
      const t = { at: now + ms, fn };
      timers.add(t);
      return t;
    },
    clearTimeout(h) {
      timers.delete(h as { at: number; fn: () => void });
    },
    advance(ms) {
      now += ms;
      for (const t of [...timers].sort((a, b) => a.at - b.at)) {
        if (t.at <= now) {
          timers.delete(t);
          t.fn();
        }
      }
    },
  };
}

test('a key is queued once however often it is added', async () => {
  const q = new WorkQueue();
  q.add('a');
  q.add('b');
  q.add('a');
  assert.equal(q.length, 2);
  assert.equal(await q.get(), 'a');
  assert.equal(await q.get(), 'b');
});

test('a key added while it is processed comes back after done, not to a second worker', async () => {
  const q = new WorkQueue();
  q.add('a');
  const key = await q.get();
  q.add('a');
  assert.equal(q.length, 0, 'not handed out while processing');
  q.done(key!);
  assert.equal(q.length, 1);
});

test('failures back off exponentially per key and reset on forget', async () => {
  const clock = fakeClock();
  const q = new WorkQueue({ baseDelayMs: 100, maxDelayMs: 1000, clock });
  const delays: number[] = [];
  for (let i = 0; i < 5; i++) {
    q.addRateLimited('k');
    let waited = 0;
    while (q.length === 0) {
      clock.advance(50);
      waited += 50;
    }
    delays.push(waited);
    q.done((await q.get())!);
  }
  assert.deepEqual(delays, [100, 200, 400, 800, 1000]);
  q.forget('k');
  assert.equal(q.numRequeues('k'), 0);
});

test('processQueue forgets successes, retries failures and stops on shutdown', async () => {
  const clock = fakeClock();
  const q = new WorkQueue({ baseDelayMs: 10, clock });
  const seen: string[] = [];
  let failures = 0;
  const done = processQueue(q, async (key) => {
    seen.push(key);
    if (key === 'bad' && failures++ < 2) throw new Error('boom');
  }, () => undefined);
  q.add('good');
  q.add('bad');
  await new Promise((r) => setImmediate(r));
  clock.advance(10);
  await new Promise((r) => setImmediate(r));
  clock.advance(20);
  await new Promise((r) => setImmediate(r));
  q.shutDown();
  await done;
  assert.deepEqual(seen, ['good', 'bad', 'bad', 'bad']);
  assert.equal(q.numRequeues('bad'), 0, 'success reset the backoff');
});

test('a delayed add keeps the soonest time asked for', () => {
  const clock = fakeClock();
  const q = new WorkQueue({ clock });
  q.addAfter('k', 10_000);
  q.addAfter('k', 1_000);
  clock.advance(999);
  assert.equal(q.length, 0, 'not before the sooner time');
  clock.advance(1);
  assert.equal(q.length, 1, 'the sooner request wins');
  q.addAfter('j', 1_000);
  q.addAfter('j', 5_000);
  clock.advance(1_000);
  assert.equal(q.length, 2, 'a later request does not push an earlier one back');
  clock.advance(10_000);
  assert.equal(q.length, 2, 'each key fires once');
});
