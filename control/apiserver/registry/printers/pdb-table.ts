// The poddisruptionbudgets Table as Kubernetes' printPodDisruptionBudget builds it:
// NAME, MIN AVAILABLE, MAX UNAVAILABLE (N/A when unset), ALLOWED DISRUPTIONS, AGE.

import type { PodDisruptionBudget } from '../../../../api/policy-types.js';
import { ageColumn, column, nameColumn, tableOf } from './columns.js';
import { timestampAge } from './human-duration.js';

export const podDisruptionBudgetColumnDefinitions = [
  nameColumn(),
  column('Min Available', 'string', 'The minimum number of pods that must be available.'),
  column('Max Unavailable', 'string', 'The maximum number of pods that may be unavailable.'),
  column('Allowed Disruptions', 'integer', 'Calculated number of pods that may be disrupted at this time.'),
  ageColumn(),
];

function intOrString(v: number | string | undefined | null): string {
  return v === undefined || v === null ? 'N/A' : String(v);
}

export const podDisruptionBudgetTable = tableOf<PodDisruptionBudget>(podDisruptionBudgetColumnDefinitions, (pdb, now) => ({
  cells: [pdb.metadata.name ?? '', intOrString(pdb.spec?.minAvailable), intOrString(pdb.spec?.maxUnavailable), pdb.status?.disruptionsAllowed ?? 0, timestampAge(pdb.metadata.creationTimestamp, now)],
}));
