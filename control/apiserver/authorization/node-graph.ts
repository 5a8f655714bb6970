// The relationships the Node authorizer checks, read from the store at request time rather
// than kept as kube's in-memory graph: which pods are bound to a node, and which Secrets and
// ConfigMaps those pods use (volumes, projected sources, env, envFrom, imagePullSecrets).
// Reading per request costs one namespaced scan of pods; a node asks for a Secret or
// ConfigMap once per watch it opens, not per pod sync.

import { isNotFound } from '../../../api/errors.js';
import type { Container, Pod } from '../../../api/types.js';
import type { ResourceStorage } from '../registry/storage.js';

export type ConfigKind = 'secrets' | 'configmaps' | 'serviceaccounts';

export class NodeGraph {
  constructor(
    private readonly pods: ResourceStorage,
    /** Kubernetes copies a ServiceAccount's imagePullSecrets into the pod; Skiff's image puller reads them from the account, so they count as used. */
    private readonly serviceAccounts?: ResourceStorage,
  ) {}

  /** The pod if it exists and is bound to `node`, else undefined. */
  async boundPod(node: string, namespace: string, name: string): Promise<Pod | undefined> {
    try {
      const pod = (await this.pods.get(namespace, name)) as Pod;
      return pod.spec?.nodeName === node ? pod : undefined;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** Does a pod bound to `node` in `namespace` use this Secret / ConfigMap? */
  async references(node: string, kind: ConfigKind, namespace: string, name: string): Promise<boolean> {
    const out = await this.pods.list(namespace, { predicate: (o) => (o as Pod).spec?.nodeName === node });
    const pods = out.items as Pod[];
    if (pods.some((p) => referencedBy(p, kind).has(name))) return true;
    if (kind !== 'secrets' || !this.serviceAccounts) return false;
    for (const account of new Set(pods.map(serviceAccountOf))) {
      const sa = await this.serviceAccounts.get(namespace, account).catch((err: unknown) => (isNotFound(err) ? undefined : Promise.reject(err)));
      if (((sa as { imagePullSecrets?: { name?: string }[] } | undefined)?.imagePullSecrets ?? []).some((r) => r.name === name)) return true;
    }
    return false;
  }
}

function serviceAccountOf(pod: Pod): string {
  return (pod.spec?.['serviceAccountName'] as string | undefined) || 'default';
}

function containersOf(pod: Pod): Container[] {
  const spec = pod.spec ?? ({} as Pod['spec']);
  return [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...((spec as { ephemeralContainers?: Container[] }).ephemeralContainers ?? [])];
}

// Volumes and env sources are not typed in api/types.ts; read them loosely.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = Record<string, any>;

function fromVolume(vol: Loose, kind: ConfigKind, out: Set<string>): void {
  if (kind === 'secrets' && vol.secret?.secretName) out.add(vol.secret.secretName);
  if (kind === 'configmaps' && vol.configMap?.name) out.add(vol.configMap.name);
  for (const s of vol.projected?.sources ?? []) {
    if (kind === 'secrets' && s.secret?.name) out.add(s.secret.name);
    if (kind === 'configmaps' && s.configMap?.name) out.add(s.configMap.name);
  }
}

/** Names of the Secrets or ConfigMaps a pod refers to, as kube's podutil.VisitPod*Names. */
export function referencedBy(pod: Pod, kind: ConfigKind): Set<string> {
  const out = new Set<string>();
  if (kind === 'serviceaccounts') return out.add(serviceAccountOf(pod));
  for (const v of (pod.spec?.['volumes'] as Loose[] | undefined) ?? []) fromVolume(v, kind, out);
  for (const c of containersOf(pod) as Loose[]) {
    for (const e of c.env ?? []) {
      const ref = kind === 'secrets' ? e.valueFrom?.secretKeyRef : e.valueFrom?.configMapKeyRef;
      if (ref?.name) out.add(ref.name);
    }
    for (const e of c.envFrom ?? []) {
      const ref = kind === 'secrets' ? e.secretRef : e.configMapRef;
      if (ref?.name) out.add(ref.name);
    }
  }
  if (kind === 'secrets') for (const s of (pod.spec as { imagePullSecrets?: { name?: string }[] }).imagePullSecrets ?? []) if (s.name) out.add(s.name);
  return out;
}
