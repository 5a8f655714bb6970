// Reads a container's CRI log file as kubectl logs shows it: --tail, --since-time,
// --timestamps, --limit-bytes and -f. Following keeps reading while the container runs,
// and moves on to the new file when the log is rotated (renamed away and reopened by
// containerd), after draining what the old one still held.

import { open, stat, type FileHandle } from 'node:fs/promises';
import type { LogRequest } from '../runtime.js';
import { CriLogFormatter, parseCriLogLine } from './cri-log-format.js';

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

/** Byte offset where the last n full lines begin: just after the (n+1)-th last F entry. */
export async function tailOffset(fh: FileHandle, size: number, n: number): Promise<number> {
  if (n <= 0) return size;
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
      if (parseCriLogLine(data.subarray(i + 1, end))?.full && ++fulls > n) return pos + end + 1;
      end = i;
    }
    carry = data.subarray(0, end);
  }
  if (parseCriLogLine(carry)?.full && ++fulls > n) return carry.length + 1;
  return 0;
}

export async function* readCriLog(o: CriLogReadOptions): AsyncGenerator<Buffer> {
  const req = o.request;
  const pollMs = o.pollMs ?? 200;
  const sinceMs = req.since?.getTime();
  const fmt = new CriLogFormatter(req.timestamps);
  let left = req.limitBytes ?? Infinity;
  let fh: FileHandle;
  try {
    fh = await open(o.path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; // nothing written yet
    throw err;
  }
  try {
    let ino = (await fh.stat()).ino;
    let pos = req.tailLines !== undefined ? await tailOffset(fh, (await fh.stat()).size, req.tailLines) : 0;
    let pending: Buffer = Buffer.alloc(0);
    const buf = Buffer.alloc(CHUNK);
    for (;;) {
      if (o.signal.aborted) return;
      const { bytesRead } = await fh.read(buf, 0, CHUNK, pos);
      if (bytesRead > 0) {
        pos += bytesRead;
        const data: Buffer = pending.length ? Buffer.concat([pending, buf.subarray(0, bytesRead)]) : Buffer.from(buf.subarray(0, bytesRead));
        let start = 0;
        for (let nl = data.indexOf(NL, start); nl >= 0; nl = data.indexOf(NL, start)) {
          const entry = parseCriLogLine(data.subarray(start, nl));
          start = nl + 1;
          if (!entry || (sinceMs !== undefined && entry.ms < sinceMs)) continue;
          let out: Buffer = fmt.format(entry);
          if (out.length >= left) out = out.subarray(0, left);
          left -= out.length;
          if (out.length > 0) yield out;
          if (left <= 0) return;
        }
        pending = data.subarray(start);
        continue;
      }
      // End of what is written so far.
      if (!req.follow) return;
      const rotated = await stat(o.path).then((s) => s.ino !== ino, () => false);
      if (rotated) {
        // The old file is drained (we just read to its end): continue in the new one.
        await fh.close();
        fh = await open(o.path, 'r');
        ino = (await fh.stat()).ino;
        pos = 0;
        pending = Buffer.alloc(0);
        continue;
      }
      if (!(await o.isRunning())) {
        // One more read: the last lines may have landed between the read and the check.
        const { bytesRead: more } = await fh.read(buf, 0, 1, pos);
        if (more === 0) return;
        continue;
      }
      await sleep(pollMs, o.signal);
    }
  } finally {
    await fh.close().catch(() => undefined);
  }
}
