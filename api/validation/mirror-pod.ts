// What the API server checks about the mirror pod annotation (ValidatePodSpecificAnnotations
// and ...AnnotationUpdates): a mirror pod is bound to its node from the start, and no update
// may turn a pod into a mirror pod or a mirror pod into an ordinary one — the kubelet and
// the controllers treat the two very differently.

import { CONFIG_MIRROR_ANNOTATION as MIRROR_POD_ANNOTATION } from '../mirror-pod.js';
import type { Pod } from '../types.js';
import { forbidden, invalid, type FieldError } from './field-error.js';
const FIELD = `metadata.annotations[${MIRROR_POD_ANNOTATION}]`;

export function validateMirrorPodAnnotation(pod: Pod): FieldError[] {
  const value = pod.metadata?.annotations?.[MIRROR_POD_ANNOTATION];
  if (value && !pod.spec?.nodeName) return [invalid(FIELD, value, 'must set spec.nodeName if mirror pod annotation is set')];
  return [];
}

export function validateMirrorPodAnnotationUpdate(next: Pod, old: Pod): FieldError[] {
  const now = next.metadata?.annotations?.[MIRROR_POD_ANNOTATION];
  const was = old.metadata?.annotations?.[MIRROR_POD_ANNOTATION];
  if (was !== undefined && now !== was) return [forbidden(FIELD, 'may not remove or update mirror pod annotation')];
  if (was === undefined && now !== undefined) return [forbidden(FIELD, 'may not add mirror pod annotation')];
  return [];
}
