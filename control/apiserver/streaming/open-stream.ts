// Opens a stream to the agent of a node (or of the node a pod is bound to) and waits until the agent has
// accepted it (or refused it with a Status). A node without a tunnel, or an agent that does
// not answer in time, is an error right away, never a hang.

import { ApiError, errors } from '../../../api/errors.js';
import type { StreamHandlers, TunnelStream } from '../../../api/tunnel/tunnel-mux.js';
import type { StreamRequest } from '../../../api/tunnel/tunnel-protocol.js';
import type { Pod } from '../../../api/types.js';
import type { TunnelRegistry } from './tunnel-registry.js';

export type StreamOpener = Pick<TunnelRegistry, 'get'>;

const ACCEPT_TIMEOUT_MS = 30_000;

export function noTunnel(nodeName: string): ApiError {
  return errors.internal(`node "${nodeName}" has no streaming connection to the control server (is its skiff agent running?)`);
}

/** handlers take over synchronously on accept, so no frame that follows it can be missed. */
export function openStream(tunnels: StreamOpener, pod: Pod, request: StreamRequest, handlers: StreamHandlers): Promise<TunnelStream> {
  return openNodeStream(tunnels, pod.spec.nodeName ?? '', request, handlers);
}

/** The same, to a node rather than to the node of a pod (usage summaries). */
export function openNodeStream(tunnels: StreamOpener, nodeName: string, request: StreamRequest, handlers: StreamHandlers): Promise<TunnelStream> {
  const mux = tunnels.get(nodeName);
  if (!mux) return Promise.reject(noTunnel(nodeName));
  const stream = mux.open(request);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stream.reset();
      reject(errors.internal(`node "${nodeName}" did not answer the ${request.kind} request within ${ACCEPT_TIMEOUT_MS / 1000}s`));
    }, ACCEPT_TIMEOUT_MS);
    stream.handlers = {
      accept: () => {
        clearTimeout(timer);
        stream.handlers = handlers;
        resolve(stream);
      },
      closed: (reason, result) => {
        clearTimeout(timer);
        if (result?.error) reject(new ApiError(result.error));
        else if (reason === 'tunnel-closed') reject(noTunnel(nodeName));
        else reject(errors.internal(`node "${nodeName}" ended the ${request.kind} stream before it started`));
      },
    };
  });
}
