// The agent's one long-lived connection for streaming: a websocket it dials to the control
// server (authenticated like every other request), over which the server opens logs and
// exec streams. Agents therefore need no inbound port. Lost connections are redialled with
// exponential backoff; a dead peer is noticed by ping within ~30 s.

import type { Logger } from 'pino';
import { WebSocket } from 'ws';
import { tunnelPath } from '../../api/tunnel/tunnel-protocol.js';
import { TunnelMux } from '../../api/tunnel/tunnel-mux.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import type { SummaryProvider } from '../stats/summary-provider.js';
import { StreamServer } from './stream-server.js';

export interface TunnelClientOptions {
  server: string;
  token: string;
  caPem?: string;
  nodeName: string;
  runtime: ContainerRuntime;
  /** Answers the control server's usage requests (kubectl top). */
  summaries?: SummaryProvider;
  logger: Logger;
  userAgent?: string;
  /** Backoff bounds (tests shorten them). */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  pingIntervalMs?: number;
}

export class TunnelClient {
  private readonly streams: StreamServer;
  private connectedListeners: (() => void)[] = [];
  private mux: TunnelMux | undefined;

  constructor(private readonly o: TunnelClientOptions) {
    this.streams = new StreamServer(o.runtime, o.logger, o.summaries);
  }

  get connected(): boolean {
    return this.mux !== undefined && !this.mux.closed;
  }

  /** Keeps the tunnel up until signal aborts; resolves once the socket is closed. */
  async run(signal: AbortSignal): Promise<void> {
    const min = this.o.minBackoffMs ?? 500;
    const max = this.o.maxBackoffMs ?? 30_000;
    let backoff = min;
    while (!signal.aborted) {
      const started = Date.now();
      const err = await this.connectOnce(signal);
      if (signal.aborted) break;
      // A connection that lived a while was healthy: start the backoff over.
      if (Date.now() - started > 60_000) backoff = min;
      this.o.logger.warn({ err: err?.message, retryInMs: backoff }, 'streaming tunnel lost');
      await sleep(backoff + Math.floor(Math.random() * backoff * 0.2), signal);
      backoff = Math.min(max, backoff * 2);
    }
  }

  /** Resolves the next time the tunnel is up (tests, startup ordering). */
  whenConnected(): Promise<void> {
    if (this.connected) return Promise.resolve();
    return new Promise((resolve) => this.connectedListeners.push(resolve));
  }

  private connectOnce(signal: AbortSignal): Promise<Error | undefined> {
    const url = new URL(tunnelPath(this.o.nodeName), this.o.server);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    return new Promise((resolve) => {
      const ws = new WebSocket(url, {
        headers: { Authorization: `Bearer ${this.o.token}`, 'User-Agent': this.o.userAgent ?? `skiff-agent/${this.o.nodeName}` },
        ...(this.o.caPem ? { ca: this.o.caPem } : {}),
        handshakeTimeout: 15_000,
        perMessageDeflate: false,
      });
      let failure: Error | undefined;
      let alive = true;
      const ping = setInterval(() => {
        if (!alive) {
          failure = new Error('control server stopped answering pings');
          ws.terminate();
          return;
        }
        alive = false;
        if (ws.readyState === ws.OPEN) ws.ping();
      }, this.o.pingIntervalMs ?? 15_000);
      const onAbort = () => ws.close(1001, 'agent stopping');
      signal.addEventListener('abort', onAbort, { once: true });
      ws.on('pong', () => (alive = true));
      ws.on('open', () => {
        this.mux = new TunnelMux(ws, (stream, request) => this.streams.serve(stream, request));
        this.o.logger.info({ node: this.o.nodeName }, 'streaming tunnel connected');
        this.connectedListeners.splice(0).forEach((l) => l());
      });
      ws.on('unexpected-response', (_req, res) => {
        failure = new Error(`tunnel refused: HTTP ${res.statusCode ?? 0}`);
        res.resume();
        ws.terminate();
      });
      ws.on('error', (err) => (failure ??= err));
      ws.on('close', () => {
        clearInterval(ping);
        signal.removeEventListener('abort', onAbort);
        this.mux?.close();
        this.mux = undefined;
        resolve(failure);
      });
    });
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
