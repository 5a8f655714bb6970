// The embedded backend of the revisioned store: one SQLite file in WAL mode, owned by this
// process (the API server is the only writer). better-sqlite3 is synchronous, so each
// write runs check + commit + fan-out in one uninterrupted step: the revision counter
// lives in memory, no two writes interleave, and a watcher sees a write before the
// writer's promise resolves. Layout and connection settings: schema.ts.

import Database from 'better-sqlite3';
import type { Logger } from 'pino';
import { StoreClosedError, StoreConflictError, StoreExpiredError, StoreKeyExistsError, StoreNotFoundError } from '../errors.js';
import type { KeyValue, ListOptions, ListResult, Store, StoreEvent, StoreEventType, WatchOptions, Watcher } from '../store.js';
import { keyRange } from './key-range.js';
import { configure, migrate, type Synchronous } from './schema.js';
import { Statements, type LogRow } from './statements.js';
import { WatchHub } from './watch-hub.js';

export interface SqliteStoreOptions {
  /** Revisions of history kept behind the head for watch replay and snapshot reads. */
  historyRetention?: number;
  /** How often history beyond the retention is compacted away; 0 turns that off. */
  compactIntervalMs?: number;
  /** 'normal' (default) survives process crashes; 'full' also power loss. See schema.ts. */
  synchronous?: Synchronous;
  logger?: Logger;
}

const defaultHistoryRetention = 10_000;
// kube-apiserver asks etcd to compact every five minutes; the same rhythm here.
const defaultCompactIntervalMs = 5 * 60 * 1000;
const openLockWaitMs = 1000;

export class SqliteStore implements Store {
  private readonly stmts: Statements;
  private readonly hub: WatchHub;
  private readonly timer: NodeJS.Timeout | undefined;
  private readonly logger: Logger | undefined;
  private head: number;
  private compacted: number;
  private closed = false;

  private readonly commitCreate: (row: LogRow) => void;
  private readonly commitUpdate: (row: LogRow) => void;
  private readonly commitDelete: (row: LogRow) => void;
  private readonly commitCompaction: (from: number, to: number) => number;

  /** Opens (creating if needed) the store at path. Throws if another process holds it. */
  static open(path: string, options: SqliteStoreOptions = {}): SqliteStore {
    // The lock is only ever contended at open (one owner holds it until close); a short
    // wait covers a previous owner that is still closing.
    const db = new Database(path, { timeout: openLockWaitMs });
    try {
      configure(db, options.synchronous ?? 'normal');
      migrate(db);
      return new SqliteStore(db, options);
    } catch (err) {
      db.close();
      if (err instanceof Database.SqliteError && err.code === 'SQLITE_BUSY') {
        throw new Error(`sqlite store ${path} is in use by another connection`, { cause: err });
      }
      throw err;
    }
  }

  private constructor(
    private readonly db: Database.Database,
    options: SqliteStoreOptions,
  ) {
    this.logger = options.logger;
    const stmts = (this.stmts = new Statements(db));
    this.compacted = stmts.getCompacted.get()?.value ?? 0;
    // Compaction may have removed the newest row (a delete tombstone), but never a row
    // above the compacted revision: the counter continues from whichever is higher.
    this.head = Math.max(stmts.maxRevision.get()?.revision ?? 0, this.compacted);

    this.commitCreate = db.transaction((row: LogRow) => {
      stmts.insertLog.run(row);
      stmts.insertLive.run(row.key, row.revision);
    });
    this.commitUpdate = db.transaction((row: LogRow) => {
      stmts.insertLog.run(row);
      stmts.updateLive.run(row.revision, row.key);
    });
    this.commitDelete = db.transaction((row: LogRow) => {
      stmts.insertLog.run(row);
      stmts.deleteLive.run(row.key);
    });
    this.commitCompaction = db.transaction((from: number, to: number) => {
      const replaced = stmts.compactReplaced.run({ from, to }).changes;
      const tombstones = stmts.compactTombstones.run({ from, to }).changes;
      stmts.setCompacted.run(to);
      return replaced + tombstones;
    });

    this.hub = new WatchHub(
      {
        head: () => this.head,
        compacted: () => this.compacted,
        history: (prefix, after, limit) => {
          const { stmts: ranged, bounds } = this.stmts.ranged(keyRange(prefix));
          return ranged.history.all({ ...bounds, rev: after, limit }).map(rowToEvent);
        },
      },
      this.logger,
    );

    const retention = options.historyRetention ?? defaultHistoryRetention;
    const interval = options.compactIntervalMs ?? defaultCompactIntervalMs;
    if (!Number.isSafeInteger(retention) || retention < 0) throw new RangeError(`historyRetention must be a non-negative integer, got ${retention}`);
    if (!(interval >= 0)) throw new RangeError(`compactIntervalMs must be >= 0, got ${interval}`);
    if (interval > 0) {
      this.timer = setInterval(() => {
        const target = this.head - retention;
        if (target <= this.compacted) return;
        try {
          this.compactTo(target);
        } catch (err) {
          this.logger?.error({ err, revision: target }, 'periodic compaction failed');
        }
      }, interval);
      // Compaction is housekeeping: it must not keep a process alive that is otherwise done.
      this.timer.unref();
    }
    this.logger?.info({ revision: this.head, compacted: this.compacted, path: db.name }, 'sqlite store opened');
  }

  async currentRevision(): Promise<number> {
    this.assertOpen();
    return this.head;
  }

  async compactedRevision(): Promise<number> {
    this.assertOpen();
    return this.compacted;
  }

  async get(key: string): Promise<KeyValue | undefined> {
    this.assertOpen();
    return this.stmts.getLive.get(key);
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    this.assertOpen();
    const requested = options.revision ?? 0;
    if (requested > 0 && requested < this.compacted) throw new StoreExpiredError(requested, this.compacted);
    // A revision above the head reads the head: with one writer nothing newer exists yet.
    const atHead = requested <= 0 || requested >= this.head;
    const rev = atHead ? this.head : requested;
    const limit = options.limit && options.limit > 0 ? options.limit : 0;
    const { stmts, bounds } = this.stmts.ranged(keyRange(prefix));
    // One extra row tells whether more follow without a second query in the common case.
    const params = { ...bounds, after: options.startAfter ?? '', limit: limit ? limit + 1 : -1 };
    const items = atHead ? stmts.listLatest.all(params) : stmts.listAt.all({ ...params, rev });
    const more = limit > 0 && items.length > limit;
    let remaining = 0;
    if (more) {
      items.length = limit;
      const counted = { ...bounds, after: items[limit - 1]!.key };
      remaining = (atHead ? stmts.countLatest.get(counted) : stmts.countAt.get({ ...counted, rev }))?.n ?? 0;
    }
    return { items, revision: rev, more, remaining };
  }

  async count(prefix: string): Promise<number> {
    this.assertOpen();
    const { stmts, bounds } = this.stmts.ranged(keyRange(prefix));
    return stmts.countLatest.get({ ...bounds, after: '' })?.n ?? 0;
  }

  async create(key: string, value: string): Promise<KeyValue> {
    this.assertWritable(key);
    if (this.stmts.getLiveMeta.get(key)) throw new StoreKeyExistsError(key);
    const revision = this.head + 1;
    this.commitCreate({ revision, key, create_revision: revision, prev_revision: 0, deleted: 0, value });
    return this.committed('put', { key, value, createRevision: revision, modRevision: revision }, true);
  }

  async update(key: string, value: string, expectedRevision: number): Promise<KeyValue> {
    this.assertWritable(key);
    const current = this.stmts.getLiveMeta.get(key);
    if (!current) throw new StoreNotFoundError(key);
    if (current.modRevision !== expectedRevision) throw new StoreConflictError(key, expectedRevision, current.modRevision);
    const revision = this.head + 1;
    const createRevision = current.createRevision;
    this.commitUpdate({ revision, key, create_revision: createRevision, prev_revision: current.modRevision, deleted: 0, value });
    return this.committed('put', { key, value, createRevision, modRevision: revision }, false);
  }

  async delete(key: string, expectedRevision?: number): Promise<KeyValue> {
    this.assertWritable(key);
    const current = this.stmts.getLive.get(key);
    if (!current) throw new StoreNotFoundError(key);
    if (expectedRevision !== undefined && current.modRevision !== expectedRevision) {
      throw new StoreConflictError(key, expectedRevision, current.modRevision);
    }
    const revision = this.head + 1;
    const { value, createRevision } = current;
    // The tombstone keeps the last value so a replayed delete event can carry it.
    this.commitDelete({ revision, key, create_revision: createRevision, prev_revision: current.modRevision, deleted: 1, value });
    return this.committed('delete', { key, value, createRevision, modRevision: revision }, false);
  }

  watch(prefix: string, options: WatchOptions): Watcher {
    return this.hub.watch(prefix, options);
  }

  async compact(revision: number): Promise<void> {
    this.assertOpen();
    this.compactTo(Math.min(revision, this.head));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    this.hub.closeAll(new StoreClosedError());
    // Closing the last connection checkpoints the WAL into the main file and removes it.
    this.db.close();
    this.logger?.info({ revision: this.head }, 'sqlite store closed');
  }

  private compactTo(revision: number): void {
    if (revision <= this.compacted) return;
    const from = this.compacted;
    const removed = this.commitCompaction(from, revision);
    this.compacted = revision;
    this.logger?.debug({ from, to: revision, removed }, 'sqlite store compacted');
  }

  /** Advances the head past a committed write and tells the watchers. */
  private committed(type: StoreEventType, kv: KeyValue, created: boolean): KeyValue {
    this.head = kv.modRevision;
    // Every watcher gets the same event object: frozen, so one cannot change another's.
    this.hub.publish(Object.freeze({ type, kv: Object.freeze({ ...kv }), created, revision: kv.modRevision }));
    return kv;
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreClosedError();
  }

  private assertWritable(key: string): void {
    this.assertOpen();
    // An empty key would sort before every range bound and collide with "no startAfter".
    if (key === '') throw new RangeError('store keys must not be empty');
  }
}

function rowToEvent(row: LogRow): StoreEvent {
  const kv: KeyValue = {
    key: row.key,
    value: row.value,
    createRevision: row.create_revision,
    modRevision: row.revision,
  };
  const deleted = row.deleted !== 0;
  return Object.freeze({
    type: deleted ? 'delete' : 'put',
    kv: Object.freeze(kv),
    created: !deleted && row.prev_revision === 0,
    revision: row.revision,
  });
}
