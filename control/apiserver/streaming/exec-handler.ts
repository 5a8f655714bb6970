// pods/{name}/exec over a websocket, the remotecommand channel protocol kubectl ≥ 1.30 speaks
// (v5.channel.k8s.io; v4 too): every binary message starts with its channel byte —
// 0 stdin, 1 stdout, 2 stderr, 3 error (a Status, sent once at the end), 4 resize (JSON
// {Width, Height}), and in v5 255 close (payload: the channel the client closed).
// The exec itself runs on the pod's node, reached over the agent's tunnel.

import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { ApiError, errors } from '../../../api/errors.js';
import type { TunnelStream } from '../../../api/tunnel/tunnel-mux.js';
import { CHANNEL_STDERR, CHANNEL_STDIN, CHANNEL_STDOUT, type ExecStreamRequest, type StreamResult } from '../../../api/tunnel/tunnel-protocol.js';
import { runtimePodUid } from '../../../api/mirror-pod.js';
import type { Pod, Status } from '../../../api/types.js';
import { chooseContainer } from './pod-container.js';
import { noTunnel, openStream, type StreamOpener } from './open-stream.js';
import { checkSpdyProtocols, serveSpdyExec } from './spdy-exec.js';

export const CHANNEL_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'] as const;
const CHANNEL_ERROR = 3;
const CHANNEL_RESIZE = 4;
const CHANNEL_CLOSE = 255;

export interface ExecOptions {
  container: string | null;
  command: string[];
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

function flag(q: URLSearchParams, key: string): boolean {
  const v = q.get(key);
  return v === 'true' || v === '1' || v === 'True' || v === 'TRUE' || v === 't';
}

/** PodExecOptions from the query, validated as the API server validates them. */
export function parseExecOptions(q: URLSearchParams): ExecOptions {
  const o: ExecOptions = {
    container: q.get('container'),
    command: q.getAll('command'),
    stdin: flag(q, 'stdin'),
    stdout: flag(q, 'stdout'),
    stderr: flag(q, 'stderr'),
    tty: flag(q, 'tty'),
  };
  if (o.command.length === 0) throw errors.badRequest('you must specify at least one command for the container');
  if (!o.stdin && !o.stdout && !o.stderr) throw errors.badRequest('you must specify at least 1 of stdin, stdout, stderr');
  // With a terminal, stderr is merged into stdout.
  if (o.tty && o.stderr) o.stderr = false;
  return o;
}

/** The subprotocol the client offered that we speak, or undefined (SPDY-only clients). */
export function pickChannelProtocol(header: string | undefined): string | undefined {
  const offered = (header ?? '').split(',').map((p) => p.trim());
  return CHANNEL_PROTOCOLS.find((p) => offered.includes(p));
}

/** Checks made before the upgrade, so refusals are plain HTTP Status responses. */
export function checkExec(pod: Pod, o: ExecOptions): string {
  const container = chooseContainer(pod, o.container);
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') {
    throw errors.badRequest(`cannot exec into a container in a completed pod; current phase is ${phase}`);
  }
  if (!pod.spec.nodeName) throw errors.badRequest(`pod ${pod.metadata.name} does not have a host assigned`);
  return container;
}

export function exitStatus(result: StreamResult | undefined, command: string[]): Status {
  const base = { kind: 'Status' as const, apiVersion: 'v1' as const, metadata: {} };
  if (result?.error) return result.error;
  const code = result?.exitCode;
  if (code === 0) return { ...base, status: 'Success', code: 0 };
  if (code === undefined) {
    return { ...base, status: 'Failure', code: 500, reason: 'InternalError', message: 'Internal error occurred: the exec stream ended without an exit code' };
  }
  return {
    ...base,
    status: 'Failure',
    code: 500,
    reason: 'NonZeroExitCode',
    message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${code}`,
    details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
  };
}

export class ExecHandler {
  private readonly wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    handleProtocols: (offered) => CHANNEL_PROTOCOLS.find((p) => offered.has(p)) ?? false,
  });

  constructor(private readonly tunnels: StreamOpener) {}

  /** Validates, then upgrades; throws ApiError before the upgrade for the caller to answer. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, pod: Pod, query: URLSearchParams): void {
    const o = parseExecOptions(query);
    const container = checkExec(pod, o);
    if (!this.tunnels.get(pod.spec.nodeName ?? '')) throw noTunnel(pod.spec.nodeName ?? '');
    // Refusals above come first: kubectl ≥ 1.30 retries a failed websocket upgrade over
    // SPDY, which then shows the same reason.
    const upgrade = (req.headers.upgrade ?? '').toLowerCase();
    const spdy = upgrade === 'spdy/3.1';
    if (spdy) checkSpdyProtocols(req);
    else if (upgrade !== 'websocket') throw errors.badRequest(`unable to upgrade connection: ${req.headers.upgrade ?? ''} is not supported (use websocket or SPDY/3.1)`);
    else if (!pickChannelProtocol(req.headers['sec-websocket-protocol'])) {
      throw errors.badRequest(`unable to upgrade connection: this server speaks only the websocket protocols ${CHANNEL_PROTOCOLS.join(', ')}`);
    }
    const request: ExecStreamRequest = {
      kind: 'exec',
      namespace: pod.metadata.namespace ?? 'default',
      pod: pod.metadata.name ?? '',
      podUid: runtimePodUid(pod),
      container,
      command: o.command,
      stdin: o.stdin,
      stdout: o.stdout,
      stderr: o.stderr,
      tty: o.tty,
    };
    if (spdy) return serveSpdyExec(socket, head, pod, request, this.tunnels);
    this.wss.handleUpgrade(req, socket, head, (ws) => void this.session(ws, pod, request));
  }

  close(): void {
    for (const ws of this.wss.clients) ws.terminate();
  }

  private async session(ws: WebSocket, pod: Pod, request: ExecStreamRequest): Promise<void> {
    const v5 = ws.protocol === 'v5.channel.k8s.io';
    const send = (channel: number, payload: Buffer, cb?: () => void) => {
      if (ws.readyState !== ws.OPEN) return cb?.();
      ws.send(Buffer.concat([Buffer.from([channel]), payload]), { binary: true }, () => cb?.());
    };
    let finished = false;
    const finish = (status: Status) => {
      if (finished) return;
      finished = true;
      send(CHANNEL_ERROR, Buffer.from(JSON.stringify(status)));
      ws.close(1000);
    };
    // Tell the client the connection is up: an empty frame on the lowest channel it reads.
    send(request.stdout ? CHANNEL_STDOUT : request.stderr ? CHANNEL_STDERR : CHANNEL_ERROR, Buffer.alloc(0));

    // Client frames that arrive before the agent accepted wait here, in order.
    const early: Buffer[] = [];
    let stream: TunnelStream | undefined;
    let stdinChain = Promise.resolve();
    const fromClient = (msg: Buffer) => {
      if (!stream) return void early.push(msg);
      const channel = msg[0];
      const payload = msg.subarray(1);
      const s = stream;
      switch (channel) {
        case CHANNEL_STDIN:
          if (!request.stdin || payload.length === 0) return;
          // Hold further client frames until the agent has credit for these bytes.
          ws.pause();
          stdinChain = stdinChain.then(() => s.write(CHANNEL_STDIN, payload)).catch(() => undefined).finally(() => ws.resume());
          return;
        case CHANNEL_RESIZE: {
          const size = parseSize(payload);
          if (size) s.resize(size);
          return;
        }
        case CHANNEL_CLOSE:
          if (v5 && payload[0] === CHANNEL_STDIN) stdinChain = stdinChain.then(() => s.eof(CHANNEL_STDIN));
          return;
        default:
          return;
      }
    };
    ws.on('message', (data, isBinary) => {
      const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
      if (isBinary && buf.length > 0) fromClient(buf);
    });
    ws.on('close', () => {
      finished = true;
      stream?.reset();
    });
    ws.on('error', () => ws.terminate());

    try {
      stream = await openStream(this.tunnels, pod, request, {
        data: (channel, payload, ack) => {
          if (channel === CHANNEL_STDOUT || channel === CHANNEL_STDERR) send(channel, payload, ack);
          else ack();
        },
        closed: (reason, result) => {
          if (reason === 'tunnel-closed') {
            finish(errors.internal(`the connection to node "${pod.spec.nodeName ?? ''}" was lost`).status);
          } else {
            // Output frames were queued on the socket before this, so they arrive first.
            finish(exitStatus(result, request.command));
          }
        },
      });
    } catch (err) {
      const status = err instanceof ApiError ? err.status : errors.internal(String(err)).status;
      finish(status);
      return;
    }
    if (ws.readyState !== ws.OPEN) {
      stream.reset();
      return;
    }
    for (const msg of early.splice(0)) fromClient(msg);
  }
}

function parseSize(payload: Buffer): { width: number; height: number } | undefined {
  try {
    const v = JSON.parse(payload.toString('utf8')) as { Width?: unknown; Height?: unknown };
    if (typeof v.Width === 'number' && typeof v.Height === 'number') return { width: v.Width, height: v.Height };
  } catch {
    // A malformed resize is ignored, as the kubelet does.
  }
  return undefined;
}
