// ControllerRevision validation as Kubernetes' apps validation does it: a DNS subdomain
// name, data present, a non-negative revision; data never changes once written (only the
// revision number may, when a rollback makes an old template current again).

import type { ControllerRevision } from '../workload-types.js';
import { invalid, required, StringerValue, type FieldError } from './field-error.js';
import { nonNegative } from './apps.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './object-meta.js';

export function validateControllerRevision(cr: ControllerRevision): FieldError[] {
  const errs = validateObjectMeta(cr.metadata ?? {}, { namespaced: true, nameRule: 'subdomain' });
  if (cr.data === undefined || cr.data === null) errs.push(required('data', 'data is mandatory'));
  errs.push(...nonNegative(cr.revision, 'revision'));
  return errs;
}

export function validateControllerRevisionUpdate(next: ControllerRevision, old: ControllerRevision): FieldError[] {
  const errs = [...validateObjectMetaUpdate(next.metadata ?? {}, old.metadata ?? {}), ...validateControllerRevision(next)];
  if (JSON.stringify(next.data) !== JSON.stringify(old.data)) errs.push(invalid('data', new StringerValue(JSON.stringify(next.data)), 'field is immutable'));
  return errs;
}
