// The Pod strategy: Kubernetes' defaulting and validation (pod-strategy.ts), status kept
// apart from spec, spec.nodeName set only by create or the binding subresource, and
// graceful deletion — a pod on a node gets deletionTimestamp and its grace period, and the
// node's agent deletes it for good once its containers are gone.

import { resources } from '../../../api/resources.js';
import type { Pod } from '../../../api/types.js';
import { toCauses } from './causes.js';
import { DEFAULT_POD_ADMISSION, defaultPod, podFieldGetter, type PodAdmission, podFieldNames, podSelectableFields, validatePod, validatePodUpdate } from './pod-strategy.js';
import { podTable } from './printers/index.js';
import { keepAllButStatus, keepStatus } from './status-strategy.js';
import { podSchema } from './schema/kinds.js';
import type { Strategy } from './strategy.js';

/** The Pod strategy, with the control server's admission settings. */
export const podStrategy = (admission: PodAdmission = DEFAULT_POD_ADMISSION): Strategy => ({
  type: resources.pods,
  schema: podSchema,
  defaults: (obj) => defaultPod(obj as Pod, admission),
  prepareForCreate(obj) {
    (obj as Pod).status = { phase: 'Pending' };
  },
  prepareForUpdate: keepStatus,
  prepareForStatusUpdate: keepAllButStatus,
  validate: (obj) => toCauses(validatePod(obj as Pod)),
  validateUpdate: (obj, old) => toCauses(validatePodUpdate(obj as Pod, old as Pod)),
  fields: { names: podFieldNames, ...(podSelectableFields.aliases ? { aliases: podSelectableFields.aliases } : {}), getter: (obj) => podFieldGetter(obj as Pod) },
  table: podTable,
  gracePeriod(obj, requested) {
    const pod = obj as Pod;
    // Never scheduled, or finished: no process to stop, so the pod goes at once.
    if (!pod.spec.nodeName) return 0;
    if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return 0;
    const grace = requested ?? pod.spec.terminationGracePeriodSeconds ?? 30;
    return Math.max(0, grace);
  },
});
