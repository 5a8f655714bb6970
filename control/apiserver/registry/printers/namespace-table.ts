// The namespaces Table as Kubernetes' printNamespace builds it: NAME, STATUS, AGE.

import type { KubeObject, Namespace, TableColumnDefinition, TableRow } from '../../../../api/types.js';
import type { TableConversion } from '../strategy.js';
import { CREATION_TIMESTAMP_DESCRIPTION, NAME_DESCRIPTION } from './column-descriptions.js';
import { timestampAge } from './human-duration.js';

export const namespaceColumnDefinitions: TableColumnDefinition[] = [
  { name: 'Name', type: 'string', format: 'name', description: NAME_DESCRIPTION, priority: 0 },
  { name: 'Status', type: 'string', format: '', description: 'The status of the namespace', priority: 0 },
  { name: 'Age', type: 'string', format: '', description: CREATION_TIMESTAMP_DESCRIPTION, priority: 0 },
];

export function printNamespace(ns: Namespace, now: Date): TableRow {
  return { cells: [ns.metadata.name ?? '', ns.status?.phase ?? '', timestampAge(ns.metadata.creationTimestamp, now)] };
}

export const namespaceTable: TableConversion = {
  columnDefinitions: namespaceColumnDefinitions,
  rows: (objects: KubeObject[], now: Date) => objects.map((o) => printNamespace(o as Namespace, now)),
};
