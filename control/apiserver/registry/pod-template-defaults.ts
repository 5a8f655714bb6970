// Defaults for the pod template inside a workload: the scheme defaults of a pod spec
// (defaultPod), without what only admission adds to real pods (default tolerations,
// resolved priority) — Kubernetes stores templates without those too.

import type { Pod, PodSpec } from '../../../api/types.js';
import type { PodTemplateSpec } from '../../../api/workload-types.js';
import { defaultPod } from './pod-strategy.js';

const ADMISSION_FIELDS = ['tolerations', 'priority', 'preemptionPolicy'] as const;

export function defaultPodTemplate(template: PodTemplateSpec | undefined): void {
  if (!template || typeof template !== 'object') return;
  const spec = (template.spec ??= { containers: [] }) as PodSpec & Record<string, unknown>;
  // Copies: defaultPod appends to an existing tolerations list in place.
  const before = new Map(ADMISSION_FIELDS.map((k) => [k, structuredClone(spec[k])]));
  defaultPod({ metadata: {}, spec } as unknown as Pod);
  for (const [key, value] of before) {
    if (value === undefined) delete spec[key];
    else spec[key] = value;
  }
}
