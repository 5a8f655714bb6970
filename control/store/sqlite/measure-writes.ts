// Measures the SQLite store on this machine: sequential create throughput, and what an
// idle cluster costs the disk: one 400-byte lease updated again and again (an idle node
// renews its lease every 10 s). Run after a build:
//
//   node dist/control/store/sqlite/measure-writes.js [dir]
//
// Bytes are read from /proc/self/io: wchar is what SQLite handed to write(2) (WAL frames
// and checkpoint copies), write_bytes what the kernel accounted as dirtied for the block
// device (whole 4 KiB pages, counted once while a page stays dirty).

import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore, type SqliteStoreOptions } from './sqlite-store.js';

function io(): { wchar: number; writeBytes: number } {
  const text = readFileSync('/proc/self/io', 'utf8');
  const field = (name: string) => Number(/^(\w+): (\d+)$/m.exec(text.split('\n').find((l) => l.startsWith(`${name}:`)) ?? '')?.[2] ?? NaN);
  return { wchar: field('wchar'), writeBytes: field('write_bytes') };
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

const diskSize = (path: string) => fileSize(path) + fileSize(`${path}-wal`);
const value = (n: number, i: number) => JSON.stringify({ i, pad: 'x'.repeat(n) }).slice(0, n).padEnd(n, 'x');

async function creates(dir: string, n: number, options: SqliteStoreOptions): Promise<string> {
  const path = join(dir, `creates-${options.synchronous ?? 'normal'}.db`);
  const store = SqliteStore.open(path, options);
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await store.create(`/registry/configmaps/default/cm-${i}`, value(400, i));
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  await store.close();
  return `sequential creates (synchronous=${options.synchronous ?? 'normal'}): ${n} in ${seconds.toFixed(2)} s = ${Math.round(n / seconds)} writes/s`;
}

/**
 * compactEvery: compact to head - retention after that many updates, as the periodic
 * compaction would (every 5 minutes is 30 renewals of one node lease every 10 s).
 */
async function leases(dir: string, updates: number, label: string, compact?: { every: number; retention: number }): Promise<string> {
  const path = join(dir, `lease-${label.replace(/\W/g, '-')}.db`);
  const store = SqliteStore.open(path);
  // An idle small cluster: a few hundred objects of a few KiB already stored.
  for (let i = 0; i < 300; i++) await store.create(`/registry/pods/default/pod-${i}`, value(3000, i));
  let kv = await store.create('/registry/coordination.k8s.io/leases/kube-node-lease/node-1', value(400, 0));
  // Warm up past the first checkpoint so the WAL has reached its reused size.
  for (let i = 0; i < 2000; i++) kv = await store.update(kv.key, value(400, i), kv.modRevision);
  const size0 = diskSize(path);
  const io0 = io();
  for (let i = 0; i < updates; i++) {
    kv = await store.update(kv.key, value(400, i), kv.modRevision);
    if (compact && i % compact.every === 0) await store.compact(kv.modRevision - compact.retention);
  }
  const io1 = io();
  const size1 = diskSize(path);
  await store.close();
  const per = (bytes: number) => `${Math.round(bytes / updates)} B`;
  return (
    `lease updates (${label}): ${updates} updates of 400 B: ` +
    `write(2) ${per(io1.wchar - io0.wchar)}/update, dirtied ${per(io1.writeBytes - io0.writeBytes)}/update, ` +
    `db+wal ${size0} -> ${size1} B (${per(size1 - size0)}/update)`
  );
}

async function main(): Promise<void> {
  const dir = process.argv[2] ?? mkdtempSync(join(tmpdir(), 'skiff-store-measure-'));
  try {
    console.log(await creates(dir, 20_000, {}));
    console.log(await creates(dir, 2_000, { synchronous: 'full' }));
    // History still filling up to the retention (10000 revisions), so the file grows.
    console.log(await leases(dir, 5_000, 'history filling'));
    // Retention reached: compaction frees as much as the renewals add.
    console.log(await leases(dir, 5_000, 'steady state, compacting every 30', { every: 30, retention: 500 }));
  } finally {
    if (!process.argv[2]) rmSync(dir, { recursive: true, force: true });
  }
}

void main();
