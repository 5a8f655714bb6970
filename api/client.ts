// The API client every Skiff component uses (scheduler, controllers, agent): plain REST over
// HTTPS with a bearer token, and watches over a websocket on the same URL (one long-lived
// connection per watch, cheap on a Pi, and it passes through the same auth as REST).

import https from 'node:https';
import http from 'node:http';
import { WebSocket } from 'ws';
import { ApiError, errors } from './errors.js';
import { resourcePath, type ResourceType } from './resources.js';
import type { DeleteOptions, KubeList, KubeObject, Status, WatchEvent } from './types.js';

export interface ClientOptions {
  /** https://host:port */
  server: string;
  token: string;
  /** PEM of the CA that signed the server's certificate. */
  caPem?: string;
  userAgent?: string;
  /** Per-request timeout for non-watch requests. */
  timeoutMs?: number;
}

export type PatchType = 'merge' | 'strategic' | 'json';

const patchContentTypes: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  json: 'application/json-patch+json',
};

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  signal?: AbortSignal;
}

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
  limit?: number;
  continue?: string;
}

export interface WatchOptions extends Omit<ListOptions, 'limit' | 'continue'> {
  allowWatchBookmarks?: boolean;
  timeoutSeconds?: number;
}

export class ApiClient {
  private readonly agent: https.Agent | http.Agent;
  private readonly url: URL;

  constructor(readonly options: ClientOptions) {
    this.url = new URL(options.server);
    const secure = this.url.protocol === 'https:';
    this.agent = secure
      ? new https.Agent({ keepAlive: true, maxSockets: 16, ...(options.caPem ? { ca: options.caPem } : {}) })
      : new http.Agent({ keepAlive: true, maxSockets: 16 });
  }

  close(): void {
    this.agent.destroy();
  }

  async request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const url = new URL(path, this.url);
    for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const body = opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
    const headers: Record<string, string> = {
      Authorization: `Bearer ${this.options.token}`,
      Accept: 'application/json',
      'User-Agent': this.options.userAgent ?? 'skiff',
    };
    if (body !== undefined) {
      headers['Content-Type'] = opts.contentType ?? 'application/json';
      headers['Content-Length'] = String(Buffer.byteLength(body));
    }
    const mod = this.url.protocol === 'https:' ? https : http;
    return new Promise<T>((resolve, reject) => {
      const req = mod.request(
        url,
        { method, headers, agent: this.agent, timeout: this.options.timeoutMs ?? 30_000, ...(opts.signal ? { signal: opts.signal } : {}) },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const code = res.statusCode ?? 0;
            let parsed: unknown;
            try {
              parsed = text ? JSON.parse(text) : undefined;
            } catch {
              parsed = undefined;
            }
            if (code >= 200 && code < 300) return resolve(parsed as T);
            const st = parsed as Status | undefined;
            if (st && st.kind === 'Status') return reject(new ApiError(st));
            reject(new ApiError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code, message: text || `HTTP ${code}` }));
          });
        },
      );
      req.on('timeout', () => req.destroy(errors.unavailable(`request to ${url.pathname} timed out`)));
      req.on('error', reject);
      if (body !== undefined) req.write(body);
      req.end();
    });
  }

  get<T extends KubeObject>(t: ResourceType, name: string, namespace?: string, subresource?: string): Promise<T> {
    return this.request<T>('GET', resourcePath(t, { namespace, name, subresource }));
  }

  list<T extends KubeObject>(t: ResourceType, opts: ListOptions = {}): Promise<KubeList<T>> {
    const { namespace, ...query } = opts;
    return this.request<KubeList<T>>('GET', resourcePath(t, { namespace }), { query: { ...query } });
  }

  create<T extends KubeObject>(t: ResourceType, obj: T, namespace?: string): Promise<T> {
    return this.request<T>('POST', resourcePath(t, { namespace: namespace ?? obj.metadata.namespace }), { body: obj });
  }

  update<T extends KubeObject>(t: ResourceType, obj: T, subresource?: string): Promise<T> {
    const path = resourcePath(t, { namespace: obj.metadata.namespace, name: obj.metadata.name, subresource });
    return this.request<T>('PUT', path, { body: obj });
  }

  patch<T extends KubeObject>(
    t: ResourceType,
    name: string,
    patch: unknown,
    opts: { namespace?: string | undefined; type?: PatchType; subresource?: string } = {},
  ): Promise<T> {
    const path = resourcePath(t, { namespace: opts.namespace, name, subresource: opts.subresource });
    return this.request<T>('PATCH', path, { body: patch, contentType: patchContentTypes[opts.type ?? 'merge'] });
  }

  delete<T = KubeObject | Status>(t: ResourceType, name: string, namespace?: string, options?: DeleteOptions): Promise<T> {
    const body = options ? { kind: 'DeleteOptions', apiVersion: 'v1', ...options } : undefined;
    return this.request<T>('DELETE', resourcePath(t, { namespace, name }), { body });
  }

  /**
   * Watches over a websocket until the signal aborts, the server ends the watch, or the
   * connection fails. Resolves on a clean end; rejects on connection errors and on an ERROR
   * event (as ApiError, e.g. 410 Expired: the caller relists).
   */
  watch<T extends KubeObject>(
    t: ResourceType,
    opts: WatchOptions,
    onEvent: (event: WatchEvent<T>) => void,
    signal: AbortSignal,
  ): Promise<void> {
    const { namespace, ...rest } = opts;
    const url = new URL(resourcePath(t, { namespace }), this.url);
    url.protocol = this.url.protocol === 'https:' ? 'wss:' : 'ws:';
    url.searchParams.set('watch', 'true');
    for (const [k, v] of Object.entries(rest)) if (v !== undefined) url.searchParams.set(k, String(v));
    return new Promise<void>((resolve, reject) => {
      if (signal.aborted) return resolve();
      const ws = new WebSocket(url, {
        headers: { Authorization: `Bearer ${this.options.token}`, 'User-Agent': this.options.userAgent ?? 'skiff' },
        ...(this.options.caPem ? { ca: this.options.caPem } : {}),
        handshakeTimeout: this.options.timeoutMs ?? 30_000,
      });
      let settled = false;
      const finish = (err?: unknown) => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        clearInterval(ping);
        ws.terminate();
        if (err) reject(err);
        else resolve();
      };
      const onAbort = () => finish();
      signal.addEventListener('abort', onAbort);
      // A half-open TCP connection (server host gone, NAT dropped) never errors by itself:
      // ping it so the caller learns within ~30 s and can reconnect.
      let alive = true;
      const ping = setInterval(() => {
        if (!alive) return finish(errors.unavailable('watch connection stopped answering'));
        alive = false;
        ws.ping();
      }, 15_000);
      ping.unref();
      ws.on('pong', () => (alive = true));
      ws.on('unexpected-response', (_req, res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          try {
            finish(new ApiError(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Status));
          } catch {
            finish(new ApiError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: res.statusCode ?? 0, message: `watch failed: HTTP ${res.statusCode}` }));
          }
        });
      });
      ws.on('message', (data) => {
        alive = true;
        let event: WatchEvent<T>;
        try {
          event = JSON.parse(data.toString()) as WatchEvent<T>;
        } catch {
          return finish(errors.internal('malformed watch event'));
        }
        if (event.type === 'ERROR') return finish(new ApiError(event.object as unknown as Status));
        try {
          onEvent(event);
        } catch (err) {
          finish(err);
        }
      });
      ws.on('close', () => finish());
      ws.on('error', (err) => finish(err));
    });
  }
}
