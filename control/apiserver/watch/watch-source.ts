// Turns the store's key-level watch into Kubernetes watch events for one request:
// resourceVersion semantics, selector filtering, and the ADDED/DELETED transitions a
// filtered watch must show when an object starts or stops matching (a pod being bound to
// this node is ADDED to `spec.nodeName=me`, not MODIFIED).

import { errors } from '../../../api/errors.js';
import type { KubeObject, WatchEvent } from '../../../api/types.js';
import { StoreExpiredError } from '../../store/errors.js';
import type { Store, StoreEvent } from '../../store/store.js';
import { resourcePrefix } from '../registry/keys.js';
import { parseResourceVersion, type Predicate, type ResourceStorage } from '../registry/storage.js';

export interface WatchRequest {
  namespace?: string | undefined;
  predicate?: Predicate | undefined;
  /** '' / undefined / '0': send the current state as ADDED first, then changes. */
  resourceVersion?: string | undefined;
}

export interface WatchSink {
  send(event: WatchEvent): void;
  /** Ends the watch with an ERROR event (e.g. 410 Expired) and closes. */
  fail(err: unknown): void;
}

/** Starts a watch; returns a function that stops it. */
export async function startWatch(store: Store, storage: ResourceStorage, req: WatchRequest, sink: WatchSink): Promise<() => void> {
  const prefix = resourcePrefix(storage.type, req.namespace);
  const predicate = req.predicate;
  const fromNow = !req.resourceVersion || req.resourceVersion === '0';
  let after: number;
  // Keys currently visible through this watch's filter: needed to turn "no longer matches"
  // into DELETED and "now matches" into ADDED.
  const visible = new Set<string>();
  if (fromNow) {
    const state = await storage.list(req.namespace, predicate ? { predicate } : {});
    after = Number(state.resourceVersion);
    for (const obj of state.items) {
      visible.add(keyOf(obj));
      sink.send({ type: 'ADDED', object: obj });
    }
  } else {
    after = parseResourceVersion(req.resourceVersion!);
    const compacted = await store.compactedRevision();
    if (after < compacted) {
      throw errors.expired(`too old resource version: ${after} (${compacted})`);
    }
    if (predicate) {
      const state = await storage.list(req.namespace, { predicate, resourceVersion: String(after) });
      for (const obj of state.items) visible.add(keyOf(obj));
    }
  }
  const watcher = store.watch(prefix, {
    afterRevision: after,
    onEvent: (ev: StoreEvent) => {
      const event = translate(storage, ev, predicate, visible);
      if (event) sink.send(event);
    },
    onError: (err) => {
      if (err instanceof StoreExpiredError) sink.fail(errors.expired(`too old resource version: ${err.requested} (${err.compacted})`));
      else sink.fail(errors.internal(err.message));
    },
  });
  return () => watcher.close();
}

function keyOf(obj: KubeObject): string {
  return `${obj.metadata.namespace ?? ''}/${obj.metadata.name ?? ''}`;
}

/**
 * One store event reaches every watcher of its prefix (a pod write: the scheduler, the
 * kubelets, half the controllers): it is decoded once and the object shared, read-only,
 * by all of them, and serialized once too (serializeWatchEvent).
 */
const decodedEvents = new WeakMap<StoreEvent, KubeObject>();
const serializedObjects = new WeakMap<KubeObject, string>();

function decodeOnce(storage: ResourceStorage, ev: StoreEvent): KubeObject {
  let obj = decodedEvents.get(ev);
  if (!obj) {
    obj = storage.decode(ev.kv);
    // The DELETED event carries the object at the delete's revision, as Kubernetes sends it.
    if (ev.type === 'delete') obj.metadata.resourceVersion = String(ev.revision);
    decodedEvents.set(ev, obj);
  }
  return obj;
}

/** JSON of a watch event; the object's JSON is made once however many watchers send it. */
export function serializeWatchEvent(event: WatchEvent): string {
  let object = serializedObjects.get(event.object);
  if (object === undefined) {
    object = JSON.stringify(event.object);
    serializedObjects.set(event.object, object);
  }
  return `{"type":${JSON.stringify(event.type)},"object":${object}}`;
}

function translate(storage: ResourceStorage, ev: StoreEvent, predicate: Predicate | undefined, visible: Set<string>): WatchEvent | undefined {
  const obj = decodeOnce(storage, ev);
  if (ev.type === 'delete') {
    if (!predicate) return { type: 'DELETED', object: obj };
    const key = keyOf(obj);
    if (!visible.delete(key)) return undefined;
    return { type: 'DELETED', object: obj };
  }
  if (!predicate) return { type: ev.created ? 'ADDED' : 'MODIFIED', object: obj };
  const key = keyOf(obj);
  const matches = predicate(obj);
  const was = visible.has(key);
  if (matches) {
    visible.add(key);
    return { type: was && !ev.created ? 'MODIFIED' : 'ADDED', object: obj };
  }
  if (was) {
    visible.delete(key);
    return { type: 'DELETED', object: obj };
  }
  return undefined;
}
