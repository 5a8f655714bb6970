// Content negotiation for the representations kubectl asks for: a plain object/list, or a
// server-side Table (`Accept: application/json;as=Table;v=v1;g=meta.k8s.io, ...`).

import { errors } from '../../../api/errors.js';

export type Representation = { kind: 'object' } | { kind: 'table'; apiVersion: 'meta.k8s.io/v1' | 'meta.k8s.io/v1beta1' };

interface MediaRange {
  type: string;
  params: Map<string, string>;
}

function parseAccept(accept: string): MediaRange[] {
  return accept
    .split(',')
    .map((part) => {
      const [type, ...params] = part.split(';').map((s) => s.trim());
      const map = new Map<string, string>();
      for (const p of params) {
        const eq = p.indexOf('=');
        if (eq > 0) map.set(p.slice(0, eq).trim().toLowerCase(), p.slice(eq + 1).trim());
      }
      return { type: (type ?? '').toLowerCase(), params: map };
    })
    .filter((m) => m.type !== '');
}

/** Picks the first acceptable representation in the client's order, as the API server does. */
export function negotiate(accept: string | undefined): Representation {
  if (!accept) return { kind: 'object' };
  const ranges = parseAccept(accept);
  for (const r of ranges) {
    const as = r.params.get('as');
    const json = r.type === 'application/json' || r.type === '*/*' || r.type === 'application/*';
    if (as === 'Table' && r.params.get('g') === 'meta.k8s.io' && json) {
      const v = r.params.get('v');
      if (v === 'v1' || v === 'v1beta1') return { kind: 'table', apiVersion: `meta.k8s.io/${v}` };
      continue;
    }
    if (as) continue; // PartialObjectMetadata and other transforms: not served, try the next
    if (json || r.type === 'application/yaml') return { kind: 'object' };
  }
  if (ranges.some((r) => r.type === 'application/vnd.kubernetes.protobuf')) {
    // kubectl always lists JSON as a fallback; a client asking for protobuf alone is refused.
    throw errors.notAcceptable('only the following media types are accepted: application/json, application/yaml');
  }
  throw errors.notAcceptable('only the following media types are accepted: application/json, application/yaml, application/json;as=Table;v=v1;g=meta.k8s.io');
}
