// NodeRestriction: the checks on a node's writes that need the object, not just the URL.
// They wrap the resource's storage for that one request: a node may create only its own
// Node and Lease and mirror pods bound to itself, update status of and delete only pods
// bound to itself. Refusals read as kube's admission errors: `pods "p" is forbidden: node
// "n" can only update pod status for pods with spec.nodeName set to itself`.

import type { DeleteOptions, KubeObject, Pod } from '../../../api/types.js';
import type { ResourceStorage, WriteOptions } from '../registry/storage.js';
import { forbiddenStatus } from './authorizer.js';

export const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';

type Check = (obj: KubeObject) => string | undefined;

function deny(storage: ResourceStorage, name: string | undefined, message: string): never {
  throw forbiddenStatus(storage.type.resource, storage.type.group, name, message);
}

/** A view of `storage` whose writes pass `onCreate` / `onWrite` (checked on the current object) first. */
function guarded(storage: ResourceStorage, checks: { create?: Check; current?: Check }): ResourceStorage {
  const view = Object.create(storage) as ResourceStorage;
  view.create = async (namespace: string | undefined, obj: KubeObject, opts?: WriteOptions) => {
    const why = checks.create ? checks.create(obj) : 'creating is not allowed';
    if (why) deny(storage, obj.metadata?.name, why);
    return storage.create(namespace, obj, opts);
  };
  view.guaranteedUpdate = (namespace, name, mutate, opts) =>
    storage.guaranteedUpdate(
      namespace,
      name,
      (current) => {
        const why = checks.current?.(current);
        if (why) deny(storage, name, why);
        return mutate(current);
      },
      opts,
    );
  view.delete = async (namespace: string | undefined, name: string, options: DeleteOptions, opts?: WriteOptions) => {
    const why = checks.current?.(await storage.get(namespace, name));
    if (why) deny(storage, name, why);
    return storage.delete(namespace, name, options, opts);
  };
  return view;
}

export function restrictNodeObject(node: string): (s: ResourceStorage) => ResourceStorage {
  const own: Check = (o) => (o.metadata?.name === node ? undefined : `node "${node}" is not allowed to modify node "${o.metadata?.name ?? ''}"`);
  return (s) => guarded(s, { create: own, current: own });
}

export function restrictNodeLease(node: string): (s: ResourceStorage) => ResourceStorage {
  const own: Check = (o) => (o.metadata?.name === node ? undefined : 'can only access node lease with the same name as the requesting node');
  return (s) => guarded(s, { create: own, current: own });
}

/** pods (create mirror pods, delete), pods/status (update), pods/eviction (delete). */
export function restrictPods(node: string, verb: string, subresource: string | undefined): (s: ResourceStorage) => ResourceStorage {
  const bound: Check = (o) => {
    if ((o as Pod).spec?.nodeName === node) return undefined;
    if (subresource === 'status') return `node "${node}" can only update pod status for pods with spec.nodeName set to itself`;
    if (subresource === 'eviction') return `node "${node}" can only evict pods with spec.nodeName set to itself`;
    return `node "${node}" can only delete pods with spec.nodeName set to itself`;
  };
  const mirror: Check = (o) => {
    const pod = o as Pod;
    if (!pod.metadata?.annotations?.[MIRROR_POD_ANNOTATION]) return `pod does not have "${MIRROR_POD_ANNOTATION}" annotation, node "${node}" can only create mirror pods`;
    if (pod.spec?.nodeName !== node) return `node "${node}" can only create pods with spec.nodeName set to itself`;
    return undefined;
  };
  return (s) => guarded(s, { ...(verb === 'create' && !subresource ? { create: mirror } : {}), current: bound });
}
