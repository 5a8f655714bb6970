// The watches both endpoint controllers share the shape of: Services and Pods, with a
// change of either turning into the `namespace/name` keys of the Services it affects.

import type { Logger } from 'pino';
import type { ApiClient } from '../../../api/client.js';
import { Informer, objectKey } from '../../../api/informer.js';
import { resources } from '../../../api/resources.js';
import type { Service } from '../../../api/service-types.js';
import type { Pod } from '../../../api/types.js';
import type { WorkQueue } from '../../../api/workqueue.js';
import { selects } from './pod-endpoints.js';

export class ServicePodInformers {
  readonly services: Informer<Service>;
  readonly pods: Informer<Pod>;

  constructor(client: ApiClient, logger: Logger, queue: WorkQueue) {
    this.services = new Informer<Service>(client, resources.services, { logger });
    this.pods = new Informer<Pod>(client, resources.pods, { logger });
    const enqueueService = (svc: Service) => queue.add(objectKey(svc));
    this.services.addHandlers({ onAdd: enqueueService, onUpdate: (_o, s) => enqueueService(s), onDelete: enqueueService });
    // A pod matters to every Service selecting it before or after the change.
    const enqueueFor = (...pods: Pod[]) => {
      for (const svc of this.services.list()) if (pods.some((p) => selects(svc, p))) queue.add(objectKey(svc));
    };
    this.pods.addHandlers({ onAdd: (p) => enqueueFor(p), onUpdate: (o, p) => enqueueFor(o, p), onDelete: (p) => enqueueFor(p) });
  }

  podsIn(namespace: string): Pod[] {
    return this.pods.list().filter((p) => p.metadata.namespace === namespace);
  }
}

export function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((r) => (signal.aborted ? r() : signal.addEventListener('abort', () => r(), { once: true })));
}
