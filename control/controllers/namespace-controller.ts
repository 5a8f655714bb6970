// The namespace controller: a namespace being deleted (Terminating) has everything in it
// deleted — every namespaced resource type the API serves — and once nothing is left, its
// `kubernetes` finalizer is removed through /finalize and the API server lets it go. Pods
// still shutting down gracefully keep the namespace until their agents finish them.

import type { Logger } from 'pino';
import type { ApiClient } from '../../api/client.js';
import { isNotFound } from '../../api/errors.js';
import { Informer } from '../../api/informer.js';
import { resources, resourcePath, type ResourceType } from '../../api/resources.js';
import type { Namespace } from '../../api/types.js';
import { processQueue, WorkQueue } from '../../api/workqueue.js';

export const NAMESPACE_FINALIZER = 'kubernetes';

/** Raised while content remains: the key is retried after its backoff. */
class ContentRemaining extends Error {
  readonly code = 'ContentRemaining';
}

export class NamespaceController {
  private readonly namespaces: Informer<Namespace>;
  private readonly queue = new WorkQueue({ baseDelayMs: 500, maxDelayMs: 5_000 });

  constructor(
    private readonly client: ApiClient,
    private readonly logger: Logger,
    private readonly types: () => ResourceType[] = () => Object.values(resources).filter((t) => t.namespaced),
  ) {
    this.namespaces = new Informer<Namespace>(client, resources.namespaces, { logger });
    const enqueue = (ns: Namespace) => {
      if (ns.metadata.deletionTimestamp) this.queue.add(ns.metadata.name!);
    };
    this.namespaces.addHandlers({ onAdd: enqueue, onUpdate: (_o, ns) => enqueue(ns) });
  }

  async run(signal: AbortSignal): Promise<void> {
    const informer = this.namespaces.run(signal);
    signal.addEventListener('abort', () => this.queue.shutDown(), { once: true });
    await processQueue(this.queue, (name) => this.sync(name), (name, err) => {
      if (err instanceof ContentRemaining) this.logger.debug({ namespace: name, remaining: err.message }, 'namespace content still terminating');
      else this.logger.warn({ namespace: name, err: (err as Error).message }, 'namespace cleanup failed');
    });
    await informer;
  }

  private async sync(name: string): Promise<void> {
    const ns = this.namespaces.get(name);
    if (!ns?.metadata.deletionTimestamp) return;
    let remaining = 0;
    const kinds: string[] = [];
    for (const type of this.types()) {
      const list = await this.client.list(type, { namespace: name });
      if (list.items.length === 0) continue;
      remaining += list.items.length;
      kinds.push(type.resource);
      for (const obj of list.items) {
        if (obj.metadata.deletionTimestamp) continue; // already going
        try {
          await this.client.delete(type, obj.metadata.name!, name, { propagationPolicy: 'Background' });
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
      }
    }
    if (remaining > 0) throw new ContentRemaining(`${remaining} objects (${kinds.join(', ')})`);
    const finalizers = (ns.spec?.finalizers ?? []).filter((f) => f !== NAMESPACE_FINALIZER);
    try {
      await this.client.request('PUT', resourcePath(resources.namespaces, { name, subresource: 'finalize' }), {
        body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name, uid: ns.metadata.uid }, spec: { finalizers } },
      });
      this.logger.info({ namespace: name }, 'namespace finalized');
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
