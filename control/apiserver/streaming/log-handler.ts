// GET /api/v1/namespaces/{ns}/pods/{name}/log: the container's log as plain text, streamed
// from the pod's node over its tunnel. Headers go out only once the agent has accepted the
// stream, so every refusal still reaches kubectl as a Kubernetes Status.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, errors } from '../../../api/errors.js';
import type { TunnelStream } from '../../../api/tunnel/tunnel-mux.js';
import type { LogStreamRequest, StreamResult } from '../../../api/tunnel/tunnel-protocol.js';
import { runtimePodUid } from '../../../api/mirror-pod.js';
import type { Pod } from '../../../api/types.js';
import { chooseContainer, logContainerId } from './pod-container.js';
import { openStream, type StreamOpener } from './open-stream.js';

export interface LogOptions {
  container: string | null;
  follow: boolean;
  previous: boolean;
  timestamps: boolean;
  tailLines?: number;
  sinceSeconds?: number;
  sinceTime?: string;
  limitBytes?: number;
}

function bool(q: URLSearchParams, key: string): boolean {
  const v = q.get(key);
  if (v === null || v === '') return false;
  if (v === 'true' || v === '1' || v === 'True' || v === 'TRUE' || v === 't') return true;
  if (v === 'false' || v === '0' || v === 'False' || v === 'FALSE' || v === 'f') return false;
  throw errors.badRequest(`strconv.ParseBool: parsing "${v}": invalid syntax`);
}

function int(q: URLSearchParams, key: string): number | undefined {
  const v = q.get(key);
  if (v === null || v === '') return undefined;
  if (!/^-?\d+$/.test(v)) throw errors.badRequest(`strconv.ParseInt: parsing "${v}": invalid syntax`);
  return Number(v);
}

/** Decodes and validates PodLogOptions the way the API server does. */
export function parseLogOptions(q: URLSearchParams): LogOptions {
  const o: LogOptions = { container: q.get('container'), follow: bool(q, 'follow'), previous: bool(q, 'previous'), timestamps: bool(q, 'timestamps') };
  const tail = int(q, 'tailLines');
  const since = int(q, 'sinceSeconds');
  const limit = int(q, 'limitBytes');
  const sinceTime = q.get('sinceTime');
  const causes: string[] = [];
  if (tail !== undefined) {
    if (tail < 0) causes.push(`tailLines: Invalid value: ${tail}: must be greater than or equal to 0`);
    o.tailLines = tail;
  }
  if (limit !== undefined) {
    if (limit < 1) causes.push(`limitBytes: Invalid value: ${limit}: must be greater than 0`);
    o.limitBytes = limit;
  }
  if (since !== undefined) {
    if (since < 1) causes.push(`sinceSeconds: Invalid value: ${since}: must be greater than 0`);
    o.sinceSeconds = since;
  }
  if (sinceTime) {
    if (Number.isNaN(Date.parse(sinceTime))) throw errors.badRequest(`parsing time "${sinceTime}" as "2006-01-02T15:04:05Z07:00": cannot parse "${sinceTime}" as RFC 3339`);
    o.sinceTime = new Date(sinceTime).toISOString();
    if (since !== undefined) causes.push('at most one of `sinceTime` or `sinceSeconds` may be specified');
  }
  if (causes.length > 0) {
    throw errors.badRequest(`PodLogOptions is invalid: ${causes.length === 1 ? causes[0] : `[${causes.join(', ')}]`}`);
  }
  return o;
}

export async function serveLog(req: IncomingMessage, res: ServerResponse, pod: Pod, query: URLSearchParams, tunnels: StreamOpener): Promise<void> {
  const o = parseLogOptions(query);
  const container = chooseContainer(pod, o.container);
  // Not bound to a node yet: nothing has run, so there is no log (as the API server answers).
  if (!pod.spec.nodeName) {
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.end();
    return;
  }
  const containerId = logContainerId(pod, container, o.previous);
  const request: LogStreamRequest = {
    kind: 'log',
    namespace: pod.metadata.namespace ?? 'default',
    pod: pod.metadata.name ?? '',
    podUid: runtimePodUid(pod),
    container,
    ...(containerId ? { containerId } : {}),
    previous: o.previous,
    follow: o.follow,
    timestamps: o.timestamps,
    ...(o.tailLines !== undefined ? { tailLines: o.tailLines } : {}),
    ...(o.limitBytes !== undefined ? { limitBytes: o.limitBytes } : {}),
    ...(o.sinceTime !== undefined ? { sinceTime: o.sinceTime } : {}),
    ...(o.sinceSeconds !== undefined ? { sinceTime: new Date(Date.now() - o.sinceSeconds * 1000).toISOString() } : {}),
  };
  let headersSent = false;
  let stream: TunnelStream | undefined;
  let over = false;
  const clientGone = () => {
    if (!res.writableFinished) stream?.reset();
  };
  let finished: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (finished = resolve));
  stream = await openStream(tunnels, pod, request, {
    data: (_channel, payload, ack) => {
      if (!headersSent) {
        headersSent = true;
        res.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' });
      }
      // Credit returns once the bytes are on their way to kubectl: a slow reader slows the agent.
      res.write(payload, () => ack());
    },
    closed: (reason, result?: StreamResult) => {
      res.off('close', clientGone);
      if (!headersSent && result?.error && res.writable) {
        const err = new ApiError(result.error);
        res.writeHead(err.code, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(err.status));
      } else if (reason === 'tunnel-closed' && headersSent) {
        // Cut mid-stream: end abruptly so the client sees an incomplete body, not a clean EOF.
        res.destroy();
      } else if (!res.writableEnded) {
        if (!headersSent) res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.end();
      }
      over = true;
      finished();
    },
  });
  if (!over) {
    res.on('close', clientGone);
    if (res.destroyed) stream.reset();
  }
  await done;
  void req;
}
