// The API server's streaming front: agents' tunnels in, pods/log and pods/exec out over
// them. The server's request and upgrade paths call in here.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { errors } from '../../../api/errors.js';
import type { Pod } from '../../../api/types.js';
import type { UserInfo } from '../auth.js';
import { ExecHandler } from './exec-handler.js';
import { serveLog } from './log-handler.js';
import { TunnelEndpoint, tunnelNodeName } from './tunnel-endpoint.js';
import { TunnelRegistry } from './tunnel-registry.js';

export interface PodStreamingOptions {
  nodeExists: (name: string) => Promise<boolean>;
  logger: Logger;
}

export class PodStreaming {
  readonly tunnels = new TunnelRegistry();
  private readonly endpoint: TunnelEndpoint;
  private readonly exec: ExecHandler;

  constructor(o: PodStreamingOptions) {
    this.endpoint = new TunnelEndpoint(this.tunnels, o.nodeExists, o.logger.child({ component: 'streaming' }));
    this.exec = new ExecHandler(this.tunnels);
  }

  /** The node name when pathname is an agent's tunnel endpoint. */
  tunnelNode(pathname: string): string | undefined {
    return tunnelNodeName(pathname);
  }

  acceptTunnel(req: IncomingMessage, socket: Duplex, head: Buffer, user: UserInfo, nodeName: string): Promise<void> {
    return this.endpoint.upgrade(req, socket, head, user, nodeName);
  }

  /** GET pods/{name}/log (and exec without an upgrade, which Kubernetes refuses too). */
  async serve(req: IncomingMessage, res: ServerResponse, subresource: 'log' | 'exec', pod: Pod, query: URLSearchParams): Promise<void> {
    if (subresource === 'exec') throw errors.badRequest('Upgrade request required');
    if (req.method !== 'GET') throw errors.methodNotAllowed('the server does not allow this method on the requested resource');
    await serveLog(req, res, pod, query, this.tunnels);
  }

  /** Throws (before any upgrade) the ApiError to answer with. */
  upgradeExec(req: IncomingMessage, socket: Duplex, head: Buffer, pod: Pod, query: URLSearchParams): void {
    this.exec.upgrade(req, socket, head, pod, query);
  }

  close(): void {
    this.exec.close();
    this.endpoint.close();
  }
}
