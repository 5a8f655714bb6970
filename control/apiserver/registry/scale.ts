// The scale subresource of Deployments and ReplicaSets: the object seen as an
// autoscaling/v1 Scale (spec.replicas; status.replicas and the selector as a string), and
// a Scale written back into the object's spec.replicas.

import { errors } from '../../../api/errors.js';
import type { LabelSelector } from '../../../api/labels.js';
import { labelSelectorAsMatcher } from '../../../api/labels.js';
import type { KubeObject } from '../../../api/types.js';
import type { Scale } from '../../../api/workload-types.js';
import { IS_NEGATIVE_ERROR_MSG } from '../../../api/validation/object-meta.js';
import { formatBadValue } from '../../../api/validation/field-error.js';

export const SCALE_API_VERSION = 'autoscaling/v1';

interface Scalable extends KubeObject {
  spec?: { replicas?: number; selector?: LabelSelector | null };
  status?: { replicas?: number };
}

function selectorString(selector: LabelSelector | null | undefined): string {
  try {
    return labelSelectorAsMatcher(selector).toString();
  } catch {
    return '';
  }
}

export function toScale(obj: KubeObject): Scale {
  const o = obj as Scalable;
  const m = o.metadata;
  const metadata: Scale['metadata'] = { name: m.name ?? '' };
  if (m.namespace !== undefined) metadata.namespace = m.namespace;
  if (m.uid !== undefined) metadata.uid = m.uid;
  if (m.resourceVersion !== undefined) metadata.resourceVersion = m.resourceVersion;
  if (m.creationTimestamp !== undefined) metadata.creationTimestamp = m.creationTimestamp;
  return {
    kind: 'Scale',
    apiVersion: SCALE_API_VERSION,
    metadata,
    spec: { replicas: o.spec?.replicas ?? 0 },
    status: { replicas: o.status?.replicas ?? 0, selector: selectorString(o.spec?.selector) },
  };
}

/**
 * The object with the Scale's replicas applied. The Scale must name this object and have a
 * valid replica count; its resourceVersion (if any) becomes the update's precondition.
 */
export function applyScale(obj: KubeObject, scale: unknown): KubeObject {
  if (!scale || typeof scale !== 'object' || Array.isArray(scale)) throw errors.badRequest('the body of the request must be a Scale object');
  const s = scale as Scale;
  const kind = s.kind;
  const apiVersion = s.apiVersion;
  if ((kind !== undefined && kind !== 'Scale') || (apiVersion !== undefined && apiVersion !== SCALE_API_VERSION)) {
    throw errors.badRequest(`the API version in the data (${String(apiVersion)}) does not match the expected API version (${SCALE_API_VERSION})`);
  }
  const name = obj.metadata.name ?? '';
  if (s.metadata?.name !== undefined && s.metadata.name !== name) {
    throw errors.badRequest(`the name of the object (${s.metadata.name}) does not match the name on the URL (${name})`);
  }
  const replicas = s.spec?.replicas ?? 0;
  if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas > 2147483647) {
    throw errors.badRequest('spec.replicas must be a 32-bit integer');
  }
  if (replicas < 0) {
    throw errors.invalid('Scale', name, [{ reason: 'FieldValueInvalid', field: 'spec.replicas', message: `Invalid value: ${formatBadValue(replicas)}: ${IS_NEGATIVE_ERROR_MSG}` }], 'autoscaling');
  }
  const next = structuredClone(obj) as Scalable;
  (next.spec ??= {}).replicas = replicas;
  const rv = s.metadata?.resourceVersion;
  if (typeof rv === 'string' && rv !== '') next.metadata.resourceVersion = rv;
  else delete next.metadata.resourceVersion;
  return next;
}
