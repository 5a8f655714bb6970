// Which ConfigMaps and Secrets a pod reads (volumes, projected sources, env, envFrom), so
// that a change to one of them syncs exactly the pods that use it.

import type { Container, Pod } from '../../../api/types.js';
import type { ConfigObjectKind } from './config-objects.js';
import { volumesOf } from './types.js';

interface EnvRefs {
  env?: Array<{ valueFrom?: { configMapKeyRef?: { name?: string }; secretKeyRef?: { name?: string } } }>;
  envFrom?: Array<{ configMapRef?: { name?: string }; secretRef?: { name?: string } }>;
}

/** "ConfigMap/name" and "Secret/name" keys of everything pod reads, in its namespace. */
export function configReferences(pod: Pod): Set<string> {
  const out = new Set<string>();
  const add = (kind: ConfigObjectKind, name: string | undefined) => name && out.add(`${kind}/${name}`);
  for (const v of volumesOf(pod.spec)) {
    add('ConfigMap', v.configMap?.name);
    add('Secret', v.secret?.secretName);
    for (const s of v.projected?.sources ?? []) {
      add('ConfigMap', s.configMap?.name);
      add('Secret', s.secret?.name);
    }
  }
  const containers: Container[] = [...(pod.spec.initContainers ?? []), ...pod.spec.containers];
  for (const c of containers as Array<Container & EnvRefs>) {
    for (const e of c.env ?? []) {
      add('ConfigMap', e.valueFrom?.configMapKeyRef?.name);
      add('Secret', e.valueFrom?.secretKeyRef?.name);
    }
    for (const f of c.envFrom ?? []) {
      add('ConfigMap', f.configMapRef?.name);
      add('Secret', f.secretRef?.name);
    }
  }
  return out;
}

export function referencesObject(pod: Pod, kind: ConfigObjectKind, namespace: string, name: string): boolean {
  return (pod.metadata.namespace ?? 'default') === namespace && configReferences(pod).has(`${kind}/${name}`);
}
