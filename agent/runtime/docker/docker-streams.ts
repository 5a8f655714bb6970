// Exec and logs on Docker. Docker multiplexes stdout and stderr on one stream (8-byte
// frame headers) unless a TTY is used; these helpers split it back into two streams, and
// give logs as Kubernetes shows them (the CRI log's lines, optionally with timestamps).

import { PassThrough, Readable, type Writable } from 'node:stream';
import type Dockerode from 'dockerode';
import type { ExecRequest, ExecSession, ExecSyncResult, LogRequest } from '../runtime.js';

/** Runs cmd and collects its output, killing nothing on timeout (Docker cannot), but not waiting past it. */
export async function dockerExecSync(docker: Dockerode, containerId: string, cmd: string[], timeoutSeconds: number): Promise<ExecSyncResult> {
  const exec = await docker.getContainer(containerId).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const stream = (await exec.start({ hijack: true, stdin: false })) as NodeJS.ReadWriteStream;
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (c: Buffer) => out.push(c));
  stderr.on('data', (c: Buffer) => err.push(c));
  docker.modem.demuxStream(stream, stdout, stderr);
  const ended = new Promise<void>((resolve) => {
    stream.on('end', resolve);
    stream.on('close', resolve);
    stream.on('error', resolve);
  });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutSeconds * 1000)));
  const result = await Promise.race([ended, timedOut]);
  clearTimeout(timer);
  if (result === 'timeout') {
    (stream as unknown as { destroy?: () => void }).destroy?.();
    throw new Error(`command timed out after ${timeoutSeconds}s`);
  }
  const info = await exec.inspect();
  return { stdout: Buffer.concat(out), stderr: Buffer.concat(err), exitCode: info.ExitCode ?? -1 };
}

export async function dockerExec(docker: Dockerode, containerId: string, req: ExecRequest): Promise<ExecSession> {
  const exec = await docker.getContainer(containerId).exec({
    Cmd: req.cmd,
    AttachStdin: req.stdin,
    AttachStdout: req.stdout,
    AttachStderr: req.stderr,
    Tty: req.tty,
  });
  const stream = (await exec.start({ hijack: true, stdin: req.stdin, Tty: req.tty })) as NodeJS.ReadWriteStream;
  const session: ExecSession = {
    close: () => (stream as unknown as { destroy?: () => void }).destroy?.(),
    resize: async (w, h) => {
      await exec.resize({ w, h }).catch(() => undefined);
    },
    exitCode: async () => {
      await new Promise<void>((resolve) => {
        if ((stream as unknown as { readableEnded?: boolean }).readableEnded) return resolve();
        stream.on('end', resolve);
        stream.on('close', resolve);
        stream.on('error', resolve);
      });
      // The process may be reported running for a moment after its output closed.
      for (let i = 0; i < 50; i++) {
        const info = await exec.inspect();
        if (!info.Running) return info.ExitCode ?? -1;
        await new Promise((r) => setTimeout(r, 20));
      }
      return -1;
    },
  };
  if (req.stdin) {
    // Ending stdin must half-close the hijacked socket so the process sees EOF.
    const stdin = new PassThrough();
    stdin.pipe(stream as unknown as NodeJS.WritableStream);
    session.stdin = stdin;
  }
  if (req.tty) {
    session.stdout = stream;
  } else {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    demuxWithBackpressure(stream as unknown as Readable, stdout, stderr);
    if (req.stdout) session.stdout = stdout;
    if (req.stderr) session.stderr = stderr;
  }
  return session;
}

export async function dockerLogs(docker: Dockerode, containerId: string, req: LogRequest, signal: AbortSignal): Promise<NodeJS.ReadableStream> {
  const options = {
    follow: req.follow,
    stdout: true,
    stderr: true,
    timestamps: req.timestamps,
    ...(req.tailLines !== undefined ? { tail: req.tailLines } : {}),
    // Docker takes fractional seconds ("sec.nanos"), so sinceTime keeps its precision.
    ...(req.since ? { since: `${Math.floor(req.since.getTime() / 1000)}.${String((req.since.getTime() % 1000) * 1_000_000).padStart(9, '0')}` } : {}),
  };
  // Streamed even without follow: a long log is read only as fast as the caller consumes it,
  // never loaded whole (dockerode would buffer it for a non-follow request).
  const source = await new Promise<Readable>((resolve, reject) => {
    docker.modem.dial(
      {
        path: `/containers/${containerId}/logs?`,
        method: 'GET',
        isStream: true,
        statusCodes: { 200: true, 404: 'no such container', 500: 'server error' },
        options,
      },
      (err: unknown, data: unknown) => (err ? reject(err) : resolve(data as Readable)),
    );
  });
  const out = new PassThrough();
  demuxWithBackpressure(source, out, out);
  const stop = () => {
    source.destroy();
    out.end();
  };
  signal.addEventListener('abort', stop, { once: true });
  source.on('close', () => {
    signal.removeEventListener('abort', stop);
    out.end();
  });
  source.on('error', () => out.end());
  const limit = req.limitBytes;
  if (limit === undefined) return out;
  return Readable.from(limitedTo(out, limit, () => source.destroy()), { objectMode: false });
}

async function* limitedTo(src: AsyncIterable<Buffer>, limit: number, stop: () => void): AsyncGenerator<Buffer> {
  let left = limit;
  for await (const chunk of src) {
    const part = chunk.subarray(0, left);
    left -= part.length;
    if (part.length > 0) yield part;
    if (left <= 0) {
      stop();
      return;
    }
  }
}

/**
 * Splits Docker's multiplexed stream (header: type, 0, 0, 0, uint32 size) into stdout and
 * stderr, pausing the source while a target is full, so a slow reader holds Docker back
 * instead of growing a buffer here (docker-modem's demuxStream ignores backpressure).
 */
export function demuxWithBackpressure(src: Readable, stdout: Writable, stderr: Writable): void {
  let pending: Buffer = Buffer.alloc(0);
  let blocked = 0;
  src.on('data', (chunk: Buffer) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    while (pending.length >= 8) {
      const size = pending.readUInt32BE(4);
      if (pending.length < 8 + size) break;
      const target = pending[0] === 2 ? stderr : stdout;
      const payload = pending.subarray(8, 8 + size);
      pending = pending.subarray(8 + size);
      if (!target.write(payload)) {
        blocked++;
        target.once('drain', () => {
          if (--blocked === 0) src.resume();
        });
      }
    }
    if (blocked > 0) src.pause();
  });
  const ended = new Set<Writable>();
  const endAll = () => {
    for (const w of [stdout, stderr]) {
      if (ended.has(w)) continue;
      ended.add(w);
      w.end();
    }
  };
  src.on('end', endAll);
  src.on('close', endAll);
}
