// The endpoints controller: for every Service with a selector, an Endpoints object of the
// same name listing the pods it selects — ready ones in `addresses`, the others in
// `notReadyAddresses` (all ready with publishNotReadyAddresses) — grouped into subsets by
// the ports each pod resolves. Terminating pods are left out. Level-triggered: each sync
// recomputes the whole object from the caches and writes only when it differs.

import type { Logger } from 'pino';
import type { ApiClient } from '../../api/client.js';
import { isAlreadyExists, isNotFound } from '../../api/errors.js';
import { Informer } from '../../api/informer.js';
import { resources } from '../../api/resources.js';
import type { EndpointAddress, Endpoints, EndpointSubset } from '../../api/service-types.js';
import { processQueue, WorkQueue } from '../../api/workqueue.js';
import { canonical } from './endpoints/canonical.js';
import { hasSelector, podEndpoints, portsKey, targetRef } from './endpoints/pod-endpoints.js';
import { ServicePodInformers, untilAborted } from './endpoints/service-pod-informers.js';

export class EndpointsController {
  private readonly queue = new WorkQueue({ baseDelayMs: 200, maxDelayMs: 10_000 });
  private readonly watched: ServicePodInformers;
  private readonly endpoints: Informer<Endpoints>;

  constructor(
    private readonly client: ApiClient,
    private readonly logger: Logger,
  ) {
    this.watched = new ServicePodInformers(client, logger, this.queue);
    this.endpoints = new Informer<Endpoints>(client, resources.endpoints, { logger });
    // Someone else changing or deleting an Endpoints object of ours is repaired.
    const enqueue = (ep: Endpoints) => this.queue.add(`${ep.metadata.namespace}/${ep.metadata.name}`);
    this.endpoints.addHandlers({ onUpdate: (_o, ep) => enqueue(ep), onDelete: enqueue });
  }

  async run(signal: AbortSignal): Promise<void> {
    const informers = [this.watched.services, this.watched.pods, this.endpoints];
    const running = informers.map((i) => i.run(signal));
    signal.addEventListener('abort', () => this.queue.shutDown(), { once: true });
    await Promise.race([Promise.all(informers.map((i) => i.synced)), untilAborted(signal)]);
    await processQueue(this.queue, (key) => this.sync(key), (key, err) => this.logger.warn({ service: key, err: (err as Error).message }, 'endpoints sync failed'));
    await Promise.allSettled(running);
  }

  private async sync(key: string): Promise<void> {
    const [namespace, name] = key.split('/') as [string, string];
    const svc = this.watched.services.get(key);
    const current = this.endpoints.get(key);
    if (!svc) {
      if (!current) return;
      try {
        await this.client.delete(resources.endpoints, name, namespace);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      return;
    }
    // Without a selector the Endpoints are the user's to write.
    if (!hasSelector(svc)) return;
    const subsets = desiredSubsets(podEndpoints(svc, this.watched.podsIn(namespace)).filter((e) => !e.terminating));
    const labels = { ...(svc.metadata.labels ?? {}) };
    if (svc.spec.clusterIP === 'None') labels['service.kubernetes.io/headless'] = '';
    const desired: Endpoints = { apiVersion: 'v1', kind: 'Endpoints', metadata: { name, namespace, labels } };
    if (subsets.length) desired.subsets = subsets;
    if (current) {
      const same = canonical(current.subsets ?? []) === canonical(subsets) && canonical(current.metadata.labels ?? {}) === canonical(labels);
      if (same) return;
      const next: Endpoints = { ...current, metadata: { ...current.metadata, labels } };
      if (subsets.length) next.subsets = subsets;
      else delete next.subsets;
      await this.client.update(resources.endpoints, next);
      return;
    }
    try {
      await this.client.create(resources.endpoints, desired, namespace);
    } catch (err) {
      // Our cache is behind: the watch event will bring it and re-enqueue.
      if (!isAlreadyExists(err)) throw err;
      this.queue.addAfter(key, 200);
    }
  }
}

/** Subsets keyed by the pods' resolved ports, in the order the ports were first seen. */
export function desiredSubsets(eps: ReturnType<typeof podEndpoints>): EndpointSubset[] {
  const byPorts = new Map<string, EndpointSubset>();
  for (const e of eps) {
    const k = portsKey(e.ports);
    let subset = byPorts.get(k);
    if (!subset) {
      subset = e.ports.length ? { ports: e.ports } : {};
      byPorts.set(k, subset);
    }
    const addr: EndpointAddress = { ip: e.ip, targetRef: targetRef(e.pod) };
    if (e.pod.spec?.nodeName) addr.nodeName = e.pod.spec.nodeName;
    if (e.ready) (subset.addresses ??= []).push(addr);
    else (subset.notReadyAddresses ??= []).push(addr);
  }
  // Key order as the API server stores it, so comparing with the stored object works.
  return [...byPorts.values()].map((s) => {
    const out: EndpointSubset = {};
    if (s.addresses) out.addresses = s.addresses;
    if (s.notReadyAddresses) out.notReadyAddresses = s.notReadyAddresses;
    if (s.ports) out.ports = s.ports;
    return out;
  });
}
