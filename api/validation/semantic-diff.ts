// Kubernetes compares specs "semantically" on update: nil and empty lists/maps are equal,
// Go zero values equal absent fields, and quantities compare by value ("1" == "1000m").
// This lists the leaf paths where two JSON objects differ under those rules, for the
// "pod updates may not change fields other than ..." message.

import { compareQuantities, parseQuantity } from '../quantity.js';

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function isEmpty(v: unknown): boolean {
  if (v === undefined || v === null || v === '' || v === false) return true;
  if (Array.isArray(v)) return v.length === 0;
  return isPlainObject(v) && Object.values(v).every(isEmpty);
}

function sameQuantity(a: unknown, b: unknown): boolean {
  if ((typeof a !== 'string' && typeof a !== 'number') || (typeof b !== 'string' && typeof b !== 'number')) return false;
  try {
    return compareQuantities(parseQuantity(String(a)), parseQuantity(String(b))) === 0;
  } catch {
    return false;
  }
}

const show = (v: unknown): string => (v === undefined ? 'null' : JSON.stringify(v));

/** "- path: old" / "+ path: new" lines for every difference; [] when semantically equal. */
export function semanticDiff(oldValue: unknown, newValue: unknown, path: string, inQuantities = false): string[] {
  if (isEmpty(oldValue) && isEmpty(newValue)) return [];
  if (Array.isArray(oldValue) && Array.isArray(newValue)) {
    const out: string[] = [];
    for (let i = 0; i < Math.max(oldValue.length, newValue.length); i++) {
      out.push(...semanticDiff(oldValue[i], newValue[i], `${path}[${i}]`));
    }
    return out;
  }
  if (isPlainObject(oldValue) && isPlainObject(newValue)) {
    const keys = [...new Set([...Object.keys(oldValue), ...Object.keys(newValue)])].sort();
    // Resource lists (limits, requests) hold quantities.
    const quantities = path.endsWith('.limits') || path.endsWith('.requests');
    return keys.flatMap((k) => semanticDiff(oldValue[k], newValue[k], `${path}.${k}`, quantities));
  }
  if (oldValue === newValue) return [];
  if (inQuantities && sameQuantity(oldValue, newValue)) return [];
  return [`- ${path}: ${show(oldValue)}`, `+ ${path}: ${show(newValue)}`];
}
