// The controllerrevisions Table as Kubernetes' printControllerRevision builds it: NAME,
// CONTROLLER ("daemonset.apps/agent", or <none>), REVISION, AGE.

import type { ControllerRevision } from '../../../../api/workload-types.js';
import { ageColumn, column, nameColumn, tableOf } from './columns.js';
import { timestampAge } from './human-duration.js';

export const controllerRevisionColumnDefinitions = [
  nameColumn(),
  column('Controller', 'string', 'Controller of the object'),
  column('Revision', 'string', 'Revision indicates the revision of the state represented by Data.'),
  ageColumn(),
];

function controllerName(cr: ControllerRevision): string {
  const ref = cr.metadata.ownerReferences?.find((r) => r.controller === true);
  if (!ref) return '<none>';
  const group = ref.apiVersion.includes('/') ? ref.apiVersion.split('/')[0] : '';
  return `${ref.kind.toLowerCase()}${group ? `.${group}` : ''}/${ref.name}`;
}

export const controllerRevisionTable = tableOf<ControllerRevision>(controllerRevisionColumnDefinitions, (cr, now) => ({
  cells: [cr.metadata.name ?? '', controllerName(cr), cr.revision ?? 0, timestampAge(cr.metadata.creationTimestamp, now)],
}));
