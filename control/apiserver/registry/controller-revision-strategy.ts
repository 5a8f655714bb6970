// Strategy of apps/v1 ControllerRevisions: the DaemonSet controller's template history
// (`kubectl rollout history|undo daemonset` read and apply it). No spec, no status.

import { resources } from '../../../api/resources.js';
import { validateControllerRevision, validateControllerRevisionUpdate } from '../../../api/validation/controller-revision.js';
import type { ControllerRevision } from '../../../api/workload-types.js';
import { toCauses } from './causes.js';
import { controllerRevisionTable } from './printers/controller-revision-table.js';
import type { Strategy } from './strategy.js';

export const controllerRevisionStrategy: Strategy = {
  type: resources.controllerrevisions,
  validate: (obj) => toCauses(validateControllerRevision(obj as ControllerRevision)),
  validateUpdate: (obj, old) => toCauses(validateControllerRevisionUpdate(obj as ControllerRevision, old as ControllerRevision)),
  specChanged: () => false,
  table: controllerRevisionTable,
};
