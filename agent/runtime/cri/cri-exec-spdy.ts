// Interactive exec through the CRI: Exec answers with a URL on containerd's streaming
// server, which speaks Kubernetes' remotecommand protocol v4. We use it over SPDY, as
// client-go does: one stream per role (error, stdin, stdout, stderr, resize), and the end
// of stdin is a FIN on the stdin stream, so `kubectl exec -i … -- cat` ends like it does on
// Docker (with a TTY, as ^D). (containerd 1.6's websocket side is v4.channel.k8s.io, which has no way to close
// stdin; websocket v5 came with Kubernetes 1.30.)

import { PassThrough, Writable } from 'node:stream';
import type { ExecRequest, ExecSession } from '../runtime.js';
import { spdyUpgrade, type SpdyClientConnection } from './spdy-client.js';

export const EXEC_PROTOCOL = 'v4.channel.k8s.io';

interface ExecStatus {
  status?: string;
  details?: { causes?: Array<{ reason?: string; message?: string }> };
}

/** The exit code in a v4 status message: 0 on Success, the ExitCode cause otherwise. */
export function exitCodeOfStatus(text: string): number {
  if (!text.trim()) return 0; // v4 sends nothing on the error stream when all went well
  let s: ExecStatus;
  try {
    s = JSON.parse(text) as ExecStatus;
  } catch {
    return -1;
  }
  if (s.status === 'Success') return 0;
  const n = Number(s.details?.causes?.find((c) => c.reason === 'ExitCode')?.message);
  return Number.isInteger(n) ? n : -1;
}

/**
 * An output stream fed from SPDY data. The connection is paused while any of its readers
 * is behind, and resumed once none is: a stream that ends while full never drains, so its
 * end counts as caught up (else the connection would stay paused and never see its close).
 */
function outputStream(conn: SpdyClientConnection, behind: Set<PassThrough>): { stream: PassThrough; handlers: { data(b: Buffer): void; end(): void }; ended: Promise<void> } {
  const stream = new PassThrough();
  let done!: () => void;
  const ended = new Promise<void>((r) => (done = r));
  const caughtUp = () => {
    if (behind.delete(stream) && behind.size === 0) conn.resume();
  };
  stream.on('drain', caughtUp);
  return {
    stream,
    ended,
    handlers: {
      data: (b) => {
        if (stream.write(b)) return;
        behind.add(stream);
        conn.pause();
      },
      end: () => {
        stream.end();
        caughtUp();
        done();
      },
    },
  };
}

export async function spdyExec(url: string, req: ExecRequest): Promise<ExecSession> {
  const conn = await spdyUpgrade(url, EXEC_PROTOCOL);
  const errorText: Buffer[] = [];
  let errorEnded!: () => void;
  const errorDone = new Promise<void>((r) => (errorEnded = r));
  // The order client-go uses; the server tells the streams apart by their streamtype.
  conn.openStream({ streamtype: 'error' }, { data: (b) => errorText.push(b), end: () => errorEnded() });
  const stdinId = req.stdin ? conn.openStream({ streamtype: 'stdin' }, { data: () => undefined, end: () => undefined }) : undefined;
  const behind = new Set<PassThrough>();
  const out = req.stdout ? outputStream(conn, behind) : undefined;
  if (out) conn.openStream({ streamtype: 'stdout' }, out.handlers);
  const err = req.stderr && !req.tty ? outputStream(conn, behind) : undefined;
  if (err) conn.openStream({ streamtype: 'stderr' }, err.handlers);
  const resizeId = req.tty ? conn.openStream({ streamtype: 'resize' }, { data: () => undefined, end: () => undefined }) : undefined;

  const finished = (async () => {
    await Promise.all([errorDone, out?.ended, err?.ended]);
    conn.close();
    return exitCodeOfStatus(Buffer.concat(errorText).toString('utf8'));
  })();
  const session: ExecSession = {
    resize: async (width, height) => {
      if (resizeId === undefined) return;
      await new Promise<void>((resolve) => conn.data(resizeId, Buffer.from(JSON.stringify({ Width: width, Height: height })), false, () => resolve()));
    },
    close: () => conn.destroy(),
    exitCode: () => finished,
  };
  if (stdinId !== undefined) {
    session.stdin = new Writable({
      write: (chunk: Buffer, _enc, cb) => conn.data(stdinId, chunk, false, cb),
      // A FIN on the stdin stream: the process reads end-of-file. A terminal stays open
      // whatever its writer does, so there the end is a ^D first, as a keyboard gives it.
      final: (cb) => conn.data(stdinId, req.tty ? Buffer.of(0x04) : Buffer.alloc(0), true, () => cb()),
    });
  }
  if (out) session.stdout = out.stream;
  if (err) session.stderr = err.stream;
  return session;
}
