import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import Database from 'better-sqlite3';
import { StoreExpiredError } from '../errors.js';
import type { StoreEvent } from '../store.js';
import { storeConformance } from '../store-conformance.js';
import { SqliteStore, type SqliteStoreOptions } from './sqlite-store.js';

async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-sqlite-store-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

storeConformance('sqlite', async () => {
  const { dir, cleanup } = await tempDir();
  return { store: SqliteStore.open(join(dir, 'store.db')), cleanup };
});

/** A fresh store path removed after the test; stores opened via open() are closed first. */
async function fixture(t: TestContext) {
  const { dir, cleanup } = await tempDir();
  const path = join(dir, 'store.db');
  const opened: SqliteStore[] = [];
  t.after(async () => {
    for (const store of opened) await store.close();
    await cleanup();
  });
  return {
    path,
    open(options: SqliteStoreOptions = {}): SqliteStore {
      const store = SqliteStore.open(path, options);
      opened.push(store);
      return store;
    },
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls cond (after refresh, if given) until it holds; fails after 10 s. */
async function waitFor(cond: () => boolean, refresh?: () => Promise<unknown>): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    await refresh?.();
    if (cond()) return;
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(5);
  }
}

describe('SqliteStore', () => {
  it('keeps data, history and the revision counter across reopen', async (t) => {
    const f = await fixture(t);
    const first = f.open();
    const a = await first.create('/r/a', 'a1');
    const a2 = await first.update('/r/a', 'a2', a.modRevision);
    await first.create('/r/b', 'b1');
    const del = await first.delete('/r/b');
    // Compacting up to a delete removes its row: the counter must not fall back below it.
    await first.compact(a2.modRevision);
    await first.close();

    const second = f.open();
    assert.equal(await second.currentRevision(), del.modRevision);
    assert.equal(await second.compactedRevision(), a2.modRevision);
    assert.deepEqual(await second.get('/r/a'), a2);
    assert.equal(await second.get('/r/b'), undefined);
    const next = await second.create('/r/c', 'c1');
    assert.equal(next.modRevision, del.modRevision + 1);

    // History written before the reopen replays after it.
    const events: StoreEvent[] = [];
    const errors: Error[] = [];
    second.watch('/r/', { afterRevision: a2.modRevision, onEvent: (ev) => events.push(ev), onError: (err) => errors.push(err) });
    await waitFor(() => events.length >= 3 || errors.length > 0);
    assert.deepEqual(errors, []);
    assert.deepEqual(
      events.map((ev) => [ev.type, ev.kv.key, ev.kv.value]),
      [
        ['put', '/r/b', 'b1'],
        ['delete', '/r/b', 'b1'],
        ['put', '/r/c', 'c1'],
      ],
    );
    await second.close();

    // The newest write is a delete and compaction takes its row (and everything else but
    // /r/a): the counter survives in the compacted revision.
    const third = f.open();
    const lastDelete = await third.delete('/r/c');
    await third.compact(lastDelete.modRevision);
    await third.close();
    const fourth = f.open();
    assert.equal(await fourth.currentRevision(), lastDelete.modRevision, 'compacting everything keeps the counter');
    assert.ok((await fourth.create('/r/d', 'd')).modRevision > lastDelete.modRevision);
    assert.deepEqual((await fourth.list('/r/')).items.map((kv) => kv.key), ['/r/a', '/r/d']);
  });

  it('compacts periodically, keeping live keys and only the retained history', async (t) => {
    const f = await fixture(t);
    const store = f.open({ historyRetention: 10, compactIntervalMs: 10 });
    let compacted = 0;
    const live = new Map<string, number>();
    for (let i = 0; i < 300; i++) {
      const key = `/k/${i % 20}`;
      const rev = live.get(key);
      live.set(key, rev === undefined ? (await store.create(key, `v${i}`)).modRevision : (await store.update(key, `v${i}`, rev)).modRevision);
    }
    await store.delete('/k/0');
    live.delete('/k/0');
    const head = await store.currentRevision();
    await waitFor(() => compacted >= head - 10, async () => (compacted = await store.compactedRevision()));
    assert.equal(compacted, head - 10);
    const listed = await store.list('/k/');
    assert.deepEqual(
      listed.items.map((kv) => [kv.key, kv.modRevision]),
      [...live].sort(([a], [b]) => (a < b ? -1 : 1)),
    );
    let expired: Error | undefined;
    store.watch('/k/', { afterRevision: head - 11, onEvent: () => {}, onError: (err) => (expired = err) });
    await waitFor(() => expired !== undefined);
    assert.ok(expired instanceof StoreExpiredError);
    await store.close();

    // On disk: the versions live at the compacted revision (one per key, 20 keys) plus the
    // retained window of 10 writes; everything older is gone.
    const db = new Database(f.path, { readonly: true });
    t.after(() => db.close());
    const rows = (db.prepare('SELECT count(*) AS n FROM log').get() as { n: number }).n;
    assert.ok(rows <= 20 + 10, `log holds ${rows} rows`);
    assert.ok(rows >= live.size);
  });

  it('is owned by one connection: a second open fails while the first is open', async (t) => {
    const f = await fixture(t);
    const store = f.open();
    await store.create('/a', '1');
    assert.throws(() => f.open(), /in use by another connection/);
    await store.create('/b', '1');
    // WAL without a shared-memory index: nothing mmapped to write back behind our back.
    assert.ok(existsSync(`${f.path}-wal`));
    assert.ok(!existsSync(`${f.path}-shm`), 'exclusive locking keeps the WAL index in heap memory');
  });

  it('refuses a file written by a newer schema version', async (t) => {
    const f = await fixture(t);
    await f.open().close();
    const db = new Database(f.path);
    db.pragma('user_version = 99');
    db.close();
    assert.throws(() => f.open(), /schema version 99/);
  });

  it('works with synchronous = full', async (t) => {
    const f = await fixture(t);
    const store = f.open({ synchronous: 'full' });
    const a = await store.create('/a', '1');
    await store.update('/a', '2', a.modRevision);
    assert.equal((await store.get('/a'))?.value, '2');
  });
});
