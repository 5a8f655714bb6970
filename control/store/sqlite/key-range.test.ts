import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { keyRange } from './key-range.js';

describe('keyRange', () => {
  const cases: { prefix: string; hi: string | null }[] = [
    { prefix: '', hi: null },
    { prefix: '/registry/pods/', hi: '/registry/pods0' },
    { prefix: 'a', hi: 'b' },
    { prefix: 'a\u{10ffff}', hi: 'b' },
    { prefix: '\u{10ffff}\u{10ffff}', hi: null },
    { prefix: 'x\ud7ff', hi: 'x\ue000' },
    { prefix: 'x\u{1f600}', hi: 'x\u{1f601}' },
  ];
  for (const { prefix, hi } of cases) {
    it(`bounds ${JSON.stringify(prefix)}`, () => {
      assert.deepEqual(keyRange(prefix), { lo: prefix, hi });
    });
  }

  it('selects in SQLite exactly the keys that start with the prefix', (t) => {
    const db = new Database(':memory:');
    t.after(() => db.close());
    db.exec('CREATE TABLE k (key TEXT PRIMARY KEY) WITHOUT ROWID');
    const alphabet = ['a', 'b', '/', '0', '\ud7ff', '\ue000', '\uffff', '\u{10000}', '\u{1f600}', '\u{10ffff}'];
    const keys = new Set<string>();
    // Every string of up to three characters from the alphabet: all the edges meet.
    const grow = (s: string, depth: number) => {
      if (s) keys.add(s);
      if (depth < 3) for (const ch of alphabet) grow(s + ch, depth + 1);
    };
    grow('', 0);
    const insert = db.prepare('INSERT INTO k (key) VALUES (?)');
    for (const key of keys) insert.run(key);
    const bounded = db.prepare<{ lo: string; hi: string }, { key: string }>('SELECT key FROM k WHERE key >= @lo AND key < @hi');
    const unbounded = db.prepare<{ lo: string }, { key: string }>('SELECT key FROM k WHERE key >= @lo');
    for (const prefix of ['', ...[...keys].filter((k) => Array.from(k).length <= 2)]) {
      const { lo, hi } = keyRange(prefix);
      const got = (hi === null ? unbounded.all({ lo }) : bounded.all({ lo, hi })).map((r) => r.key).sort();
      const want = [...keys].filter((k) => k.startsWith(prefix)).sort();
      assert.deepEqual(got, want, `prefix ${JSON.stringify(prefix)}`);
    }
  });
});
