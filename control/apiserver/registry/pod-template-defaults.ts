// Defaults for the pod template inside a workload. Kubernetes runs only the PodSpec scheme
// defaults on templates; what SetDefaults_Pod and admission add to real pods stays off:
// enableServiceLinks, requests copied from limits, host ports on the host network, default
// tolerations and the resolved priority. defaultPod does all of it, so those fields are
// put back as the template had them.

import type { Container, Pod, PodSpec } from '../../../api/types.js';
import type { PodTemplateSpec } from '../../../api/workload-types.js';
import { defaultPod } from './pod-strategy.js';

const POD_ONLY_FIELDS = ['tolerations', 'priority', 'preemptionPolicy', 'enableServiceLinks'] as const;

function restoreContainers(now: (Container | null)[] | undefined, before: (Container | null)[] | undefined): void {
  (now ?? []).forEach((c, i) => {
    const was = before?.[i];
    if (!c || !was) return;
    if (was.resources === undefined) delete c.resources;
    else c.resources = was.resources;
    (c.ports ?? []).forEach((port, j) => {
      const hostPort = was.ports?.[j]?.hostPort;
      if (!port) return;
      if (hostPort === undefined) delete port.hostPort;
      else port.hostPort = hostPort;
    });
  });
}

export function defaultPodTemplate(template: PodTemplateSpec | undefined): void {
  if (!template || typeof template !== 'object') return;
  const spec = (template.spec ??= { containers: [] }) as PodSpec & Record<string, unknown>;
  // Copies: defaultPod changes lists (tolerations, requests) in place.
  const before = new Map(POD_ONLY_FIELDS.map((k) => [k, structuredClone(spec[k])]));
  const containers = structuredClone(spec.containers);
  const initContainers = structuredClone(spec.initContainers);
  defaultPod({ metadata: {}, spec } as unknown as Pod);
  for (const [key, value] of before) {
    if (value === undefined) delete spec[key];
    else spec[key] = value;
  }
  restoreContainers(spec.containers, containers);
  restoreContainers(spec.initContainers, initContainers);
}
