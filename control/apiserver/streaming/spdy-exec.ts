// pods/{name}/exec for SPDY clients (kubectl ≤ 1.29, and ≥ 1.30 when it falls back): the
// remotecommand v4 protocol, one SPDY stream per channel. client-go opens them in a fixed
// order — error, then stdin, stdout, stderr (each if requested; no stderr with a tty), then
// resize (tty) — so the order identifies each stream. The exec runs on the pod's node,
// reached over the agent's tunnel, exactly as for websocket clients.

import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { ApiError, errors } from '../../../api/errors.js';
import type { TunnelStream } from '../../../api/tunnel/tunnel-mux.js';
import { CHANNEL_STDERR, CHANNEL_STDIN, CHANNEL_STDOUT, type ExecStreamRequest } from '../../../api/tunnel/tunnel-protocol.js';
import type { Pod, Status } from '../../../api/types.js';
import { exitStatus } from './exec-handler.js';
import { openStream, type StreamOpener } from './open-stream.js';
import { SpdyConnection } from './spdy-framing.js';

export const SPDY_PROTOCOL = 'v4.channel.k8s.io';
type Role = 'error' | 'stdin' | 'stdout' | 'stderr' | 'resize';
const STREAMS_TIMEOUT_MS = 30_000;

/** The v4 protocol must be among those the client offers (X-Stream-Protocol-Version). */
export function checkSpdyProtocols(req: IncomingMessage): void {
  const raw = req.headers['x-stream-protocol-version'];
  const offered = (Array.isArray(raw) ? raw.join(',') : raw ?? '').split(',').map((p) => p.trim()).filter(Boolean);
  if (!offered.includes(SPDY_PROTOCOL)) {
    throw errors.forbidden(`unable to upgrade: unable to negotiate protocol: client supports [${offered.join(' ')}], server supports [${SPDY_PROTOCOL}]`);
  }
}

export function serveSpdyExec(socket: Duplex, head: Buffer, pod: Pod, request: ExecStreamRequest, tunnels: StreamOpener): void {
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${SPDY_PROTOCOL}\r\n\r\n`);
  const roles: Role[] = ['error'];
  if (request.stdin) roles.push('stdin');
  if (request.stdout) roles.push('stdout');
  if (request.stderr && !request.tty) roles.push('stderr');
  if (request.tty) roles.push('resize');
  const ids = new Map<Role, number>();
  const roleOf = new Map<number, Role>();

  let stream: TunnelStream | undefined;
  let finished = false;
  // Client stdin may come before the agent accepted: it queues behind the start.
  let markStarted: () => void = () => undefined;
  let stdinChain = new Promise<void>((r) => (markStarted = r));
  let resizeText = '';

  const finish = (status: Status) => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    const errorId = ids.get('error');
    if (errorId !== undefined) conn.data(errorId, Buffer.from(JSON.stringify(status)), true);
    for (const role of ['stdout', 'stderr'] as const) {
      const id = ids.get(role);
      if (id !== undefined) conn.data(id, Buffer.alloc(0), true);
    }
    conn.close();
  };
  const timer = setTimeout(() => finish(errors.badRequest('timed out waiting for the client to create its streams').status), STREAMS_TIMEOUT_MS);
  timer.unref();

  const start = async () => {
    try {
      stream = await openStream(tunnels, pod, request, {
        data: (channel, payload, ack) => {
          const id = ids.get(channel === CHANNEL_STDOUT ? 'stdout' : channel === CHANNEL_STDERR ? 'stderr' : 'error');
          if (id === undefined || channel === 3) return ack();
          conn.data(id, payload, false, ack);
        },
        closed: (reason, result) => {
          if (reason === 'tunnel-closed') finish(errors.internal(`the connection to node "${pod.spec.nodeName ?? ''}" was lost`).status);
          else finish(exitStatus(result, request.command));
        },
      });
    } catch (err) {
      finish(err instanceof ApiError ? err.status : errors.internal(String(err)).status);
      return;
    } finally {
      markStarted();
    }
    if (conn.closed) stream.reset();
  };

  const conn = new SpdyConnection(socket, {
    synStream: (id) => {
      const role = roles[ids.size];
      conn.synReply(id);
      if (!role) return;
      ids.set(role, id);
      roleOf.set(id, role);
      if (ids.size === roles.length) {
        clearTimeout(timer);
        void start();
      }
    },
    data: (id, payload, fin) => {
      const role = roleOf.get(id);
      if (role === 'stdin') {
        if (payload.length > 0) {
          socket.pause();
          stdinChain = stdinChain
            .then(() => stream?.write(CHANNEL_STDIN, payload))
            .catch(() => undefined)
            .finally(() => socket.resume());
        }
        if (fin) stdinChain = stdinChain.then(() => stream?.eof(CHANNEL_STDIN));
      } else if (role === 'resize') {
        // A sequence of JSON objects {"Width":…,"Height":…}; one may span frames.
        resizeText += payload.toString('utf8');
        let end: number;
        while ((end = resizeText.indexOf('}')) >= 0) {
          const one = resizeText.slice(0, end + 1);
          resizeText = resizeText.slice(end + 1);
          try {
            const v = JSON.parse(one) as { Width?: unknown; Height?: unknown };
            if (typeof v.Width === 'number' && typeof v.Height === 'number') {
              const size = { width: v.Width, height: v.Height };
              stdinChain = stdinChain.then(() => stream?.resize(size));
            }
          } catch {
            // Ignore a malformed size, as the kubelet does.
          }
        }
      }
    },
    rst: () => undefined,
    closed: () => {
      finished = true;
      clearTimeout(timer);
      stream?.reset();
    },
  });
  if (head.length > 0) conn.feed(head);
}
