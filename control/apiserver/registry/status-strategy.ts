// The split between a resource and its status subresource, shared by every type that has
// one: an update of the resource keeps the stored status; an update of /status keeps
// everything but the status (spec, and metadata too, as Kubernetes' status strategies do).

import type { KubeObject } from '../../../api/types.js';

export function keepStatus(obj: KubeObject, old: KubeObject): void {
  if (old['status'] === undefined) delete obj['status'];
  else obj['status'] = structuredClone(old['status']);
}

export function keepAllButStatus(obj: KubeObject, old: KubeObject): void {
  const status = obj['status'];
  for (const key of Object.keys(obj)) if (key !== 'apiVersion' && key !== 'kind') delete obj[key];
  Object.assign(obj, structuredClone(old));
  if (status === undefined) delete obj['status'];
  else obj['status'] = status;
}
