// Every SQL statement the SQLite store runs, prepared once per connection and reused.
// Statements that filter by key range come in two variants, with and without an upper
// bound (the empty prefix has none), so each keeps a plain index range scan.

import type Database from 'better-sqlite3';
import type { KeyValue } from '../store.js';
import type { KeyRange } from './key-range.js';

export interface LogRow {
  revision: number;
  key: string;
  create_revision: number;
  prev_revision: number;
  deleted: number;
  value: string;
}

/** Parameters of a key-range read: keys in [lo, hi) and strictly after `after`. */
export interface RangeParams {
  lo: string;
  hi?: string;
  /** '' when not paging: keys are never empty, so every key is > ''. */
  after: string;
  /** SQLite's LIMIT; -1 for no limit. */
  limit: number;
}

export interface RangeAtParams extends RangeParams {
  rev: number;
}

export interface HistoryParams {
  lo: string;
  hi?: string;
  rev: number;
  limit: number;
}

interface RangedStatements {
  listLatest: Database.Statement<RangeParams, KeyValue>;
  countLatest: Database.Statement<Omit<RangeParams, 'limit'>, { n: number }>;
  listAt: Database.Statement<RangeAtParams, KeyValue>;
  countAt: Database.Statement<Omit<RangeAtParams, 'limit'>, { n: number }>;
  /** Writes with revision > rev under the range, oldest first: watch replay. */
  history: Database.Statement<HistoryParams, LogRow>;
}

const kvColumns = 'l.key AS key, l.value AS value, l.create_revision AS createRevision, l.revision AS modRevision';

function rangedStatements(db: Database.Database, bounded: boolean): RangedStatements {
  const inRange = (col: string) => `${col} >= @lo${bounded ? ` AND ${col} < @hi` : ''}`;
  // The keys of a snapshot at @rev: live keys untouched since @rev, plus, for keys written
  // after @rev, the version their first later write replaced (none if that write created
  // the key). Compaction never removes that version while @rev is readable (see compact).
  const snapshot = `
    WITH changed AS (
      SELECT key, min(revision) AS first FROM log
      WHERE revision > @rev AND ${inRange('key')} AND key > @after
      GROUP BY key
    ),
    snap AS (
      SELECT key, revision FROM live
      WHERE ${inRange('key')} AND key > @after AND revision <= @rev
      UNION ALL
      SELECT c.key AS key, f.prev_revision AS revision
      FROM changed c JOIN log f ON f.revision = c.first
      WHERE f.prev_revision != 0
    )`;
  return {
    listLatest: db.prepare(`
      SELECT ${kvColumns} FROM live v JOIN log l ON l.revision = v.revision
      WHERE ${inRange('v.key')} AND v.key > @after
      ORDER BY v.key LIMIT @limit`),
    countLatest: db.prepare(`
      SELECT count(*) AS n FROM live WHERE ${inRange('key')} AND key > @after`),
    listAt: db.prepare(`${snapshot}
      SELECT ${kvColumns} FROM snap s JOIN log l ON l.revision = s.revision
      ORDER BY s.key LIMIT @limit`),
    countAt: db.prepare(`${snapshot} SELECT count(*) AS n FROM snap`),
    history: db.prepare(`
      SELECT revision, key, create_revision, prev_revision, deleted, value FROM log
      WHERE revision > @rev AND ${inRange('key')}
      ORDER BY revision LIMIT @limit`),
  };
}

export class Statements {
  readonly getLive: Database.Statement<[string], KeyValue>;
  /** Revisions of a live key without its value (no overflow pages read for big values). */
  readonly getLiveMeta: Database.Statement<[string], { createRevision: number; modRevision: number }>;
  readonly maxRevision: Database.Statement<[], { revision: number | null }>;
  readonly getCompacted: Database.Statement<[], { value: number }>;
  readonly setCompacted: Database.Statement<[number]>;
  readonly insertLog: Database.Statement<LogRow>;
  readonly insertLive: Database.Statement<[string, number]>;
  readonly updateLive: Database.Statement<[number, string]>;
  readonly deleteLive: Database.Statement<[string]>;
  /** Versions replaced by a write in (from, to]: history nobody can read at > to. */
  readonly compactReplaced: Database.Statement<{ from: number; to: number }>;
  /** Deletes in (from, to]: at any revision > to the key is simply absent. */
  readonly compactTombstones: Database.Statement<{ from: number; to: number }>;
  private readonly bounded: RangedStatements;
  private readonly unbounded: RangedStatements;

  constructor(db: Database.Database) {
    this.getLive = db.prepare(`
      SELECT ${kvColumns} FROM live v JOIN log l ON l.revision = v.revision WHERE v.key = ?`);
    this.getLiveMeta = db.prepare(`
      SELECT l.create_revision AS createRevision, v.revision AS modRevision
      FROM live v JOIN log l ON l.revision = v.revision WHERE v.key = ?`);
    this.maxRevision = db.prepare('SELECT max(revision) AS revision FROM log');
    this.getCompacted = db.prepare(`SELECT value FROM meta WHERE name = 'compacted'`);
    this.setCompacted = db.prepare(`UPDATE meta SET value = ? WHERE name = 'compacted'`);
    this.insertLog = db.prepare(`
      INSERT INTO log (revision, key, create_revision, prev_revision, deleted, value)
      VALUES (@revision, @key, @create_revision, @prev_revision, @deleted, @value)`);
    this.insertLive = db.prepare('INSERT INTO live (key, revision) VALUES (?, ?)');
    this.updateLive = db.prepare('UPDATE live SET revision = ? WHERE key = ?');
    this.deleteLive = db.prepare('DELETE FROM live WHERE key = ?');
    this.compactReplaced = db.prepare(`
      DELETE FROM log WHERE revision IN (
        SELECT prev_revision FROM log
        WHERE revision > @from AND revision <= @to AND prev_revision != 0)`);
    this.compactTombstones = db.prepare(`
      DELETE FROM log WHERE revision > @from AND revision <= @to AND deleted = 1`);
    this.bounded = rangedStatements(db, true);
    this.unbounded = rangedStatements(db, false);
  }

  /** The statements for a range, and the range's bound parameters. */
  ranged(range: KeyRange): { stmts: RangedStatements; bounds: { lo: string; hi?: string } } {
    return range.hi === null
      ? { stmts: this.unbounded, bounds: { lo: range.lo } }
      : { stmts: this.bounded, bounds: { lo: range.lo, hi: range.hi } };
  }
}
