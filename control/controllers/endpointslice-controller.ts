// The EndpointSlice controller: for every Service with a selector, IPv4 EndpointSlices
// listing the pods it selects with their conditions (ready, serving, terminating), one
// slice per distinct set of resolved ports, labelled with the Service's name and this
// controller as manager, owned by the Service (so the garbage collector removes them with
// it). Level-triggered: each sync recomputes the slices and writes only what differs.

import type { Logger } from 'pino';
import type { ApiClient } from '../../api/client.js';
import { isNotFound } from '../../api/errors.js';
import { Informer } from '../../api/informer.js';
import { resources } from '../../api/resources.js';
import type { EndpointPort, EndpointSlice, Service } from '../../api/service-types.js';
import { processQueue, WorkQueue } from '../../api/workqueue.js';
import { canonical } from './endpoints/canonical.js';
import { hasSelector, podEndpoints, portsKey, targetRef, type PodEndpoint } from './endpoints/pod-endpoints.js';
import { ServicePodInformers, untilAborted } from './endpoints/service-pod-informers.js';

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
export const CONTROLLER_NAME = 'endpointslice-controller.k8s.io';
/** Kubernetes' default --max-endpoints-per-slice. */
const MAX_ENDPOINTS_PER_SLICE = 100;

type SliceEndpoint = NonNullable<EndpointSlice['endpoints']>[number];

export class EndpointSliceController {
  private readonly queue = new WorkQueue({ baseDelayMs: 200, maxDelayMs: 10_000 });
  private readonly watched: ServicePodInformers;
  private readonly slices: Informer<EndpointSlice>;

  constructor(
    private readonly client: ApiClient,
    private readonly logger: Logger,
  ) {
    this.watched = new ServicePodInformers(client, logger, this.queue);
    this.slices = new Informer<EndpointSlice>(client, resources.endpointslices, { logger, labelSelector: `${MANAGED_BY_LABEL}=${CONTROLLER_NAME}` });
    const enqueue = (s: EndpointSlice) => {
      const svc = s.metadata.labels?.[SERVICE_NAME_LABEL];
      if (svc) this.queue.add(`${s.metadata.namespace}/${svc}`);
    };
    this.slices.addHandlers({ onUpdate: (_o, s) => enqueue(s), onDelete: enqueue });
  }

  async run(signal: AbortSignal): Promise<void> {
    const informers = [this.watched.services, this.watched.pods, this.slices];
    const running = informers.map((i) => i.run(signal));
    signal.addEventListener('abort', () => this.queue.shutDown(), { once: true });
    await Promise.race([Promise.all(informers.map((i) => i.synced)), untilAborted(signal)]);
    await processQueue(this.queue, (key) => this.sync(key), (key, err) => this.logger.warn({ service: key, err: (err as Error).message }, 'endpointslice sync failed'));
    await Promise.allSettled(running);
  }

  private async sync(key: string): Promise<void> {
    const [namespace, name] = key.split('/') as [string, string];
    const svc = this.watched.services.get(key);
    const existing = this.slices.list().filter((s) => s.metadata.namespace === namespace && s.metadata.labels?.[SERVICE_NAME_LABEL] === name);
    // A deleted Service's slices go with it through their owner reference; one that lost
    // its selector no longer has slices of ours.
    if (!svc || !hasSelector(svc)) {
      if (svc) for (const s of existing) await this.deleteSlice(s);
      return;
    }
    const desired = desiredSlices(svc, podEndpoints(svc, this.watched.podsIn(namespace)));
    // Reuse slices with the same ports first (fewest writes), then any left over.
    const unused = [...existing].filter((s) => s.metadata.ownerReferences?.some((r) => r.uid === svc.metadata.uid));
    for (const s of existing) if (!unused.includes(s)) await this.deleteSlice(s); // owned by an older Service of the name
    const pick = (d: EndpointSlice) => {
      const i = unused.findIndex((s) => portsKey((s.ports ?? []) as EndpointPort[]) === portsKey((d.ports ?? []) as EndpointPort[]));
      return i >= 0 ? unused.splice(i, 1)[0] : unused.shift();
    };
    for (const d of desired) {
      const current = pick(d);
      if (!current) {
        await this.client.create(resources.endpointslices, d, namespace);
        continue;
      }
      const same =
        canonical(current.endpoints ?? []) === canonical(d.endpoints ?? []) &&
        canonical(current.ports ?? []) === canonical(d.ports ?? []) &&
        canonical(current.metadata.labels ?? {}) === canonical(d.metadata.labels ?? {});
      if (same) continue;
      const next: EndpointSlice = { ...current, endpoints: d.endpoints ?? [], metadata: { ...current.metadata, labels: d.metadata.labels ?? {} } };
      if (d.ports) next.ports = d.ports;
      else delete next.ports;
      await this.client.update(resources.endpointslices, next);
    }
    for (const s of unused) await this.deleteSlice(s);
  }

  private async deleteSlice(s: EndpointSlice): Promise<void> {
    try {
      await this.client.delete(resources.endpointslices, s.metadata.name!, s.metadata.namespace);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

/** The slices a Service should have: one per port set (more past 100 endpoints); at least one. */
export function desiredSlices(svc: Service, eps: PodEndpoint[]): EndpointSlice[] {
  const groups = new Map<string, { ports: EndpointPort[]; endpoints: SliceEndpoint[] }>();
  for (const e of eps) {
    const k = portsKey(e.ports);
    let g = groups.get(k);
    if (!g) groups.set(k, (g = { ports: e.ports, endpoints: [] }));
    const ep: SliceEndpoint = { addresses: [e.ip], conditions: { ready: e.ready, serving: e.serving || (svc.spec.publishNotReadyAddresses === true), terminating: e.terminating }, targetRef: targetRef(e.pod) };
    if (e.pod.spec?.nodeName) ep.nodeName = e.pod.spec.nodeName;
    // As Kubernetes: a pod naming this Service as its subdomain gets its hostname on the endpoint (DNS <hostname>.<svc>.<ns>.svc).
    if (e.pod.spec?.hostname && e.pod.spec.subdomain === svc.metadata.name) ep.hostname = e.pod.spec.hostname;
    g.endpoints.push(ep);
  }
  // A Service with no endpoints still gets one (placeholder) slice, as Kubernetes does.
  if (groups.size === 0) groups.set('', { ports: [], endpoints: [] });
  const labels: Record<string, string> = { ...(svc.metadata.labels ?? {}), [SERVICE_NAME_LABEL]: svc.metadata.name!, [MANAGED_BY_LABEL]: CONTROLLER_NAME };
  if (svc.spec.clusterIP === 'None') labels['service.kubernetes.io/headless'] = '';
  const out: EndpointSlice[] = [];
  for (const g of groups.values()) {
    for (let i = 0; i < Math.max(1, g.endpoints.length); i += MAX_ENDPOINTS_PER_SLICE) {
      const slice: EndpointSlice = {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: {
          generateName: `${svc.metadata.name}-`,
          namespace: svc.metadata.namespace!,
          labels,
          ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: svc.metadata.name!, uid: svc.metadata.uid!, controller: true, blockOwnerDeletion: true }],
        },
        addressType: 'IPv4',
        endpoints: g.endpoints.slice(i, i + MAX_ENDPOINTS_PER_SLICE),
      };
      if (g.ports.length) slice.ports = g.ports;
      out.push(slice);
    }
  }
  return out;
}
