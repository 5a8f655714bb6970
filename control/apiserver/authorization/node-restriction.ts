// NodeRestriction: the checks on a node's writes that need the object, not just the URL.
// They wrap the resource's storage for that one request: a node may create only its own
// Node and Lease and mirror pods bound to itself, update status of and delete only pods
// bound to itself. Refusals read as kube's admission errors: `pods "p" is forbidden: node
// "n" can only update pod status for pods with spec.nodeName set to itself`.

import { isDeepStrictEqual } from 'node:util';
import type { DeleteOptions, KubeObject, Node, Pod } from '../../../api/types.js';
import type { ResourceStorage, WriteOptions } from '../registry/storage.js';
import { forbiddenStatus } from './authorizer.js';

export const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';

type Check = (obj: KubeObject) => string | undefined;
type ChangeCheck = (current: KubeObject, next: KubeObject) => string | undefined;

function deny(storage: ResourceStorage, name: string | undefined, message: string): never {
  throw forbiddenStatus(storage.type.resource, storage.type.group, name, message);
}

/** A view of `storage` whose writes pass the checks first: `create` on a new object, `current` on the stored one, `change` on an update's result. */
function guarded(storage: ResourceStorage, checks: { create?: Check; current?: Check; change?: ChangeCheck }): ResourceStorage {
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
      async (current) => {
        const why = checks.current?.(current);
        if (why) deny(storage, name, why);
        const next = await mutate(structuredClone(current));
        const changed = checks.change?.(current, next);
        if (changed) deny(storage, name, changed);
        return next;
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

/** Labels only an administrator sets (kube: a node may not use this prefix). */
const RESTRICTED_LABEL_PREFIX = 'node-restriction.kubernetes.io/';

function restrictedLabels(before: Record<string, string> | undefined, after: Record<string, string> | undefined): string[] {
  const keys = new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})]);
  return [...keys].filter((k) => k.startsWith(RESTRICTED_LABEL_PREFIX) && before?.[k] !== after?.[k]).sort();
}

function podCIDRs(n: Node): unknown {
  return [n.spec?.podCIDR ?? '', (n.spec as { podCIDRs?: string[] } | undefined)?.podCIDRs ?? []];
}

/**
 * A node writes only its own Node. It may not pick its pod range (the control server
 * allocates it, and other nodes route that range to this node's address: a node that could
 * set it could take another node's pods' traffic), may not change its taints once
 * registered (the node controller's unreachable/not-ready taints drive evictions), and may
 * not touch node-restriction.kubernetes.io/ labels.
 */
export function restrictNodeObject(node: string): (s: ResourceStorage) => ResourceStorage {
  const own: Check = (o) => (o.metadata?.name === node ? undefined : `node "${node}" is not allowed to modify node "${o.metadata?.name ?? ''}"`);
  const create: Check = (o) => {
    const n = o as Node;
    if (own(o)) return own(o);
    if (!isDeepStrictEqual(podCIDRs(n), ['', []])) return `node "${node}" is not allowed to set its pod range (spec.podCIDR, spec.podCIDRs): the control server allocates it`;
    const labels = restrictedLabels(undefined, n.metadata.labels);
    return labels.length ? `node "${node}" is not allowed to set the following labels: ${labels.join(', ')}` : undefined;
  };
  const change: ChangeCheck = (current, next) => {
    const [a, b] = [current as Node, next as Node];
    if (!isDeepStrictEqual(podCIDRs(a), podCIDRs(b))) return `node "${node}" is not allowed to modify its pod range (spec.podCIDR, spec.podCIDRs)`;
    if (!isDeepStrictEqual(a.spec?.taints ?? [], b.spec?.taints ?? [])) return `node "${node}" is not allowed to modify taints`;
    const labels = restrictedLabels(a.metadata.labels, b.metadata.labels);
    return labels.length ? `is not allowed to modify labels: ${labels.join(', ')}` : undefined;
  };
  return (s) => guarded(s, { create, current: own, change });
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
