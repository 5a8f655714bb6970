// Accepts agents' tunnels: GET /api/v1/nodes/{node}/proxy/skiff-tunnel upgraded to a
// websocket, from a caller in the system:nodes group, for a Node that exists. Dead tunnels
// are found by ping and dropped, so a request never waits on a half-open connection.

import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { WebSocketServer } from 'ws';
import { errors } from '../../../api/errors.js';
import { TunnelMux } from '../../../api/tunnel/tunnel-mux.js';
import { TUNNEL_PATH_SUFFIX } from '../../../api/tunnel/tunnel-protocol.js';
import type { UserInfo } from '../auth.js';
import type { TunnelRegistry } from './tunnel-registry.js';

const PATH = new RegExp(`^/api/v1/nodes/([^/]+)/${TUNNEL_PATH_SUFFIX}$`);
const PING_MS = 15_000;

export function tunnelNodeName(pathname: string): string | undefined {
  const m = PATH.exec(pathname);
  if (!m) return undefined;
  try {
    return decodeURIComponent(m[1]!);
  } catch {
    return undefined;
  }
}

export class TunnelEndpoint {
  private readonly wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 1024 * 1024 });
  private readonly ping: NodeJS.Timeout;

  constructor(
    private readonly registry: TunnelRegistry,
    private readonly nodeExists: (name: string) => Promise<boolean>,
    private readonly logger: Logger,
  ) {
    const alive = new WeakSet<object>();
    this.ping = setInterval(() => {
      for (const ws of this.wss.clients) {
        if (!alive.has(ws)) {
          ws.terminate();
          continue;
        }
        alive.delete(ws);
        ws.ping();
      }
    }, PING_MS);
    this.ping.unref();
    this.wss.on('connection', (ws) => {
      alive.add(ws);
      ws.on('pong', () => alive.add(ws));
    });
  }

  /** Throws an ApiError (answered by the caller) when the caller may not hold this tunnel. */
  async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, user: UserInfo, nodeName: string): Promise<void> {
    if (!user.groups.includes('system:nodes')) {
      throw errors.forbidden(`nodes "${nodeName}" is forbidden: User "${user.name}" cannot get resource "nodes/proxy" in API group "" at the cluster scope`);
    }
    if (!(await this.nodeExists(nodeName))) throw errors.notFound({ groupResource: 'nodes', name: nodeName });
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      this.wss.emit('connection', ws, req);
      const mux = new TunnelMux(ws);
      this.registry.register(nodeName, mux);
      this.logger.info({ node: nodeName }, 'agent tunnel connected');
      mux.onClose(() => this.logger.info({ node: nodeName }, 'agent tunnel closed'));
    });
  }

  close(): void {
    clearInterval(this.ping);
    this.registry.closeAll();
    for (const ws of this.wss.clients) ws.terminate();
  }
}
