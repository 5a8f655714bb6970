// Strategy of policy/v1 PodDisruptionBudgets: validation, and status only through /status
// (written by the disruption controller and by the eviction subresource).

import type { PodDisruptionBudget } from '../../../api/policy-types.js';
import { resources } from '../../../api/resources.js';
import { validatePodDisruptionBudget, validatePodDisruptionBudgetUpdate } from '../../../api/validation/policy.js';
import { toCauses } from './causes.js';
import { podDisruptionBudgetTable } from './printers/index.js';
import { keepAllButStatus, keepStatus } from './status-strategy.js';
import type { Strategy } from './strategy.js';

export const podDisruptionBudgetStrategy: Strategy = {
  type: resources.poddisruptionbudgets,
  prepareForCreate(obj) {
    obj['status'] = { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 };
  },
  prepareForUpdate: keepStatus,
  prepareForStatusUpdate: keepAllButStatus,
  validate: (obj) => toCauses(validatePodDisruptionBudget(obj as PodDisruptionBudget)),
  validateUpdate: (obj, old) => toCauses(validatePodDisruptionBudgetUpdate(obj as PodDisruptionBudget, old as PodDisruptionBudget)),
  table: podDisruptionBudgetTable,
};
