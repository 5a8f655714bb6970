// A shared informer in the client-go sense: list, then watch from the list's
// resourceVersion, keep a local cache, tell handlers about changes. After a dropped watch it
// resumes from the last resourceVersion it saw; on 410 Expired it relists and reconciles
// the cache (synthesising the deletes it missed). Handlers must treat objects as read-only.

import type { Logger } from 'pino';
import type { ApiClient, WatchOptions } from './client.js';
import { isExpired } from './errors.js';
import type { ResourceType } from './resources.js';
import type { KubeObject } from './types.js';

export interface InformerHandlers<T> {
  onAdd?(obj: T): void;
  onUpdate?(oldObj: T, newObj: T): void;
  onDelete?(obj: T): void;
}

export interface InformerOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  logger?: Logger;
  /** Upper bound of the reconnect backoff. */
  maxBackoffMs?: number;
}

export function objectKey(obj: KubeObject): string {
  const { namespace, name } = obj.metadata;
  return namespace ? `${namespace}/${name}` : `${name}`;
}

export class Informer<T extends KubeObject> {
  private readonly cache = new Map<string, T>();
  private readonly handlers: InformerHandlers<T>[] = [];
  private resourceVersion = '';
  private syncedFlag = false;
  private resolveSynced!: () => void;
  /** Resolves after the first list has been delivered to handlers. */
  readonly synced: Promise<void> = new Promise((r) => (this.resolveSynced = r));

  constructor(
    private readonly client: ApiClient,
    readonly type: ResourceType,
    private readonly options: InformerOptions = {},
  ) {}

  addHandlers(h: InformerHandlers<T>): void {
    this.handlers.push(h);
  }

  hasSynced(): boolean {
    return this.syncedFlag;
  }

  get(key: string): T | undefined {
    return this.cache.get(key);
  }

  list(): T[] {
    return [...this.cache.values()];
  }

  get lastResourceVersion(): string {
    return this.resourceVersion;
  }

  async run(signal: AbortSignal): Promise<void> {
    let backoff = 250;
    const maxBackoff = this.options.maxBackoffMs ?? 5_000;
    let needList = true;
    while (!signal.aborted) {
      try {
        if (needList) {
          await this.relist();
          needList = false;
        }
        await this.watchOnce(signal);
        backoff = 250; // a watch that ran and ended normally is not a failure
      } catch (err) {
        if (signal.aborted) break;
        if (isExpired(err)) {
          this.options.logger?.info({ resource: this.type.resource }, 'watch expired, relisting');
          needList = true;
          continue;
        }
        this.options.logger?.warn({ resource: this.type.resource, err: (err as Error).message }, 'watch failed, retrying');
        await sleep(backoff, signal);
        backoff = Math.min(backoff * 2, maxBackoff);
      }
    }
  }

  private query(): WatchOptions {
    const q: WatchOptions = {};
    if (this.options.namespace) q.namespace = this.options.namespace;
    if (this.options.labelSelector) q.labelSelector = this.options.labelSelector;
    if (this.options.fieldSelector) q.fieldSelector = this.options.fieldSelector;
    return q;
  }

  private async relist(): Promise<void> {
    const list = await this.client.list<T>(this.type, this.query());
    const seen = new Set<string>();
    for (const obj of list.items) {
      const key = objectKey(obj);
      seen.add(key);
      this.upsert(key, obj);
    }
    for (const [key, obj] of this.cache) {
      if (!seen.has(key)) {
        this.cache.delete(key);
        for (const h of this.handlers) h.onDelete?.(obj);
      }
    }
    this.resourceVersion = list.metadata.resourceVersion ?? '';
    if (!this.syncedFlag) {
      this.syncedFlag = true;
      this.resolveSynced();
    }
  }

  private upsert(key: string, obj: T): void {
    const old = this.cache.get(key);
    this.cache.set(key, obj);
    if (!old) for (const h of this.handlers) h.onAdd?.(obj);
    else if (old.metadata.resourceVersion !== obj.metadata.resourceVersion) for (const h of this.handlers) h.onUpdate?.(old, obj);
  }

  private watchOnce(signal: AbortSignal): Promise<void> {
    const opts: WatchOptions = { ...this.query(), resourceVersion: this.resourceVersion, allowWatchBookmarks: true };
    return this.client.watch<T>(
      this.type,
      opts,
      (event) => {
        const rv = event.object.metadata?.resourceVersion;
        if (event.type === 'BOOKMARK') {
          if (rv) this.resourceVersion = rv;
          return;
        }
        const key = objectKey(event.object);
        if (event.type === 'DELETED') {
          const old = this.cache.get(key) ?? event.object;
          this.cache.delete(key);
          for (const h of this.handlers) h.onDelete?.(old);
        } else {
          this.upsert(key, event.object);
        }
        if (rv) this.resourceVersion = rv;
      },
      signal,
    );
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
