// The agent's end of each stream the control server opens over the tunnel: find the
// container, then pump logs or an exec session through the stream; or answer the node's
// usage summary (metrics.k8s.io) as one JSON document. Output is read only as
// fast as the stream's credit allows, so a slow kubectl holds back Docker, not our memory.

import type { Logger } from 'pino';
import type { ExecStreamRequest, LogStreamRequest, StreamRequest } from '../../api/tunnel/tunnel-protocol.js';
import { CHANNEL_STDERR, CHANNEL_STDIN, CHANNEL_STDOUT } from '../../api/tunnel/tunnel-protocol.js';
import type { TunnelStream } from '../../api/tunnel/tunnel-mux.js';
import type { ContainerRuntime, ExecSession } from '../runtime/runtime.js';
import type { SummaryProvider } from '../stats/summary-provider.js';
import { findContainer } from './container-lookup.js';
import { StreamError, toStatus } from './errors.js';

export class StreamServer {
  constructor(
    private readonly runtime: ContainerRuntime,
    private readonly logger: Logger,
    private readonly summaries?: SummaryProvider,
  ) {}

  /** Serves one stream; never throws (failures end the stream with a Status). */
  serve(stream: TunnelStream, request: StreamRequest): void {
    let log: Logger;
    let work: Promise<void>;
    if (request.kind === 'stats') {
      log = this.logger.child({ kind: 'stats', stream: stream.id });
      work = this.serveStats(stream);
    } else {
      log = this.logger.child({ pod: `${request.namespace}/${request.pod}`, container: request.container, kind: request.kind, stream: stream.id });
      work = request.kind === 'log' ? this.serveLog(stream, request, log) : this.serveExec(stream, request, log);
    }
    work.catch((err: unknown) => {
      if (!(err instanceof StreamError)) log.warn({ err }, 'stream failed');
      stream.end({ error: toStatus(err) });
    });
  }

  private async serveStats(stream: TunnelStream): Promise<void> {
    if (!this.summaries) throw new StreamError('BadRequest', 400, 'this agent does not serve usage summaries');
    const summary = await this.summaries.summary();
    if (stream.closed) return;
    stream.accept();
    await stream.write(CHANNEL_STDOUT, Buffer.from(JSON.stringify(summary)));
    stream.end({});
  }

  private async serveLog(stream: TunnelStream, r: LogStreamRequest, log: Logger): Promise<void> {
    const container = await findContainer(this.runtime, { ...r, previous: r.previous });
    const abort = new AbortController();
    stream.handlers = {
      closed: (reason) => {
        // The reader went away (kubectl killed, tunnel lost): stop reading Docker's log.
        abort.abort();
        if (reason !== 'end') log.debug({ reason }, 'stream stopped before its end');
      },
    };
    const out = await this.runtime.containerLogs(
      container.id,
      {
        follow: r.follow,
        timestamps: r.timestamps,
        ...(r.tailLines !== undefined ? { tailLines: r.tailLines } : {}),
        ...(r.sinceTime !== undefined ? { since: new Date(r.sinceTime) } : {}),
        ...(r.limitBytes !== undefined ? { limitBytes: r.limitBytes } : {}),
      },
      abort.signal,
    );
    if (stream.closed) {
      (out as unknown as { destroy?: () => void }).destroy?.();
      return;
    }
    stream.accept();
    try {
      for await (const chunk of out as AsyncIterable<Buffer | string>) {
        await stream.write(CHANNEL_STDOUT, Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
      }
    } catch (err) {
      if (stream.closed) return;
      throw err;
    } finally {
      abort.abort();
    }
    stream.end({});
  }

  private async serveExec(stream: TunnelStream, r: ExecStreamRequest, log: Logger): Promise<void> {
    // The kubelet's words when there is no running container to exec in.
    const notFound = new StreamError('NotRunning', 404, `container not found ("${r.container}")`);
    const container = await findContainer(this.runtime, { ...r, previous: false }).catch((err: unknown) => {
      throw err instanceof StreamError ? notFound : err;
    });
    if (container.state !== 'running') throw notFound;
    let session: ExecSession;
    try {
      session = await this.runtime.exec(container.id, { cmd: r.command, tty: r.tty, stdin: r.stdin, stdout: r.stdout, stderr: r.stderr });
    } catch (err) {
      throw new StreamError('RuntimeFailed', 500, `Internal error occurred: error executing command in container: ${(err as Error).message}`);
    }
    const stdin = session.stdin;
    stream.handlers = {
      data: (channel, payload, done) => {
        if (channel !== CHANNEL_STDIN || !stdin) return done();
        // Credit comes back only once the process's pipe took the bytes.
        if (stdin.write(payload)) done();
        else stdin.once('drain', done);
      },
      eof: (channel) => {
        if (channel === CHANNEL_STDIN) stdin?.end();
      },
      resize: (size) => void session.resize(size.width, size.height),
      closed: (reason) => {
        if (reason === 'end') return;
        log.debug({ reason }, 'stream stopped before its end');
        session.close?.();
      },
    };
    stream.accept();
    const pump = async (src: NodeJS.ReadableStream | undefined, channel: number) => {
      if (!src) return;
      for await (const chunk of src as AsyncIterable<Buffer | string>) {
        await stream.write(channel, Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
      }
    };
    try {
      await Promise.all([pump(session.stdout, CHANNEL_STDOUT), pump(session.stderr, CHANNEL_STDERR)]);
    } catch (err) {
      if (stream.closed) return;
      throw err;
    }
    if (stream.closed) return;
    const exitCode = await session.exitCode();
    stream.end({ exitCode });
  }
}
