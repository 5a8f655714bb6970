// The on-disk layout of the SQLite store and the connection settings it relies on.
//
// Two tables carry the data:
//   log  - one row per write, keyed by its revision (the rowid, so appends hit the right
//          edge of one b-tree). A delete is a row too (deleted = 1) and keeps the last
//          value, so a replayed delete event carries it. prev_revision links a row to the
//          key's previous live version (0 when the write created the key); snapshot reads
//          and compaction follow that link instead of needing a second index on log.
//   live - the current revision of every live key, ordered by key: gets, lists and counts
//          walk it; values stay in log (one copy of each value).
// meta holds the compacted revision. The head revision is not stored: it is the highest
// revision in log, or the compacted revision if compaction removed every row above that,
// so a write touches only log and live.

import type Database from 'better-sqlite3';

export const schemaVersion = 1;

export type Synchronous = 'normal' | 'full';

const createSchema = `
CREATE TABLE log (
  revision        INTEGER PRIMARY KEY,
  key             TEXT    NOT NULL,
  create_revision INTEGER NOT NULL,
  prev_revision   INTEGER NOT NULL,
  deleted         INTEGER NOT NULL,
  -- Last, so reading the small columns of a row whose value spills into overflow pages
  -- does not have to follow the overflow chain.
  value           TEXT    NOT NULL
);
CREATE TABLE live (
  key      TEXT    PRIMARY KEY,
  revision INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE meta (
  name  TEXT    PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO meta (name, value) VALUES ('compacted', 0);
`;

/** Connection settings; must run before the first read of the file. */
export function configure(db: Database.Database, synchronous: Synchronous): void {
  // One process owns the store (the API server is its only writer). Exclusive locking
  // makes a second process fail to open it instead of silently writing beside us, and
  // lets WAL keep its index in heap memory: no -shm file whose mmapped pages the kernel
  // would write back to the SD card after every commit.
  db.pragma('locking_mode = EXCLUSIVE');
  // Every commit appends each page it changed to the WAL, and an idle write (a lease
  // renewal) changes two: the tail of log and a leaf of live. So the page size sets the
  // bytes an idle cluster writes. Measured (measure-writes.ts), a 400-byte lease update
  // costs about 3.8 KiB of writes with 1 KiB pages against 9.8 KiB with the default 4 KiB,
  // at the same write and list speed; 512-byte pages save little more and halve the write
  // rate. The kernel's 4 KiB page cache does not undo the gain: commits append, so
  // consecutive ones fill the same block before writeback (synchronous NORMAL, below).
  // Only takes effect when the file is created.
  db.pragma('page_size = 1024');
  const mode = db.pragma('journal_mode = WAL', { simple: true });
  if (mode !== 'wal') throw new Error(`sqlite store needs WAL journal mode, got ${String(mode)}`);
  // In WAL mode, NORMAL appends each commit to the WAL with write(2) and fsyncs only at
  // checkpoints. A write(2) that returned is in the kernel's page cache, so an
  // acknowledged write survives the process being killed (kill -9, OOM, crash); what it
  // does not survive is the kernel or the power going away within the writeback window
  // (seconds), after which the store reopens consistent but a few seconds older. FULL
  // would fsync on every commit: on an SD card that is a flush plus an ext4 journal
  // commit per write, several 4 KiB blocks each, which is most of what an idle node
  // writes. NORMAL is the default for that reason; 'full' is there for hosts where power
  // loss is likelier than SD wear matters.
  db.pragma(`synchronous = ${synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
  // Sorts and temporary b-trees of snapshot lists stay off the card.
  db.pragma('temp_store = MEMORY');
  // The WAL is reused from its start after each checkpoint (no file growth, no metadata
  // writes); this only trims it back after a burst (a big compaction) made it large.
  db.pragma(`journal_size_limit = ${8 * 1024 * 1024}`);
}

/** Creates or checks the schema; takes the write lock at once so a second owner fails now. */
export function migrate(db: Database.Database): void {
  db.transaction(() => {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version === schemaVersion) return;
    if (version === 0) {
      db.exec(createSchema);
      db.pragma(`user_version = ${schemaVersion}`);
      return;
    }
    throw new Error(`sqlite store schema version ${version} is newer than this build understands (${schemaVersion})`);
  }).immediate();
}
