// Field errors from validation → the causes of a 422 Invalid Status.

import type { StatusCause } from '../../../api/types.js';
import type { FieldError } from '../../../api/validation/field-error.js';

export function toCauses(list: FieldError[]): StatusCause[] {
  return list.map((e) => ({ reason: e.type, message: e.message, field: e.field }));
}
