// metav1.LabelSelector validation (ValidateLabelSelector) and the check every workload
// makes: its selector must select its own pod template.

import { labelSelectorAsMatcher, type LabelSelector } from '../labels.js';
import { forbidden, goQuote, invalid, required, StringerValue, type FieldError } from './field-error.js';
import { isQualifiedName } from './names.js';
import { validateLabels } from './object-meta.js';

export function validateLabelSelector(selector: LabelSelector | null | undefined, field: string): FieldError[] {
  if (!selector) return [];
  const errs: FieldError[] = [];
  (selector.matchExpressions ?? []).forEach((expr, i) => {
    const path = `${field}.matchExpressions[${i}]`;
    if (!expr || typeof expr !== 'object') {
      errs.push(required(path));
      return;
    }
    const values = expr.values ?? [];
    switch (expr.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) errs.push(required(`${path}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) errs.push(forbidden(`${path}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
        break;
      default:
        errs.push(invalid(`${path}.operator`, expr.operator, 'not a valid selector operator'));
    }
    for (const msg of isQualifiedName(String(expr.key ?? ''))) errs.push(invalid(`${path}.key`, expr.key ?? '', msg));
  });
  errs.push(...validateLabels(selector.matchLabels ?? undefined, `${field}.matchLabels`));
  return errs;
}

/** A Go map[string]string as %#v prints it (keys sorted), for "Invalid value: map[…]". */
export function goStringMap(map: Record<string, string> | null | undefined): StringerValue {
  if (!map) return new StringerValue('map[string]string(nil)');
  const entries = Object.keys(map)
    .sort()
    .map((k) => `${goQuote(k)}:${goQuote(String(map[k]))}`);
  return new StringerValue(`map[string]string{${entries.join(', ')}}`);
}

/** True when the selector (a valid, non-empty one) selects these labels. */
export function selectorMatches(selector: LabelSelector, labels: Record<string, string> | undefined): boolean {
  try {
    return labelSelectorAsMatcher(selector).matches(labels ?? {});
  } catch {
    return false; // an invalid selector was reported by validateLabelSelector
  }
}

/**
 * The selector rules of Deployments, ReplicaSets and DaemonSets: required, not empty,
 * valid, and matching the template's labels.
 */
export function validateWorkloadSelector(
  selector: LabelSelector | null | undefined,
  templateLabels: Record<string, string> | undefined,
  kindWord: string,
): FieldError[] {
  if (!selector) return [required('spec.selector')];
  const errs = validateLabelSelector(selector, 'spec.selector');
  const empty = Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0;
  if (empty) {
    errs.push(invalid('spec.selector', new StringerValue(selectorText(selector)), `empty selector is invalid for ${kindWord}`));
  } else if (errs.length === 0 && !selectorMatches(selector, templateLabels)) {
    errs.push(invalid('spec.template.metadata.labels', goStringMap(templateLabels ?? {}), '`selector` does not match template `labels`'));
  }
  return errs;
}

function selectorText(selector: LabelSelector): string {
  const labels = Object.entries(selector.matchLabels ?? {}).map(([k, v]) => `${goQuote(k)}:${goQuote(v)}`);
  return `&LabelSelector{MatchLabels:map[string]string{${labels.join(',')}},MatchExpressions:[]LabelSelectorRequirement{},}`;
}
