// Interactive exec through the CRI: Exec answers with a URL on containerd's streaming
// server, which speaks Kubernetes' remotecommand protocol. We connect with a websocket
// and the channel protocol (each binary message: one channel byte, then payload;
// 0 stdin, 1 stdout, 2 stderr, 3 error/status, 4 resize). containerd 1.6 offers
// v4.channel.k8s.io (v5 with its stdin-close message came in Kubernetes 1.30), so the
// end of stdin cannot be sent as such: with a TTY it becomes ^D, which the terminal
// turns into end-of-file for the reader, exactly as a keyboard would.

import { PassThrough, Writable } from 'node:stream';
import WebSocket from 'ws';
import type { ExecRequest, ExecSession } from '../runtime.js';

const CH_STDIN = 0;
const CH_STDOUT = 1;
const CH_STDERR = 2;
const CH_ERROR = 3;
const CH_RESIZE = 4;

export const EXEC_SUBPROTOCOLS = ['v4.channel.k8s.io', 'channel.k8s.io'];

interface ExecStatus {
  status?: string;
  message?: string;
  reason?: string;
  details?: { causes?: Array<{ reason?: string; message?: string }> };
}

/** The exit code in a v4 status message: 0 on Success, the ExitCode cause otherwise. */
export function exitCodeOfStatus(text: string): number {
  let s: ExecStatus;
  try {
    s = JSON.parse(text) as ExecStatus;
  } catch {
    return -1;
  }
  if (s.status === 'Success') return 0;
  const cause = s.details?.causes?.find((c) => c.reason === 'ExitCode');
  const n = Number(cause?.message);
  return Number.isInteger(n) ? n : -1;
}

export async function websocketExec(url: string, req: ExecRequest): Promise<ExecSession> {
  const ws = new WebSocket(url.replace(/^http/, 'ws'), EXEC_SUBPROTOCOLS, { perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`exec stream answered HTTP ${res.statusCode}`)));
  });
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let status: number | undefined;
  const ended = new Promise<number>((resolve) => {
    ws.on('close', () => {
      stdout.end();
      stderr.end();
      resolve(status ?? -1);
    });
  });
  ws.on('error', () => undefined); // 'close' follows and settles everything
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    // The base64 variants are not offered, so every message is binary; be lenient anyway.
    const msg = isBinary ? data : Buffer.from(data);
    if (msg.length === 0) return;
    const payload = msg.subarray(1);
    switch (msg[0]) {
      case CH_STDOUT:
        if (payload.length && !stdout.write(payload)) ws.pause();
        break;
      case CH_STDERR:
        if (payload.length && !stderr.write(payload)) ws.pause();
        break;
      case CH_ERROR:
        if (payload.length) status = exitCodeOfStatus(payload.toString('utf8'));
        break;
    }
  });
  // Backpressure: stop reading the socket while a reader is behind.
  stdout.on('drain', () => ws.resume());
  stderr.on('drain', () => ws.resume());

  const send = (channel: number, payload: Buffer, cb: (err?: Error) => void) => {
    if (ws.readyState !== WebSocket.OPEN) return cb();
    ws.send(Buffer.concat([Buffer.of(channel), payload]), { binary: true }, (err) => cb(err ?? undefined));
  };
  const session: ExecSession = {
    resize: async (width, height) => {
      if (!req.tty) return;
      await new Promise<void>((resolve) => send(CH_RESIZE, Buffer.from(JSON.stringify({ Width: width, Height: height })), () => resolve()));
    },
    close: () => ws.terminate(),
    exitCode: () => ended,
  };
  if (req.stdin) {
    session.stdin = new Writable({
      write: (chunk: Buffer, _enc, cb) => send(CH_STDIN, chunk, cb),
      final: (cb) => (req.tty ? send(CH_STDIN, Buffer.of(0x04), () => cb()) : cb()),
    });
  }
  if (req.stdout) session.stdout = stdout;
  else stdout.resume();
  if (req.stderr && !req.tty) session.stderr = stderr;
  else stderr.resume();
  return session;
}
