// The behaviour every Store backend must show, as one table of node:test cases. A backend's
// test file calls storeConformance() with a function that opens a fresh, empty store; the
// suite closes that store after each case (close() must be idempotent), then calls cleanup.
//
// The cases only use the Store interface: revisions are compared with each other, never
// with literal numbers, so a backend may start its counter anywhere.

import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { StoreClosedError, StoreConflictError, StoreExpiredError, StoreKeyExistsError, StoreNotFoundError } from './errors.js';
import type { KeyValue, Store, StoreEvent, Watcher } from './store.js';

export interface OpenedStore {
  store: Store;
  cleanup: () => Promise<void>;
}

interface ConformanceCase {
  name: string;
  run: (store: Store, t: TestContext) => Promise<void>;
}

export function storeConformance(name: string, open: () => Promise<OpenedStore>): void {
  describe(`store conformance: ${name}`, () => {
    for (const c of cases) {
      it(c.name, { timeout: 60_000 }, async (t) => {
        const { store, cleanup } = await open();
        t.after(async () => {
          await store.close();
          await cleanup();
        });
        await c.run(store, t);
      });
    }
  });
}

// ---- helpers ---------------------------------------------------------------------------

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function waitFor(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(2);
  }
}

interface Collected {
  events: StoreEvent[];
  errors: Error[];
  watcher: Watcher;
  /** Waits until an event at revision >= rev arrived (fails early on a watch error). */
  until(rev: number): Promise<void>;
}

function collect(store: Store, prefix: string, afterRevision: number, t: TestContext): Collected {
  const events: StoreEvent[] = [];
  const errors: Error[] = [];
  const watcher = store.watch(prefix, {
    afterRevision,
    onEvent: (ev) => events.push(ev),
    onError: (err) => errors.push(err),
  });
  t.after(() => watcher.close());
  return {
    events,
    errors,
    watcher,
    until: (rev) =>
      waitFor(() => {
        if (errors.length > 0) throw errors[0];
        return events.some((ev) => ev.revision >= rev);
      }, `an event at revision ${rev} under ${prefix}`),
  };
}

/** What a watcher must have seen for a write: compared as plain tuples for clear diffs. */
type Seen = [revision: number, type: 'put' | 'delete', key: string, value: string];

const seen = (ev: StoreEvent): Seen => [ev.revision, ev.type, ev.kv.key, ev.kv.value];

function assertStrictlyIncreasing(revisions: number[], what: string): void {
  for (let i = 1; i < revisions.length; i++) {
    assert.ok(revisions[i]! > revisions[i - 1]!, `${what}: revision ${revisions[i]} after ${revisions[i - 1]}`);
  }
}

const isCode = (code: string, extra: (err: any) => boolean = () => true) => (err: unknown) => {
  assert.ok(err instanceof Error, `expected an Error, got ${String(err)}`);
  assert.equal((err as { code?: string }).code, code, `error ${err.message}`);
  assert.ok(extra(err), `error ${err.message} has the wrong details`);
  return true;
};

/** Records every write a test makes, to build the event list a watcher must see. */
class Writes {
  readonly log: Seen[] = [];
  constructor(readonly store: Store) {}
  async create(key: string, value: string): Promise<KeyValue> {
    const kv = await this.store.create(key, value);
    this.log.push([kv.modRevision, 'put', key, value]);
    return kv;
  }
  async update(key: string, value: string, rev: number): Promise<KeyValue> {
    const kv = await this.store.update(key, value, rev);
    this.log.push([kv.modRevision, 'put', key, value]);
    return kv;
  }
  async delete(key: string, rev?: number): Promise<KeyValue> {
    const kv = await this.store.delete(key, rev);
    this.log.push([kv.modRevision, 'delete', key, kv.value]);
    return kv;
  }
  under(prefix: string, after = 0): Seen[] {
    return this.log.filter(([rev, , key]) => key.startsWith(prefix) && rev > after);
  }
}

/**
 * A stream of mixed writes under prefix: creates, updates and deletes of a few keys.
 * yieldEvery > 0 gives the event loop a turn every that many writes.
 */
async function churn(writes: Writes, prefix: string, count: number, yieldEvery: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const key = `${prefix}k${i % 7}`;
    const current = await writes.store.get(key);
    if (current === undefined) await writes.create(key, `c${i}`);
    else if (i % 5 === 0) await writes.delete(key, current.modRevision);
    else await writes.update(key, `u${i}`, current.modRevision);
    if (yieldEvery > 0 && i % yieldEvery === 0) await tick();
  }
}

// ---- cases -----------------------------------------------------------------------------

const cases: ConformanceCase[] = [
  {
    name: 'revisions strictly increase across keys and failed writes take none',
    run: async (store) => {
      const start = await store.currentRevision();
      const a = await store.create('/r/a', '1');
      const b = await store.create('/r/b', '1');
      const a2 = await store.update('/r/a', '2', a.modRevision);
      const before = await store.currentRevision();
      await assert.rejects(store.create('/r/b', 'x'), isCode('KeyExists'));
      await assert.rejects(store.update('/r/a', 'x', a.modRevision), isCode('Conflict'));
      await assert.rejects(store.delete('/r/missing'), isCode('NotFound'));
      assert.equal(await store.currentRevision(), before, 'failed writes must not take a revision');
      const b2 = await store.delete('/r/b');
      const c = await store.create('/r/c', '1');
      const revs = [start, a.modRevision, b.modRevision, a2.modRevision, b2.modRevision, c.modRevision];
      assertStrictlyIncreasing(revs, 'writes');
      assert.equal(await store.currentRevision(), c.modRevision);
    },
  },
  {
    name: 'create, get, update and delete round-trip values and revisions',
    run: async (store) => {
      assert.equal(await store.get('/r/a'), undefined);
      const created = await store.create('/r/a', '{"v":1}');
      assert.deepEqual(await store.get('/r/a'), created);
      assert.equal(created.createRevision, created.modRevision);
      assert.equal(created.value, '{"v":1}');

      const updated = await store.update('/r/a', '{"v":2}', created.modRevision);
      assert.equal(updated.createRevision, created.createRevision, 'update keeps createRevision');
      assert.ok(updated.modRevision > created.modRevision);
      assert.deepEqual(await store.get('/r/a'), updated);

      const deleted = await store.delete('/r/a', updated.modRevision);
      assert.equal(deleted.value, '{"v":2}', 'delete returns the last value');
      assert.equal(deleted.createRevision, created.createRevision);
      assert.ok(deleted.modRevision > updated.modRevision, 'delete takes its own revision');
      assert.equal(deleted.modRevision, await store.currentRevision());
      assert.equal(await store.get('/r/a'), undefined);

      const again = await store.create('/r/a', '{"v":3}');
      assert.ok(again.createRevision > deleted.modRevision, 're-create starts a new life');
      assert.equal(again.createRevision, again.modRevision);
    },
  },
  {
    name: 'values are kept exactly as written',
    run: async (store) => {
      const values = ['', ' ', '{"a":"ü€𝄞"}', 'line\nbreak\ttab', '\u0000nul', 'x'.repeat(200_000)];
      for (const [i, value] of values.entries()) {
        const kv = await store.create(`/v/${i}`, value);
        assert.equal(kv.value, value);
        assert.equal((await store.get(`/v/${i}`))?.value, value);
      }
      const listed = await store.list('/v/');
      assert.deepEqual(
        listed.items.map((kv) => kv.value),
        values,
      );
    },
  },
  {
    name: 'update is compare-and-swap on modRevision',
    run: async (store) => {
      const a = await store.create('/r/a', '1');
      const a2 = await store.update('/r/a', '2', a.modRevision);
      await assert.rejects(
        store.update('/r/a', 'stale', a.modRevision),
        isCode('Conflict', (err) => err instanceof StoreConflictError && err.expected === a.modRevision && err.actual === a2.modRevision),
      );
      await assert.rejects(
        store.delete('/r/a', a.modRevision),
        isCode('Conflict', (err) => err instanceof StoreConflictError && err.actual === a2.modRevision),
      );
      assert.deepEqual(await store.get('/r/a'), a2, 'a failed CAS changes nothing');
      const a3 = await store.update('/r/a', '3', a2.modRevision);
      assert.equal(a3.value, '3');
      await store.delete('/r/a', a3.modRevision);
      assert.equal(await store.get('/r/a'), undefined);
    },
  },
  {
    name: 'create of an existing key fails with KeyExists',
    run: async (store) => {
      const a = await store.create('/r/a', 'first');
      await assert.rejects(
        store.create('/r/a', 'second'),
        isCode('KeyExists', (err) => err instanceof StoreKeyExistsError && err.key === '/r/a'),
      );
      assert.deepEqual(await store.get('/r/a'), a);
    },
  },
  {
    name: 'update and delete of a missing key fail with NotFound',
    run: async (store) => {
      const notFound = isCode('NotFound', (err) => err instanceof StoreNotFoundError && err.key === '/r/a');
      await assert.rejects(store.update('/r/a', 'x', 1), notFound);
      await assert.rejects(store.delete('/r/a'), notFound);
      await assert.rejects(store.delete('/r/a', 1), notFound);
      const a = await store.create('/r/a', '1');
      await store.delete('/r/a');
      await assert.rejects(store.update('/r/a', 'x', a.modRevision), notFound, 'a deleted key is gone');
    },
  },
  {
    name: 'list returns keys under the prefix sorted by key, without sibling prefixes',
    run: async (store) => {
      const inside = ['/registry/pods/ns/b', '/registry/pods/a', '/registry/pods/ns/a-1', '/registry/pods/ns/a', '/registry/pods/ns/aa'];
      const outside = ['/registry/podsx', '/registry/podsx/a', '/registry/pods', '/registry/pod/a', '/registry/pods0/a', '/registry/a'];
      for (const key of [...outside.slice(0, 3), ...inside, ...outside.slice(3)]) await store.create(key, key);
      const res = await store.list('/registry/pods/');
      assert.deepEqual(
        res.items.map((kv) => kv.key),
        [...inside].sort(),
      );
      assert.ok(res.items.every((kv) => kv.value === kv.key));
      assert.equal(res.more, false);
      assert.equal(res.remaining, 0);
      assert.equal(res.revision, await store.currentRevision());
      assert.deepEqual(
        (await store.list('/registry/pods/ns/')).items.map((kv) => kv.key),
        ['/registry/pods/ns/a', '/registry/pods/ns/a-1', '/registry/pods/ns/aa', '/registry/pods/ns/b'],
      );
      assert.deepEqual((await store.list('/registry/nothing/')).items, []);
    },
  },
  {
    name: 'count counts live keys under the prefix only',
    run: async (store) => {
      assert.equal(await store.count('/registry/pods/'), 0);
      for (const key of ['/registry/pods/a', '/registry/pods/b', '/registry/pods/c', '/registry/podsx/a']) await store.create(key, '1');
      assert.equal(await store.count('/registry/pods/'), 3);
      assert.equal(await store.count('/registry/podsx/'), 1);
      await store.delete('/registry/pods/b');
      assert.equal(await store.count('/registry/pods/'), 2);
      assert.equal(await store.count('/registry/'), 3);
    },
  },
  {
    name: 'list pages with limit and startAfter',
    run: async (store) => {
      const keys = Array.from({ length: 7 }, (_, i) => `/p/k${i}`);
      for (const key of keys) await store.create(key, key);
      const page1 = await store.list('/p/', { limit: 3 });
      assert.deepEqual(page1.items.map((kv) => kv.key), keys.slice(0, 3));
      assert.equal(page1.more, true);
      assert.equal(page1.remaining, 4);
      const page2 = await store.list('/p/', { limit: 3, startAfter: '/p/k2', revision: page1.revision });
      assert.deepEqual(page2.items.map((kv) => kv.key), keys.slice(3, 6));
      assert.equal(page2.more, true);
      assert.equal(page2.remaining, 1);
      const page3 = await store.list('/p/', { limit: 3, startAfter: '/p/k5', revision: page1.revision });
      assert.deepEqual(page3.items.map((kv) => kv.key), keys.slice(6));
      assert.equal(page3.more, false);
      assert.equal(page3.remaining, 0);
      // startAfter need not be a key; a limit larger than the rest is not "more".
      const tail = await store.list('/p/', { limit: 10, startAfter: '/p/k3x' });
      assert.deepEqual(tail.items.map((kv) => kv.key), keys.slice(4));
      assert.equal(tail.more, false);
      const exact = await store.list('/p/', { limit: 7 });
      assert.equal(exact.items.length, 7);
      assert.equal(exact.more, false);
      // limit 0 means everything.
      assert.equal((await store.list('/p/', { limit: 0 })).items.length, 7);
    },
  },
  {
    name: 'paging at one revision sees one snapshot while writes go on',
    run: async (store) => {
      const keys = Array.from({ length: 20 }, (_, i) => `/p/k${String(i).padStart(2, '0')}`);
      const original = new Map<string, KeyValue>();
      for (const key of keys) original.set(key, await store.create(key, `v0-${key}`));
      await store.create('/px/sibling', 'x');

      const pages: KeyValue[][] = [];
      const first = await store.list('/p/', { limit: 6 });
      const rev = first.revision;
      pages.push(first.items);
      const remainings = [first.remaining];
      let last = first;
      let round = 0;
      while (last.more) {
        // Writes between pages: to keys already returned, keys still to come, new keys
        // that sort into the unread range, deletes on both sides.
        const seenKey = keys[round]!;
        const laterKey = keys[19 - round]!;
        await store.update(seenKey, `changed-${round}`, (await store.get(seenKey))!.modRevision);
        await store.update(laterKey, `changed-${round}`, (await store.get(laterKey))!.modRevision);
        await store.create(`${laterKey}-new`, 'new');
        await store.delete(keys[10 + round]!);
        round++;
        const startAfter = last.items[last.items.length - 1]!.key;
        last = await store.list('/p/', { limit: 6, startAfter, revision: rev });
        assert.equal(last.revision, rev, 'a page at a revision reports that revision');
        pages.push(last.items);
        remainings.push(last.remaining);
      }
      assert.deepEqual(
        pages.map((p) => p.length),
        [6, 6, 6, 2],
      );
      assert.deepEqual(remainings, [14, 8, 2, 0]);
      assert.deepEqual(pages.flat(), keys.map((key) => original.get(key)!), 'the pages are the snapshot at the first page');

      // The latest state reflects every write.
      const now = await store.list('/p/');
      assert.ok(now.revision > rev);
      assert.equal(now.items.find((kv) => kv.key === keys[0])!.value, 'changed-0');
      assert.equal(now.items.find((kv) => kv.key === keys[10]), undefined);
      assert.ok(now.items.some((kv) => kv.key === `${keys[19]}-new`));
    },
  },
  {
    name: 'list at a past revision shows the values of that revision',
    run: async (store) => {
      const a1 = await store.create('/s/a', 'a1');
      const b1 = await store.create('/s/b', 'b1');
      const a2 = await store.update('/s/a', 'a2', a1.modRevision);
      const bDel = await store.delete('/s/b');
      const c1 = await store.create('/s/c', 'c1');
      const b2 = await store.create('/s/b', 'b2');
      const at = async (revision: number) => {
        const res = await store.list('/s/', { revision });
        assert.equal(res.revision, revision);
        return res.items.map((kv) => [kv.key, kv.value, kv.createRevision, kv.modRevision]);
      };
      assert.deepEqual(await at(a1.modRevision), [['/s/a', 'a1', a1.modRevision, a1.modRevision]]);
      assert.deepEqual(await at(b1.modRevision), [
        ['/s/a', 'a1', a1.modRevision, a1.modRevision],
        ['/s/b', 'b1', b1.modRevision, b1.modRevision],
      ]);
      assert.deepEqual(await at(a2.modRevision), [
        ['/s/a', 'a2', a1.modRevision, a2.modRevision],
        ['/s/b', 'b1', b1.modRevision, b1.modRevision],
      ]);
      assert.deepEqual(await at(bDel.modRevision), [['/s/a', 'a2', a1.modRevision, a2.modRevision]]);
      assert.deepEqual(await at(c1.modRevision), [
        ['/s/a', 'a2', a1.modRevision, a2.modRevision],
        ['/s/c', 'c1', c1.modRevision, c1.modRevision],
      ]);
      assert.deepEqual(await at(b2.modRevision), [
        ['/s/a', 'a2', a1.modRevision, a2.modRevision],
        ['/s/b', 'b2', b2.modRevision, b2.modRevision],
        ['/s/c', 'c1', c1.modRevision, c1.modRevision],
      ]);
    },
  },
  {
    name: 'watch replays history after a revision, then streams live writes',
    run: async (store, t) => {
      const writes = new Writes(store);
      await churn(writes, '/w/', 30, 0);
      const from = await store.currentRevision();
      await churn(writes, '/w/', 30, 0);
      const w = collect(store, '/w/', from, t);
      const replayEnd = await store.currentRevision();
      await w.until(replayEnd);
      await churn(writes, '/w/x', 20, 1);
      await w.until(await store.currentRevision());
      assert.deepEqual(w.events.map(seen), writes.under('/w/', from));
      assert.deepEqual(w.errors, []);
    },
  },
  {
    name: 'watch sees no gaps or duplicates when writes go on during a long replay',
    run: async (store, t) => {
      const writes = new Writes(store);
      // Enough history that a backend replaying in chunks needs several of them.
      await churn(writes, '/w/', 1500, 0);
      await churn(writes, '/other/', 50, 0);
      const from = writes.log[100]![0];
      const w = collect(store, '/w/', from, t);
      // A second watcher from the start of time, and one from the head, at the same time.
      const all = collect(store, '/w/', 0, t);
      const head = collect(store, '/w/', await store.currentRevision(), t);
      const headFrom = await store.currentRevision();
      // Writes interleaved with the replay: some yield to the event loop, some do not.
      await Promise.all([churn(writes, '/w/a/', 400, 3), churn(writes, '/other/a/', 100, 2), churn(writes, '/w/b/', 300, 0)]);
      const end = await store.currentRevision();
      await Promise.all([w.until(end), all.until(end), head.until(end)]);
      await sleep(20);
      assert.deepEqual(w.events.map(seen), writes.under('/w/', from));
      assert.deepEqual(all.events.map(seen), writes.under('/w/'));
      assert.deepEqual(head.events.map(seen), writes.under('/w/', headFrom));
      assertStrictlyIncreasing(w.events.map((ev) => ev.revision), 'replayed watch');
    },
  },
  {
    name: 'watchers started at different moments each see exactly their suffix',
    run: async (store, t) => {
      const writes = new Writes(store);
      const watchers: { from: number; w: Collected }[] = [];
      for (let round = 0; round < 8; round++) {
        const from = await store.currentRevision();
        watchers.push({ from, w: collect(store, '/m/', from, t) });
        await churn(writes, `/m/${round}/`, 60, round % 2 ? 4 : 0);
      }
      const end = await store.currentRevision();
      for (const { from, w } of watchers) {
        await w.until(end);
        assert.deepEqual(w.events.map(seen), writes.under('/m/', from));
      }
    },
  },
  {
    name: 'watch events say whether a put created the key',
    run: async (store, t) => {
      const w = collect(store, '/c/', await store.currentRevision(), t);
      const a = await store.create('/c/a', '1');
      await store.update('/c/a', '2', a.modRevision);
      await store.delete('/c/a');
      const last = await store.create('/c/a', '3');
      await w.until(last.modRevision);
      assert.deepEqual(
        w.events.map((ev) => [ev.type, ev.created]),
        [
          ['put', true],
          ['put', false],
          ['delete', false],
          ['put', true],
        ],
      );
      for (const ev of w.events) assert.equal(ev.kv.modRevision, ev.revision);
    },
  },
  {
    name: 'delete events carry the last value, live and replayed',
    run: async (store, t) => {
      const start = await store.currentRevision();
      const live = collect(store, '/d/', start, t);
      const a = await store.create('/d/a', 'first');
      const a2 = await store.update('/d/a', 'last', a.modRevision);
      const del = await store.delete('/d/a');
      await live.until(del.modRevision);
      const replayed = collect(store, '/d/', start, t);
      await replayed.until(del.modRevision);
      for (const w of [live, replayed]) {
        const ev = w.events[w.events.length - 1]!;
        assert.equal(ev.type, 'delete');
        assert.equal(ev.revision, del.modRevision);
        assert.equal(ev.kv.value, 'last');
        assert.equal(ev.kv.key, '/d/a');
        assert.equal(ev.kv.createRevision, a.modRevision);
        assert.ok(ev.revision > a2.modRevision);
      }
    },
  },
  {
    name: 'watch delivers only keys under its prefix',
    run: async (store, t) => {
      const start = await store.currentRevision();
      const w = collect(store, '/registry/pods/', start, t);
      const writes = new Writes(store);
      for (const key of ['/registry/podsx/a', '/registry/pods', '/registry/pod/a', '/registry/pods/a', '/registry/pods0', '/registry/pods/ns/b']) {
        await writes.create(key, key);
      }
      const end = await store.currentRevision();
      await w.until(writes.under('/registry/pods/').at(-1)![0]);
      const replayed = collect(store, '/registry/pods/', start, t);
      await replayed.until(writes.under('/registry/pods/').at(-1)![0]);
      await sleep(20);
      for (const got of [w, replayed]) {
        assert.deepEqual(got.events.map((ev) => ev.kv.key), ['/registry/pods/a', '/registry/pods/ns/b']);
      }
      assert.ok(end > start);
    },
  },
  {
    name: 'watch from a compacted revision fails with Expired, asynchronously',
    run: async (store, t) => {
      const a = await store.create('/e/a', '1');
      const a2 = await store.update('/e/a', '2', a.modRevision);
      const a3 = await store.update('/e/a', '3', a2.modRevision);
      await store.compact(a2.modRevision);
      assert.equal(await store.compactedRevision(), a2.modRevision);

      let failed = undefined as Error | undefined;
      let events = 0;
      const watcher = store.watch('/e/', {
        afterRevision: a.modRevision,
        onEvent: () => events++,
        onError: (err) => (failed = err),
      });
      t.after(() => watcher.close());
      const failedInside = failed;
      assert.equal(failedInside, undefined, 'onError must not run inside watch()');
      await waitFor(() => failed !== undefined, 'the Expired error');
      assert.ok(failed instanceof StoreExpiredError, `got ${String(failed)}`);
      assert.equal(failed.compacted, a2.modRevision);
      assert.equal(events, 0);

      // Watching from the compacted revision itself still works.
      const ok = collect(store, '/e/', a2.modRevision, t);
      await ok.until(a3.modRevision);
      assert.deepEqual(ok.events.map(seen), [[a3.modRevision, 'put', '/e/a', '3']]);

      // So do reads at it; older ones are Expired.
      assert.deepEqual((await store.list('/e/', { revision: a2.modRevision })).items.map((kv) => kv.value), ['2']);
      await assert.rejects(store.list('/e/', { revision: a.modRevision }), isCode('Expired'));
    },
  },
  {
    name: 'compaction keeps the latest value of every live key',
    run: async (store) => {
      const writes = new Writes(store);
      await churn(writes, '/k/', 200, 0);
      await writes.create('/k/untouched', 'old');
      await churn(writes, '/k/', 50, 0);
      const before = await store.list('/k/');
      const head = await store.currentRevision();
      await store.compact(head);
      assert.equal(await store.compactedRevision(), head);
      assert.equal(await store.currentRevision(), head, 'compaction takes no revision');
      const after = await store.list('/k/');
      assert.deepEqual(after.items, before.items);
      assert.equal(await store.count('/k/'), before.items.length);
      assert.deepEqual(await store.get('/k/untouched'), before.items.find((kv) => kv.key === '/k/untouched'));
      // Compacting again (or to an older revision) changes nothing; writes continue upwards.
      await store.compact(head);
      await store.compact(head - 1);
      assert.equal(await store.compactedRevision(), head);
      const next = await store.create('/k/next', 'x');
      assert.ok(next.modRevision > head);
    },
  },
  {
    name: 'compaction while a delete is the newest write does not reuse its revision',
    run: async (store) => {
      const a = await store.create('/t/a', '1');
      const del = await store.delete('/t/a');
      await store.compact(del.modRevision);
      assert.equal(await store.currentRevision(), del.modRevision);
      const again = await store.create('/t/a', '2');
      assert.ok(again.modRevision > del.modRevision);
      assert.ok(again.createRevision > a.createRevision);
    },
  },
  {
    name: 'closing a watcher stops its events',
    run: async (store, t) => {
      const w = collect(store, '/x/', await store.currentRevision(), t);
      const a = await store.create('/x/a', '1');
      await w.until(a.modRevision);
      w.watcher.close();
      w.watcher.close();
      await store.update('/x/a', '2', a.modRevision);
      await store.create('/x/b', '1');
      await sleep(30);
      assert.equal(w.events.length, 1);
      assert.deepEqual(w.errors, [], 'closing by the caller is not an error');

      // Closed from inside its own handler, in the middle of a replay.
      for (let i = 0; i < 50; i++) await store.create(`/x/n${i}`, '1');
      let got = 0;
      const errors: Error[] = [];
      const watcher: Watcher = store.watch('/x/', {
        afterRevision: 0,
        onEvent: () => {
          got++;
          if (got === 3) watcher.close();
        },
        onError: (err) => errors.push(err),
      });
      await waitFor(() => got >= 3, 'three replayed events');
      await sleep(30);
      await store.create('/x/after', '1');
      await sleep(30);
      assert.equal(got, 3);
      assert.deepEqual(errors, []);
    },
  },
  {
    name: 'a write made from inside a watch handler keeps every watcher in order',
    run: async (store, t) => {
      const start = await store.currentRevision();
      const writerErrors: Error[] = [];
      const writer = store.watch('/o/', {
        afterRevision: start,
        onEvent: (ev) => {
          // React to the create by writing again before the other watchers saw the create.
          if (ev.type === 'put' && ev.created && ev.kv.key === '/o/a') {
            void store.update('/o/a', 'reacted', ev.kv.modRevision);
            void store.create('/o/b', 'reacted');
          }
        },
        onError: (err) => writerErrors.push(err),
      });
      t.after(() => writer.close());
      const others = [collect(store, '/o/', start, t), collect(store, '/o/', start, t)];
      await sleep(20);
      await store.create('/o/a', '1');
      const end = await store.currentRevision();
      for (const w of others) {
        await w.until(end);
        assert.deepEqual(
          w.events.map((ev) => [ev.kv.key, ev.kv.value]),
          [
            ['/o/a', '1'],
            ['/o/a', 'reacted'],
            ['/o/b', 'reacted'],
          ],
        );
        assertStrictlyIncreasing(w.events.map((ev) => ev.revision), 'nested writes');
      }
      assert.deepEqual(writerErrors, []);
    },
  },
  {
    name: 'a write made from inside a handler during replay is not skipped',
    run: async (store, t) => {
      const writes = new Writes(store);
      for (let i = 0; i < 10; i++) await writes.create(`/h/k${i}`, 'old');
      const got: StoreEvent[] = [];
      const errors: Error[] = [];
      const watcher = store.watch('/h/', {
        afterRevision: 0,
        onEvent: (ev) => {
          got.push(ev);
          // Writes while this watcher is still catching up on history.
          if (ev.kv.value === 'old' && got.length <= 3) {
            void store.create(`/h/new${got.length}`, 'new').then((kv) => writes.log.push([kv.modRevision, 'put', kv.key, 'new']));
          }
        },
        onError: (err) => errors.push(err),
      });
      t.after(() => watcher.close());
      await waitFor(() => got.length >= 13 || errors.length > 0, 'the replayed and the new events');
      await sleep(20);
      const last = await writes.create('/h/last', 'last');
      await waitFor(() => got.some((ev) => ev.revision === last.modRevision) || errors.length > 0, 'the last write');
      assert.deepEqual(errors, []);
      assert.deepEqual(
        got.map(seen),
        writes.log.sort((a, b) => a[0] - b[0]),
      );
    },
  },
  {
    name: 'many watchers each get every event once',
    run: async (store, t) => {
      const start = await store.currentRevision();
      const watchers = Array.from({ length: 300 }, (_, i) => collect(store, i % 3 ? '/many/' : '/many/a/', start, t));
      const writes = new Writes(store);
      await churn(writes, '/many/a/', 40, 2);
      await churn(writes, '/many/b/', 40, 0);
      const end = await store.currentRevision();
      await Promise.all(watchers.map((w, i) => w.until(i % 3 ? end : writes.under('/many/a/').at(-1)![0])));
      await sleep(20);
      for (const [i, w] of watchers.entries()) {
        assert.deepEqual(w.events.map(seen), writes.under(i % 3 ? '/many/' : '/many/a/', start));
      }
    },
  },
  {
    name: 'closing the store ends watchers with Closed and rejects later calls',
    run: async (store) => {
      const errors: Error[] = [];
      const onError = (err: Error) => errors.push(err);
      const a = await store.create('/z/a', '1');
      store.watch('/z/', { afterRevision: a.modRevision, onEvent: () => {}, onError });
      await sleep(20);
      // One still replaying when the store closes.
      store.watch('/z/', { afterRevision: 0, onEvent: () => {}, onError });
      await store.close();
      await waitFor(() => errors.length >= 2, 'both watchers to end');
      await sleep(20);
      assert.equal(errors.length, 2);
      for (const err of errors) assert.ok(err instanceof StoreClosedError, `got ${String(err)}`);
      await assert.rejects(store.get('/z/a'), isCode('Closed'));
      await assert.rejects(store.create('/z/b', '1'), isCode('Closed'));
      let late = undefined as Error | undefined;
      store.watch('/z/', { afterRevision: 0, onEvent: () => {}, onError: (err) => (late = err) });
      await waitFor(() => late !== undefined, 'a watch on a closed store to fail');
      assert.ok(late instanceof StoreClosedError);
    },
  },
];
