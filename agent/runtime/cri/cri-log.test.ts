import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CriLogFormatter, parseCriLogLine } from './cri-log-format.js';
import { readCriLog } from './cri-log-reader.js';
import type { LogRequest } from '../runtime.js';

const T1 = '2026-01-02T03:04:05.000000001Z';
const T2 = '2026-01-02T03:04:06.500000000Z';
const T3 = '2026-01-02T03:04:07.999999999Z';
const LOG =
  `${T1} stdout F one\n` +
  `${T1} stderr F two\n` +
  `${T2} stdout P thr\n` +
  `${T2} stdout F ee\n` +
  `${T3} stdout F \n` +
  `${T3} stdout F five with  spaces\n`;

test('parses CRI log entries and rejects other text', () => {
  assert.deepEqual(parseCriLogLine(Buffer.from(`${T1} stderr P a b `)), {
    time: T1,
    ms: Date.parse(T1),
    stream: 'stderr',
    full: false,
    text: Buffer.from('a b '),
  });
  assert.equal(parseCriLogLine(Buffer.from(`${T1} stdout F`))?.text.length, 0);
  for (const bad of ['', 'hello', `${T1} stdin F x`, `${T1} stdout X x`, `not-a-time stdout F x`]) {
    assert.equal(parseCriLogLine(Buffer.from(bad)), undefined, bad);
  }
});

test('the formatter joins partial entries and stamps each line once', () => {
  const f = new CriLogFormatter(true);
  const out = LOG.trim()
    .split('\n')
    .map((l) => f.format(parseCriLogLine(Buffer.from(l))!).toString())
    .join('');
  assert.equal(out, `${T1} one\n${T1} two\n${T2} three\n${T3} \n${T3} five with  spaces\n`);
});

async function read(path: string, over: Partial<LogRequest>, isRunning = async () => false): Promise<string> {
  const chunks: Buffer[] = [];
  const request: LogRequest = { follow: false, timestamps: false, ...over };
  for await (const c of readCriLog({ path, request, signal: new AbortController().signal, isRunning, pollMs: 20 })) chunks.push(c);
  return Buffer.concat(chunks).toString();
}

test('reads, tails, filters by time and limits bytes', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-crilog-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, '0.log');
  await writeFile(path, LOG);
  assert.equal(await read(path, {}), 'one\ntwo\nthree\n\nfive with  spaces\n');
  assert.equal(await read(path, { tailLines: 0 }), '');
  assert.equal(await read(path, { tailLines: 1 }), 'five with  spaces\n');
  assert.equal(await read(path, { tailLines: 3 }), 'three\n\nfive with  spaces\n', 'a line split over P entries counts once');
  assert.equal(await read(path, { tailLines: 5 }), 'one\ntwo\nthree\n\nfive with  spaces\n');
  assert.equal(await read(path, { tailLines: 50 }), 'one\ntwo\nthree\n\nfive with  spaces\n');
  assert.equal(await read(path, { since: new Date(Date.parse(T2)) }), 'three\n\nfive with  spaces\n');
  assert.equal(await read(path, { limitBytes: 6 }), 'one\ntw');
  assert.equal(await read(path, { tailLines: 1, timestamps: true }), `${T3} five with  spaces\n`);
  assert.equal(await read(join(dir, 'absent.log'), {}), '');
  // Without follow, lines written while the answer is read are not part of it.
  const growing = join(dir, 'growing.log');
  await writeFile(growing, Array.from({ length: 3000 }, (_, i) => `${T1} stdout F old ${i}\n`).join(''));
  const chunks: Buffer[] = [];
  for await (const c of readCriLog({ path: growing, request: { follow: false, timestamps: false, tailLines: 3 }, signal: new AbortController().signal, isRunning: async () => true })) {
    chunks.push(c);
    await appendFile(growing, `${T2} stdout F new\n`);
  }
  assert.equal(Buffer.concat(chunks).toString(), 'old 2997\nold 2998\nold 2999\n');
  // A big file: tail walks back over several read chunks.
  const big = join(dir, 'big.log');
  await writeFile(big, Array.from({ length: 20_000 }, (_, i) => `${T1} stdout F line ${i}\n`).join(''));
  assert.equal(await read(big, { tailLines: 2 }), 'line 19998\nline 19999\n');
});

test('rotated files are read first, oldest first; tail reaches back into them', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-crilog-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, '0.log');
  const entry = (s: string) => `${T1} stdout F ${s}\n`;
  await writeFile(`${path}.20260101-000000.000`, entry('a') + entry('b'));
  await writeFile(`${path}.20260101-000001.000`, entry('c') + `${T1} stdout P d-`);
  await writeFile(path, entry('e') + entry('f'));
  await writeFile(join(dir, '1.log.20260101-000000.000'), entry('other container'));
  assert.equal(await read(path, {}), 'a\nb\nc\ne\nf\n', 'a torn entry at the end of a rotated file is dropped');
  assert.equal(await read(path, { tailLines: 2 }), 'e\nf\n');
  assert.equal(await read(path, { tailLines: 3 }), 'c\ne\nf\n');
  assert.equal(await read(path, { tailLines: 5 }), 'a\nb\nc\ne\nf\n');
  assert.equal(await read(path, { tailLines: 4 }), 'b\nc\ne\nf\n');
  assert.equal(await read(path, { limitBytes: 3 }), 'a\nb');
  // Everything rotated away: the current file is empty.
  await writeFile(path, '');
  assert.equal(await read(path, { tailLines: 1 }), 'c\n');
});

test('follow sees new lines, follows a rotation, and ends when the container stops', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-crilog-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, '0.log');
  await writeFile(path, `${T1} stdout F first\n`);
  let running = true;
  const got: string[] = [];
  const reader = (async () => {
    for await (const c of readCriLog({ path, request: { follow: true, timestamps: false }, signal: new AbortController().signal, isRunning: async () => running, pollMs: 20 })) {
      got.push(c.toString());
    }
  })();
  const until = async (s: string) => {
    for (let i = 0; i < 200 && !got.join('').includes(s); i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(got.join('').includes(s), `never saw ${s}: ${got.join('')}`);
  };
  await until('first');
  await appendFile(path, `${T2} stdout P sec`);
  await new Promise((r) => setTimeout(r, 60));
  await appendFile(path, `ond\n${T2} stdout F\n`);
  await until('second');
  // Rotation: the runtime renames the file and starts a new one at the same path.
  await appendFile(path, `${T2} stdout F last-of-old\n`);
  await rename(path, `${path}.1`);
  await writeFile(path, `${T3} stdout F in-new\n`);
  await until('in-new');
  running = false;
  await reader;
  assert.equal(got.join(''), 'first\nsecond\nlast-of-old\nin-new\n');
});
