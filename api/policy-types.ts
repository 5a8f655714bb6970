// policy/v1 PodDisruptionBudget, as far as the API server, the disruption controller and
// the eviction subresource read it.

import type { LabelSelector } from './labels.js';
import type { KubeObject } from './types.js';
import type { IntOrString } from './workload-types.js';

export interface PodDisruptionBudgetSpec {
  minAvailable?: IntOrString;
  maxUnavailable?: IntOrString;
  /** nil selects no pods; {} selects every pod of the namespace (policy/v1). */
  selector?: LabelSelector | null;
  /** IfHealthyBudget (default behaviour) or AlwaysAllow. */
  unhealthyPodEvictionPolicy?: string;
}

export interface PodDisruptionBudgetCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  observedGeneration?: number;
  lastTransitionTime: string;
}

export interface PodDisruptionBudgetStatus {
  observedGeneration?: number;
  /** Pod name → when the eviction subresource let it go, until the controller sees it deleted. */
  disruptedPods?: Record<string, string>;
  disruptionsAllowed: number;
  currentHealthy: number;
  desiredHealthy: number;
  expectedPods: number;
  conditions?: PodDisruptionBudgetCondition[];
}

export interface PodDisruptionBudget extends KubeObject {
  spec: PodDisruptionBudgetSpec;
  status?: PodDisruptionBudgetStatus;
}

export const DISRUPTION_ALLOWED_CONDITION = 'DisruptionAllowed';
export const UNHEALTHY_POD_EVICTION_POLICIES = ['IfHealthyBudget', 'AlwaysAllow'];
