// Reads a container's CRI log as kubectl logs shows it: --tail, --since-time,
// --timestamps, --limit-bytes and -f. Files rotated aside (log-rotation.ts) are read
// first, oldest first, as Docker's logs read its rotated json-files, so rotation never
// hides recent history. Following keeps reading while the container runs, and moves on to
// the new file when the log is rotated, after draining what the old one still held.

import { open, stat, type FileHandle } from 'node:fs/promises';
import type { LogRequest } from '../runtime.js';
import { CriLogFormatter, parseCriLogLine } from './cri-log-format.js';
import { rotatedLogs } from './log-rotation.js';

export interface CriLogReadOptions {
  path: string;
  request: LogRequest;
  signal: AbortSignal;
  /** Asked at the end of the file while following: false ends the stream. */
  isRunning: () => Promise<boolean>;
  pollMs?: number;
}

const CHUNK = 64 * 1024;
const NL = 0x0a;

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

/**
 * Where the last n full lines of a file begin (just after the (n+1)-th last F entry), and
 * how many full lines it holds from there: fewer than n means the file starts there.
 */
export async function tailOffset(fh: FileHandle, size: number, n: number): Promise<{ offset: number; lines: number }> {
  if (n <= 0) return { offset: size, lines: 0 };
  let pos = size;
  let fulls = 0;
  let first = true;
  // Bytes from pos up to the end of the entry being looked at (its newline excluded).
  let carry: Buffer = Buffer.alloc(0);
  while (pos > 0) {
    const len = Math.min(CHUNK, pos);
    pos -= len;
    const buf = Buffer.alloc(len);
    await fh.read(buf, 0, len, pos);
    const data = carry.length ? Buffer.concat([buf, carry]) : buf;
    let end = data.length;
    if (first) {
      first = false;
      if (data[end - 1] === NL) end--;
    }
    for (let i = end - 1; i >= 0; i--) {
      if (data[i] !== NL) continue;
      if (parseCriLogLine(data.subarray(i + 1, end))?.full && ++fulls > n) return { offset: pos + end + 1, lines: n };
      end = i;
    }
    carry = data.subarray(0, end);
  }
  if (parseCriLogLine(carry)?.full && ++fulls > n) return { offset: carry.length + 1, lines: n };
  return { offset: 0, lines: fulls };
}

/**
 * The file (index into files) and offset where the last n lines across all files begin;
 * the last file is taken at currentSize, the length it had when the request came.
 */
async function tailStart(files: string[], n: number, currentSize: number): Promise<{ index: number; offset: number }> {
  let need = n;
  for (let i = files.length - 1; i >= 0; i--) {
    const fh = await open(files[i]!, 'r').catch(() => undefined);
    if (!fh) continue;
    try {
      const size = i === files.length - 1 ? currentSize : (await fh.stat()).size;
      const { offset, lines } = await tailOffset(fh, size, need);
      if (lines >= need || i === 0) return { index: i, offset };
      need -= lines;
    } finally {
      await fh.close();
    }
  }
  return { index: 0, offset: 0 };
}

/** Turns file bytes into kubectl's output: whole entries only, --since and --limit-bytes. */
class EntryEmitter {
  private pending: Buffer = Buffer.alloc(0);
  private readonly fmt: CriLogFormatter;
  private left: number;
  constructor(private readonly req: LogRequest) {
    this.fmt = new CriLogFormatter(req.timestamps);
    this.left = req.limitBytes ?? Infinity;
  }

  get full(): boolean {
    return this.left <= 0;
  }

  /** A new file starts: a torn last entry of the old one is dropped. */
  newFile(): void {
    this.pending = Buffer.alloc(0);
  }

  *push(chunk: Buffer): Generator<Buffer> {
    const data: Buffer = this.pending.length ? Buffer.concat([this.pending, chunk]) : Buffer.from(chunk);
    const sinceMs = this.req.since?.getTime();
    let start = 0;
    for (let nl = data.indexOf(NL, start); nl >= 0 && !this.full; nl = data.indexOf(NL, start)) {
      const entry = parseCriLogLine(data.subarray(start, nl));
      start = nl + 1;
      if (!entry || (sinceMs !== undefined && entry.ms < sinceMs)) continue;
      let out: Buffer = this.fmt.format(entry);
      if (out.length >= this.left) out = out.subarray(0, this.left);
      this.left -= out.length;
      if (out.length > 0) yield out;
    }
    this.pending = data.subarray(start);
  }
}

/** Reads fh from pos to its current end (or to `end`); at.pos is the position reached. */
async function* readToEnd(fh: FileHandle, pos: number, emitter: EntryEmitter, signal: AbortSignal, at: { pos: number }, end = Infinity): AsyncGenerator<Buffer> {
  const buf = Buffer.alloc(CHUNK);
  at.pos = pos;
  while (!signal.aborted && !emitter.full && at.pos < end) {
    const { bytesRead } = await fh.read(buf, 0, Math.min(CHUNK, end - at.pos), at.pos);
    if (bytesRead === 0) return;
    at.pos += bytesRead;
    yield* emitter.push(buf.subarray(0, bytesRead));
  }
}

export async function* readCriLog(o: CriLogReadOptions): AsyncGenerator<Buffer> {
  const req = o.request;
  const pollMs = o.pollMs ?? 200;
  const emitter = new EntryEmitter(req);
  let fh = await open(o.path, 'r').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined; // nothing written yet, or just rotated
    throw err;
  });
  try {
    // Without -f the answer is the log as it was when asked, as `docker logs` gives it: a
    // busy container's later lines would make --tail N print more than N.
    const currentSize = fh ? (await fh.stat()).size : 0;
    const files = [...(await rotatedLogs(o.path)), o.path];
    const start = req.tailLines !== undefined ? await tailStart(files, req.tailLines, currentSize) : { index: 0, offset: 0 };
    const at = { pos: 0 };
    // Rotated files: whole, oldest first (one may have gone since we listed them).
    for (let i = start.index; i < files.length - 1 && !emitter.full; i++) {
      const old = await open(files[i]!, 'r').catch(() => undefined);
      if (!old) continue;
      try {
        emitter.newFile();
        yield* readToEnd(old, i === start.index ? start.offset : 0, emitter, o.signal, at);
      } finally {
        await old.close();
      }
    }
    if (!fh || emitter.full || o.signal.aborted) return;
    let ino = (await fh.stat()).ino;
    let pos = start.index === files.length - 1 ? start.offset : 0;
    emitter.newFile();
    if (!req.follow) {
      yield* readToEnd(fh, pos, emitter, o.signal, at, currentSize);
      return;
    }
    for (;;) {
      yield* readToEnd(fh, pos, emitter, o.signal, at);
      pos = at.pos;
      if (emitter.full || o.signal.aborted) return;
      // At the end of what is written so far.
      const rotated = await stat(o.path).then((s) => s.ino !== ino, () => false);
      if (rotated) {
        // The old file is drained (we just read to its end): continue in the new one.
        await fh.close();
        fh = await open(o.path, 'r');
        ino = (await fh.stat()).ino;
        pos = 0;
        emitter.newFile();
        continue;
      }
      if (!(await o.isRunning())) {
        // One more read: the last lines may have landed between the read and the check.
        const { bytesRead } = await fh.read(Buffer.alloc(1), 0, 1, pos);
        if (bytesRead === 0) return;
        continue;
      }
      await sleep(pollMs, o.signal);
    }
  } finally {
    await fh?.close().catch(() => undefined);
  }
}
