// Pod tolerations: the type (not yet in api/types.ts) and Kubernetes' ValidateTolerations.

import { invalid, notSupported, type FieldError } from './field-error.js';
import { isQualifiedName, isValidLabelValue } from './names.js';

export interface Toleration {
  key?: string;
  operator?: 'Exists' | 'Equal' | (string & {});
  value?: string;
  effect?: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute' | '' | (string & {});
  tolerationSeconds?: number | null;
}

const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

export function validateTolerations(tolerations: readonly Toleration[] | undefined, field: string): FieldError[] {
  const errs: FieldError[] = [];
  (tolerations ?? []).forEach((t, i) => {
    const path = `${field}[${i}]`;
    const key = t.key ?? '';
    const operator = t.operator ?? '';
    const effect = t.effect ?? '';
    const value = t.value ?? '';
    if (key) errs.push(...isQualifiedName(key).map((msg) => invalid(`${path}.key`, key, msg)));
    // An empty key with Exists is the "tolerate everything" toleration; nothing else may omit it.
    if (!key && operator !== 'Exists') {
      errs.push(invalid(`${path}.operator`, operator, 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    }
    if (t.tolerationSeconds !== undefined && t.tolerationSeconds !== null && effect !== 'NoExecute') {
      errs.push(invalid(`${path}.effect`, effect, "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    }
    if (operator === 'Equal' || operator === '') {
      const problems = isValidLabelValue(value);
      if (problems.length) errs.push(invalid(`${path}.operator`, value, problems.join(';')));
    } else if (operator === 'Exists') {
      if (value) errs.push(invalid(`${path}.operator`, value, "value must be empty when `operator` is 'Exists'"));
    } else {
      errs.push(notSupported(`${path}.operator`, operator, ['Equal', 'Exists']));
    }
    if (effect && !TAINT_EFFECTS.includes(effect)) errs.push(notSupported(`${path}.effect`, effect, TAINT_EFFECTS));
  });
  return errs;
}

/** Equal as Kubernetes compares tolerations on update: everything but tolerationSeconds. */
export function sameTolerationIgnoringSeconds(a: Toleration, b: Toleration): boolean {
  return (a.key ?? '') === (b.key ?? '') && (a.operator ?? '') === (b.operator ?? '') && (a.value ?? '') === (b.value ?? '') && (a.effect ?? '') === (b.effect ?? '');
}
