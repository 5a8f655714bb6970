// Shorthands for column definitions and the cells several printers share (the wide
// Containers / Images / Selector columns of workloads, label maps and selectors as
// kubectl formats them).

import { labelSelectorAsMatcher, type LabelSelector } from '../../../../api/labels.js';
import type { KubeObject, TableColumnDefinition, TableRow } from '../../../../api/types.js';
import type { PodTemplateSpec } from '../../../../api/workload-types.js';
import type { TableConversion } from '../strategy.js';
import { CREATION_TIMESTAMP_DESCRIPTION, NAME_DESCRIPTION } from './column-descriptions.js';

export function column(name: string, type: string, description: string, priority = 0): TableColumnDefinition {
  return { name, type, format: name === 'Name' ? 'name' : '', description, priority };
}

export const nameColumn = (): TableColumnDefinition => column('Name', 'string', NAME_DESCRIPTION);
export const ageColumn = (): TableColumnDefinition => column('Age', 'string', CREATION_TIMESTAMP_DESCRIPTION);

export const templateColumns = (): TableColumnDefinition[] => [
  column('Containers', 'string', 'Names of each container in the template.', 1),
  column('Images', 'string', 'Images referenced by each container in the template.', 1),
  column('Selector', 'string', 'Label selector for pods. Existing pods that match it are the ones this object controls.', 1),
];

/** labels.FormatLabels: "a=b,c=d" sorted by key, "<none>" when empty. */
export function formatLabels(map: Record<string, string> | null | undefined): string {
  const keys = Object.keys(map ?? {}).sort();
  return keys.length ? keys.map((k) => `${k}=${map![k]}`).join(',') : '<none>';
}

/** metav1.FormatLabelSelector: the canonical selector string, "<none>" when empty. */
export function formatLabelSelector(selector: LabelSelector | null | undefined): string {
  try {
    const text = labelSelectorAsMatcher(selector).toString();
    return text === '' ? '<none>' : text;
  } catch {
    return '<error>';
  }
}

/** Containers, Images: the template's container names and images, comma-joined. */
export function templateCells(template: PodTemplateSpec | undefined): [string, string] {
  const containers = (template?.spec?.containers ?? []).filter((c) => c);
  return [containers.map((c) => c.name ?? '').join(','), containers.map((c) => c.image ?? '').join(',')];
}

export function tableOf<T extends KubeObject>(columnDefinitions: TableColumnDefinition[], print: (obj: T, now: Date) => TableRow): TableConversion {
  return { columnDefinitions, rows: (objects: KubeObject[], now: Date) => objects.map((o) => print(o as T, now)) };
}
