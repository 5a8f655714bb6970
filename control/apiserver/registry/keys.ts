// Where objects live in the store, as the Kubernetes API server lays out etcd:
// /registry/<resource>/<namespace>/<name> (core) or /registry/<group>/<resource>/... Every
// prefix ends in '/', so listing "pods" never sees a sibling such as "podsecuritypolicies".

import type { ResourceType } from '../../../api/resources.js';

export function resourcePrefix(t: ResourceType, namespace?: string): string {
  const base = t.group ? `/registry/${t.group}/${t.resource}/` : `/registry/${t.resource}/`;
  return t.namespaced && namespace ? `${base}${namespace}/` : base;
}

export function objectKey(t: ResourceType, namespace: string | undefined, name: string): string {
  return `${resourcePrefix(t, t.namespaced ? namespace : undefined)}${name}`;
}

/** RFC 3339 with second precision, as metav1.Time serialises. */
export { metaTime as timestamp } from '../../../api/time.js';

const generateNameAlphabet = 'bcdfghjklmnpqrstvwxz2456789';

/** The random suffix Kubernetes appends to generateName (5 characters, no vowels). */
export function generateNameSuffix(): string {
  let s = '';
  for (let i = 0; i < 5; i++) s += generateNameAlphabet[Math.floor(Math.random() * generateNameAlphabet.length)];
  return s;
}
