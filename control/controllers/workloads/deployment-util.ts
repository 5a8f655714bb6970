// Pure helpers of the Deployment controller: the pod-template-hash, template equality
// ignoring that label, maxSurge/maxUnavailable resolution, and revisions.

import type { IntOrString, PodTemplateSpec, ReplicaSet } from '../../../api/workload-types.js';

export const POD_TEMPLATE_HASH = 'pod-template-hash';
export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
export const DESIRED_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/max-replicas';

/**
 * JSON with object keys sorted, so equal templates hash and compare equal. A null field is
 * an absent one, as in Kubernetes' Go structs: `kubectl rollout undo` sends the template
 * back with `creationTimestamp: null` in its metadata.
 */
/** JSON with sorted keys and without null or undefined members: equal templates, equal text. */
export function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined && x !== null).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonical(x)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

function withoutHash(t: PodTemplateSpec): PodTemplateSpec {
  const labels = { ...(t.metadata?.labels ?? {}) };
  delete labels[POD_TEMPLATE_HASH];
  return { ...t, metadata: { ...(t.metadata ?? {}), labels } };
}

/** Kubernetes' EqualIgnoreHash: the same template apart from the pod-template-hash label. */
export function templatesEqualIgnoringHash(a: PodTemplateSpec, b: PodTemplateSpec): boolean {
  return canonical(withoutHash(a)) === canonical(withoutHash(b));
}

// Same alphabet as generated names (no vowels, no look-alikes), so a hash never spells a word.
const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** FNV-1a over the canonical template (and the collision count), safe-encoded. */
export function computeTemplateHash(template: PodTemplateSpec, collisionCount = 0): string {
  let h = 0x811c9dc5;
  const text = canonical(withoutHash(template)) + (collisionCount > 0 ? `#${collisionCount}` : '');
  for (const byte of Buffer.from(text, 'utf8')) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return [...String(h)].map((d) => SAFE_ALPHABET[Number(d) * 2 + (h % 2)] ?? 'b').join('').slice(0, 10);
}

/** An int or a percentage of total; percentages round up for surge, down for unavailable. */
export function resolveIntOrPercent(v: IntOrString | undefined, total: number, roundUp: boolean, fallback: string): number {
  const value = v ?? fallback;
  if (typeof value === 'number') return value;
  const m = /^(\d+)%$/.exec(value);
  if (!m) return Number.parseInt(value, 10) || 0;
  const exact = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

/** Kubernetes' ResolveFenceposts: both zero would deadlock, so unavailable becomes 1. */
export function resolveFenceposts(maxSurge: IntOrString | undefined, maxUnavailable: IntOrString | undefined, replicas: number): { surge: number; unavailable: number } {
  const surge = resolveIntOrPercent(maxSurge, replicas, true, '25%');
  let unavailable = resolveIntOrPercent(maxUnavailable, replicas, false, '25%');
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable: Math.min(unavailable, replicas) };
}

export function revisionOf(rs: ReplicaSet): number {
  const n = Number(rs.metadata.annotations?.[REVISION_ANNOTATION] ?? '0');
  return Number.isFinite(n) ? n : 0;
}
