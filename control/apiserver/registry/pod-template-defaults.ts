// Defaults for the pod template inside a workload. Kubernetes runs only the PodSpec scheme
// defaults on templates; what SetDefaults_Pod and admission add to real pods
// (enableServiceLinks, requests copied from limits, host ports on the host network,
// default tolerations, the resolved priority) is for the pods made from the template.

import type { PodTemplateSpec } from '../../../api/workload-types.js';
import { defaultPodSpec } from './pod-strategy.js';

export function defaultPodTemplate(template: PodTemplateSpec | undefined): void {
  if (!template || typeof template !== 'object') return;
  defaultPodSpec((template.spec ??= { containers: [] }));
}
