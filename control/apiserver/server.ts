// The HTTPS front of the API server: authentication, routing to discovery / resources,
// websocket upgrades for watches, and the unauthenticated endpoints a joining node needs
// (/cacerts, health). Every failure leaves as a Kubernetes Status; nothing a client sends
// can take the process down.

import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import { errors } from '../../api/errors.js';
import type { ResourceType } from '../../api/resources.js';
import type { Pod, Status } from '../../api/types.js';
import type { Store } from '../store/store.js';
import { Authenticator, type UserInfo } from './auth.js';
import { RequestAuthorization } from './authorization/index.js';
import type { NodeJoin } from './node-join.js';
import { NODE_JOIN_PATH } from '../../api/join-token.js';
import {
  aggregatedContentType,
  aggregatedDiscovery,
  apiGroup,
  apiGroupList,
  apiVersions,
  groupVersions,
  negotiateAggregated,
  resourceList,
  versionInfo,
} from './handlers/discovery.js';
import { OPENAPI_V2_PROTOBUF, OPENAPI_V2_PROTOBUF_CONTENT_TYPE, openapiV2, openapiV2Protobuf } from './handlers/openapi.js';
import { isWatch, ResourceHandler } from './handlers/resource-handler.js';
import { negotiate } from './http/negotiate.js';
import { sendError, sendJson, toApiError } from './http/respond.js';
import type { ResourceStorage } from './registry/storage.js';
import { resolveResourcePath, type ResolvedPath } from './router.js';
import { PodStreaming } from './streaming/pod-streaming.js';
import { serializeWatchEvent } from './watch/watch-source.js';
import { MetricsApi, metricsTypes, parseMetricsPath } from './metrics/metrics-api.js';

export interface ApiServerOptions {
  store: Store;
  storages: ResourceStorage[];
  authenticator: Authenticator;
  /** Where agents trade a join token for their node credential; absent: no joins. */
  nodeJoin?: NodeJoin;
  tls: { certPem: string; keyPem: string; caPem: string };
  logger: Logger;
  version: string;
}

export class ApiServer {
  private readonly server: https.Server;
  private readonly wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  private readonly handler: ResourceHandler;
  private readonly byGroupVersion: Map<string, ResourceType[]>;
  private readonly storages = new Map<string, ResourceStorage>();
  private readonly types: ResourceType[];
  /** What discovery lists: the stored types and metrics.k8s.io. */
  private readonly discoveryTypes: ResourceType[];
  private address = '';
  private readonly streaming: PodStreaming;
  private readonly metrics: MetricsApi;
  private readonly authorization: RequestAuthorization;

  constructor(private readonly options: ApiServerOptions) {
    this.handler = new ResourceHandler(options.store, this.lookup);
    this.authorization = new RequestAuthorization(options.storages);
    this.streaming = new PodStreaming({
      nodeExists: async (name) => {
        const nodes = this.storages.get('v1|nodes');
        return nodes ? nodes.get(undefined, name).then(() => true, () => false) : false;
      },
      logger: options.logger,
    });
    this.types = options.storages.map((s) => s.type);
    this.discoveryTypes = [...this.types, ...metricsTypes];
    this.byGroupVersion = groupVersions(this.discoveryTypes);
    this.metrics = new MetricsApi({
      tunnels: this.streaming.tunnels,
      nodes: () => this.storages.get('v1|nodes'),
      pods: () => this.storages.get('v1|pods'),
      logger: options.logger,
    });
    for (const s of options.storages) {
      const gv = s.type.group ? `${s.type.group}/${s.type.version}` : s.type.version;
      this.storages.set(`${gv}|${s.type.resource}`, s);
    }
    this.server = https.createServer(
      { cert: options.tls.certPem, key: options.tls.keyPem, requestTimeout: 0, keepAliveTimeout: 65_000 },
      (req, res) => void this.serve(req, res),
    );
    this.server.on('upgrade', (req, socket, head) => void this.upgrade(req, socket, head));
    this.server.on('clientError', (_err, socket) => socket.destroy());
  }

  private lookup = (gv: string, resource: string) => this.storages.get(`${gv}|${resource}`);

  listen(host: string, port: number): Promise<{ host: string; port: number }> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        const addr = this.server.address();
        const bound = typeof addr === 'object' && addr ? { host, port: addr.port } : { host, port };
        this.address = `${host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host}:${bound.port}`;
        resolve(bound);
      });
    });
  }

  /** Stops accepting, ends watches (clients reconnect elsewhere/later), closes idle sockets. */
  async close(): Promise<void> {
    for (const ws of this.wss.clients) ws.terminate();
    this.streaming.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = Date.now();
    try {
      const url = requestUrl(req);
      if (await this.serveUnauthenticated(url.pathname, res)) return;
      if (url.pathname === NODE_JOIN_PATH && this.options.nodeJoin) return await this.options.nodeJoin.serve(req, res);
      const user = await this.options.authenticator.authenticate(req);
      await this.route(req, res, url, user);
    } catch (err) {
      const api = toApiError(err);
      if (api.code >= 500) this.options.logger.error({ err, method: req.method, url: req.url }, 'request failed');
      sendError(res, api);
    } finally {
      this.options.logger.debug({ method: req.method, url: req.url, code: res.statusCode, ms: Date.now() - started }, 'request');
    }
  }

  private async serveUnauthenticated(path: string, res: ServerResponse): Promise<boolean> {
    switch (path) {
      case '/cacerts':
        res.writeHead(200, { 'Content-Type': 'application/x-pem-file' });
        res.end(this.options.tls.caPem);
        return true;
      case '/healthz':
      case '/livez':
      case '/readyz':
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.end('ok');
        return true;
      default:
        return false;
    }
  }

  private async route(req: IncomingMessage, res: ServerResponse, url: URL, user: UserInfo): Promise<void> {
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const get = req.method === 'GET';
    if (get && path === '/openapi/v2' && (req.headers.accept ?? '').includes(OPENAPI_V2_PROTOBUF)) {
      const body = openapiV2Protobuf(this.options.version);
      res.writeHead(200, { 'Content-Type': OPENAPI_V2_PROTOBUF_CONTENT_TYPE, 'Content-Length': body.length });
      res.end(body);
      return;
    }
    if (get && (path === '/api' || path === '/apis')) {
      const aggregated = negotiateAggregated(req.headers.accept);
      if (aggregated) {
        return sendJson(res, 200, aggregatedDiscovery(this.discoveryTypes, path === '/api' ? 'core' : 'groups', aggregated), aggregatedContentType(aggregated));
      }
    }
    if (get) {
      const doc = this.discovery(path);
      if (doc) return sendJson(res, 200, doc);
    }
    const metrics = parseMetricsPath(path);
    if (metrics) {
      await this.authorization.metrics(user, metrics.resource, metrics.namespace, metrics.name);
      return this.metrics.serve(res, req.method ?? 'GET', metrics, url.searchParams);
    }
    const found = resolveResourcePath(path, this.lookup);
    if (!found) throw errors.pathNotFound(path);
    const resolved = await this.authorization.resource(user, req.method ?? 'GET', found, url.searchParams, isWatch(url.searchParams));
    const streamed = streamingSubresource(resolved);
    if (streamed) {
      const pod = (await resolved.storage.get(resolved.namespace, resolved.name!)) as Pod;
      return this.streaming.serve(req, res, streamed, pod, url.searchParams);
    }
    await this.handler.handle(req, res, { ...resolved, query: url.searchParams });
  }

  private discovery(path: string): unknown {
    switch (path) {
      case '/version':
        return versionInfo(this.options.version);
      case '/api':
        return apiVersions(this.address);
      case '/apis':
        return apiGroupList(this.discoveryTypes);
      case '/openapi/v2':
        return openapiV2(this.types, this.options.version);
    }
    const core = /^\/api\/(v1)$/.exec(path);
    if (core) return resourceList('v1', this.byGroupVersion.get('v1') ?? []);
    const group = /^\/apis\/([^/]+)$/.exec(path);
    if (group) {
      const doc = apiGroup(this.discoveryTypes, group[1]!);
      if (!doc) throw errors.pathNotFound(path);
      return doc;
    }
    const gv = /^\/apis\/([^/]+\/[^/]+)$/.exec(path);
    if (gv) {
      const types = this.byGroupVersion.get(gv[1]!);
      if (!types) throw errors.pathNotFound(path);
      return resourceList(gv[1]!, types);
    }
    return undefined;
  }

  /** Websocket upgrades: watches (the agent's transport), agents' streaming tunnels, pods/exec. */
  private async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', () => socket.destroy());
    try {
      const user = await this.options.authenticator.authenticate(req);
      const url = requestUrl(req);
      const tunnelNode = this.streaming.tunnelNode(url.pathname);
      if (tunnelNode !== undefined && req.method === 'GET') {
        this.authorization.tunnel(user, tunnelNode);
        return await this.streaming.acceptTunnel(req, socket, head, user, tunnelNode);
      }
      const found = resolveResourcePath(url.pathname.replace(/\/+$/, ''), this.lookup);
      const resolved = found && (await this.authorization.resource(user, req.method === 'POST' ? 'POST' : 'GET', found, url.searchParams, isWatch(url.searchParams)));
      if (resolved && streamingSubresource(resolved) === 'exec' && (req.method === 'GET' || req.method === 'POST')) {
        const pod = (await resolved.storage.get(resolved.namespace, resolved.name!)) as Pod;
        return this.streaming.upgradeExec(req, socket, head, pod, url.searchParams);
      }
      if (!resolved || req.method !== 'GET' || !isWatch(url.searchParams)) throw errors.badRequest('only watch requests can be upgraded to a websocket');
      const rep = negotiate(req.headers.accept);
      this.wss.handleUpgrade(req, socket, head, (ws) => void this.watchOverWebsocket(ws, { ...resolved, query: url.searchParams }, rep));
    } catch (err) {
      const api = toApiError(err);
      const body = JSON.stringify(api.status);
      socket.end(
        `HTTP/1.1 ${api.code} ${api.reason ?? 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    }
  }

  private async watchOverWebsocket(ws: WebSocket, r: Parameters<ResourceHandler['serveWatch']>[0], rep: ReturnType<typeof negotiate>): Promise<void> {
    const closers: (() => void)[] = [];
    const close = () => closers.splice(0).forEach((fn) => fn());
    ws.on('close', close);
    ws.on('error', close);
    try {
      await this.handler.serveWatch(r, rep, {
        send: (event) => {
          if (ws.readyState === ws.OPEN) ws.send(serializeWatchEvent(event));
        },
        fail: (err) => {
          if (err && ws.readyState === ws.OPEN) {
            const status: Status = toApiError(err).status;
            ws.send(JSON.stringify({ type: 'ERROR', object: status }));
          }
          ws.close();
          close();
        },
        onClose: (fn) => closers.push(fn),
      });
    } catch (err) {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ type: 'ERROR', object: toApiError(err).status }));
      ws.close();
      close();
    }
  }
}

/** pods/log and pods/exec are served by the streaming front, not the REST handler. */
function streamingSubresource(r: ResolvedPath): 'log' | 'exec' | undefined {
  if (r.storage.type.resource !== 'pods' || r.storage.type.group || r.name === undefined) return undefined;
  return r.subresource === 'log' || r.subresource === 'exec' ? r.subresource : undefined;
}

/**
 * The request target as a URL. Appended to a fixed origin rather than resolved against
 * it: a target such as `//x` is a path here, never another host (nor an invalid URL).
 */
function requestUrl(req: IncomingMessage): URL {
  const target = req.url ?? '/';
  try {
    return new URL(`https://localhost${target.startsWith('/') ? '' : '/'}${target}`);
  } catch {
    throw errors.badRequest(`invalid request target: ${JSON.stringify(target.slice(0, 200))}`);
  }
}
