// Crash test of the SQLite store: a child process writes as fast as it can and prints each
// acknowledged write; we SIGKILL it mid-stream (no chance to close or flush anything),
// several rounds over the same file, then reopen the store and check that every
// acknowledged write is there with its value at its revision, and that revisions were
// never reused across the crashes.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { it } from 'node:test';
import { SqliteStore } from '../control/store/sqlite/sqlite-store.js';
import type { StoreEvent } from '../control/store/store.js';
import type { WriterAck } from './fixtures/store-writer.js';

const writerPath = fileURLToPath(new URL('./fixtures/store-writer.js', import.meta.url));

interface Round {
  /** Head revision the child saw when it opened the store. */
  ready: number;
  acks: WriterAck[];
}

/** Runs the writer until it has acknowledged killAfter writes (plus a random moment), then SIGKILLs it. */
function writeAndKill(dbPath: string, round: number, killAfter: number): Promise<Round> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [writerPath, dbPath, String(round)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let ready: number | undefined;
    const acks: WriterAck[] = [];
    let buffered = '';
    let stderr = '';
    let killing = false;
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      // The last piece is a line still being written (or ''): only whole lines count.
      buffered = lines.pop()!;
      for (const line of lines) {
        const parsed = JSON.parse(line) as WriterAck | { ready: number };
        if ('ready' in parsed) ready = parsed.ready;
        else acks.push(parsed);
      }
      if (!killing && acks.length >= killAfter) {
        killing = true;
        // Let the child run on for a random moment so the kill lands anywhere in a write.
        setTimeout(() => process.kill(child.pid!, 'SIGKILL'), Math.random() * 20);
      }
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (signal !== 'SIGKILL') return reject(new Error(`writer exited with ${code ?? signal} before the kill: ${stderr}`));
      if (ready === undefined) return reject(new Error('writer never became ready'));
      resolve({ ready, acks });
    });
  });
}

it('keeps every acknowledged write across kill -9', { timeout: 120_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-store-crash-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const dbPath = join(dir, 'store.db');

  const rounds: Round[] = [];
  for (let round = 0; round < 4; round++) {
    rounds.push(await writeAndKill(dbPath, round, 300 + round * 500));
  }

  const acks = rounds.flatMap((r) => r.acks);
  const lastAcked = acks[acks.length - 1]!.rev;
  for (const [i, r] of rounds.entries()) {
    assert.ok(r.acks.length > 0, `round ${i} acknowledged writes`);
    if (i > 0) {
      const before = rounds[i - 1]!.acks;
      assert.ok(r.ready >= before[before.length - 1]!.rev, `round ${i} reopened below an acknowledged revision`);
    }
  }
  for (let i = 1; i < acks.length; i++) {
    assert.ok(acks[i]!.rev > acks[i - 1]!.rev, `revision ${acks[i]!.rev} acknowledged after ${acks[i - 1]!.rev}`);
  }

  const store = SqliteStore.open(dbPath);
  t.after(() => store.close());
  const head = await store.currentRevision();
  assert.ok(head >= lastAcked, `head ${head} is below the last acknowledged revision ${lastAcked}`);

  // Every acknowledged write is in the history, at its revision, with its value. (The
  // children never ran long enough for a compaction; the store keeps 10000 revisions.)
  const history = new Map<number, StoreEvent>();
  let failed: Error | undefined;
  const watcher = store.watch('/crash/', { afterRevision: 0, onEvent: (ev) => history.set(ev.revision, ev), onError: (err) => (failed = err) });
  t.after(() => watcher.close());
  const deadline = Date.now() + 30_000;
  while (!history.has(head) && failed === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  assert.equal(failed, undefined);
  assert.equal(await store.compactedRevision(), 0);
  for (const ack of acks) {
    const ev = history.get(ack.rev);
    assert.ok(ev, `acknowledged revision ${ack.rev} (${ack.op} ${ack.key}) is missing after the crash`);
    assert.equal(ev.kv.key, ack.key);
    assert.equal(ev.kv.value, ack.value, `value of revision ${ack.rev}`);
    assert.equal(ev.type, ack.op === 'delete' ? 'delete' : 'put');
    assert.equal(ev.created, ack.op === 'create');
  }

  // A child is killed between committing a write and printing it at most once per round:
  // anything else in the history that nobody acknowledged would be a write from nowhere.
  const acked = new Set(acks.map((ack) => ack.rev));
  const unacked = [...history.keys()].filter((rev) => !acked.has(rev));
  assert.ok(unacked.length <= rounds.length, `history holds unacknowledged revisions ${unacked.join(', ')}`);

  // The current state is the last write of each key, acknowledged or not.
  const lastByKey = new Map<string, StoreEvent>();
  for (const rev of [...history.keys()].sort((a, b) => a - b)) lastByKey.set(history.get(rev)!.kv.key, history.get(rev)!);
  for (const [key, ev] of lastByKey) {
    const kv = await store.get(key);
    if (ev.type === 'delete') assert.equal(kv, undefined, `${key} was deleted at ${ev.revision}`);
    else assert.deepEqual(kv, { ...ev.kv }, `${key} as last written at ${ev.revision}`);
  }

  const next = await store.create('/crash/after', 'x');
  assert.ok(next.modRevision > head, 'the first write after the crashes takes a new revision');
  t.diagnostic(`rounds acknowledged ${rounds.map((r) => r.acks.length).join(', ')} writes; head ${head}, last acknowledged ${lastAcked}`);
});
