// Change trackers (kube-proxy's ServiceChangeTracker and EndpointsChangeTracker): watch
// handlers only record what changed, per Service; the sync folds the pending changes into
// its maps and learns which Services changed. A change that is undone before the sync
// (added then deleted, or an update that changes nothing the proxy reads) is no change.

import { isDeepStrictEqual } from 'node:util';
import { objectKey } from '../../api/informer.js';
import type { EndpointSlice, Service } from '../../api/service-types.js';
import { SERVICE_NAME_LABEL, endpointsByServicePort, servicePorts, type EndpointInfo, type ServicePortInfo } from './service-info.js';

export class ServiceChangeTracker {
  /** Service key → ports before the first pending change, and now. */
  private readonly pending = new Map<string, { previous: ServicePortInfo[]; current: ServicePortInfo[] }>();

  /** Records a Service added (prev undefined), updated, or deleted (cur undefined); true if the proxy cares. */
  update(prev: Service | undefined, cur: Service | undefined): boolean {
    const obj = cur ?? prev;
    if (!obj) return false;
    const key = objectKey(obj);
    const before = this.pending.get(key)?.previous ?? (prev ? servicePorts(prev) : []);
    const current = cur ? servicePorts(cur) : [];
    if (isDeepStrictEqual(before, current)) {
      this.pending.delete(key);
      return false;
    }
    this.pending.set(key, { previous: before, current });
    return true;
  }

  /** Folds pending changes into `map` (Service key → its ports); returns the changed keys. */
  apply(map: Map<string, ServicePortInfo[]>): Set<string> {
    const changed = new Set(this.pending.keys());
    for (const [key, { current }] of this.pending) {
      if (current.length === 0) map.delete(key);
      else map.set(key, current);
    }
    this.pending.clear();
    return changed;
  }
}

export class EndpointSliceChangeTracker {
  /** Service key → its slices by slice name: the tracker's own cache. */
  private readonly slices = new Map<string, Map<string, EndpointSlice>>();
  private readonly dirty = new Set<string>();
  /** Service key → the service port names it last put into the map. */
  private readonly applied = new Map<string, Set<string>>();

  constructor(private readonly nodeName: string) {}

  /** Records a slice added or updated, or removed; true if it belongs to a Service. */
  update(slice: EndpointSlice, removed: boolean): boolean {
    const service = slice.metadata.labels?.[SERVICE_NAME_LABEL];
    if (!service) return false;
    const key = `${slice.metadata.namespace ?? 'default'}/${service}`;
    let bySlice = this.slices.get(key);
    if (removed) {
      if (!bySlice?.delete(slice.metadata.name ?? '')) return false;
      if (bySlice.size === 0) this.slices.delete(key);
    } else {
      if (!bySlice) this.slices.set(key, (bySlice = new Map()));
      bySlice.set(slice.metadata.name ?? '', slice);
    }
    this.dirty.add(key);
    return true;
  }

  /**
   * Folds pending changes into `map` (service port name "ns/svc:port" → endpoints);
   * returns the Service keys whose endpoints really changed.
   */
  apply(map: Map<string, EndpointInfo[]>): Set<string> {
    const changed = new Set<string>();
    for (const key of this.dirty) {
      const fresh = endpointsByServicePort(this.slices.get(key)?.values() ?? [], this.nodeName);
      const stale = [...(this.applied.get(key) ?? [])].filter((name) => !fresh.has(name));
      let differs = stale.length > 0;
      for (const name of stale) map.delete(name);
      for (const [name, eps] of fresh) {
        if (!differs && !isDeepStrictEqual(map.get(name), eps)) differs = true;
        map.set(name, eps);
      }
      if (fresh.size > 0) this.applied.set(key, new Set(fresh.keys()));
      else this.applied.delete(key);
      if (differs) changed.add(key);
    }
    this.dirty.clear();
    return changed;
  }
}
