// The Table for resources without a printer of their own: NAME and AGE, shaped like the
// default columns Kubernetes gives custom resources (an "Age" column of type date whose
// cell the server has already turned into a human-readable age).

import type { KubeObject, TableColumnDefinition, TableRow } from '../../../../api/types.js';
import type { TableConversion } from '../strategy.js';
import { CREATION_TIMESTAMP_DESCRIPTION, NAME_DESCRIPTION } from './column-descriptions.js';
import { timestampAge } from './human-duration.js';

export const defaultColumnDefinitions: TableColumnDefinition[] = [
  { name: 'Name', type: 'string', format: 'name', description: NAME_DESCRIPTION, priority: 0 },
  { name: 'Age', type: 'date', format: '', description: CREATION_TIMESTAMP_DESCRIPTION, priority: 0 },
];

export function printDefault(obj: KubeObject, now: Date): TableRow {
  return { cells: [obj.metadata.name ?? '', timestampAge(obj.metadata.creationTimestamp, now)] };
}

export const defaultTable: TableConversion = {
  columnDefinitions: defaultColumnDefinitions,
  rows: (objects: KubeObject[], now: Date) => objects.map((o) => printDefault(o, now)),
};
