// ObjectMeta validation as apimachinery's ValidateObjectMeta (plus the core group's
// finalizer-name rule) does it, with the same field paths and messages. Note that
// Kubernetes reports label and annotation problems on the map's path itself
// ("metadata.labels"), not on the key.

import type { ObjectMeta, OwnerReference } from '../types.js';
import { forbidden, formatBadValue, GoStringSlice, invalid, required, tooLong, type FieldError } from './field-error.js';
import { isQualifiedName, isValidLabelValue, nameIsDNS1035Label, nameIsDNSLabel, nameIsDNSSubdomain, type NameValidator } from './names.js';

export const TOTAL_ANNOTATION_SIZE_LIMIT_BYTES = 256 * 1024;
export const IS_NEGATIVE_ERROR_MSG = 'must be greater than or equal to 0';
export const FIELD_IMMUTABLE_ERROR_MSG = 'field is immutable';

export function validateLabels(labels: Record<string, string> | undefined, field: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [key, value] of Object.entries(labels ?? {})) {
    for (const msg of isQualifiedName(key)) errs.push(invalid(field, key, msg));
    for (const msg of isValidLabelValue(String(value))) errs.push(invalid(field, value, msg));
  }
  return errs;
}

export function validateAnnotations(annotations: Record<string, string> | undefined, field: string): FieldError[] {
  const errs: FieldError[] = [];
  let size = 0;
  for (const [key, value] of Object.entries(annotations ?? {})) {
    // Annotation keys are qualified names, except that case does not matter.
    for (const msg of isQualifiedName(key.toLowerCase())) errs.push(invalid(field, key, msg));
    size += Buffer.byteLength(key, 'utf8') + Buffer.byteLength(String(value), 'utf8');
  }
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT_BYTES) errs.push(tooLong(field, TOTAL_ANNOTATION_SIZE_LIMIT_BYTES));
  return errs;
}

function versionOf(apiVersion: string): string {
  const parts = apiVersion.split('/');
  if (parts.length === 1) return parts[0]!;
  if (parts.length === 2) return parts[1]!;
  return ''; // not a group/version at all
}

export function validateOwnerReferences(refs: readonly OwnerReference[] | undefined, field: string): FieldError[] {
  const errs: FieldError[] = [];
  let firstController = '';
  for (const ref of refs ?? []) {
    const apiVersion = ref.apiVersion ?? '';
    const kind = ref.kind ?? '';
    if (!versionOf(apiVersion)) errs.push(invalid(`${field}.apiVersion`, apiVersion, 'version must not be empty'));
    if (!kind) errs.push(invalid(`${field}.kind`, kind, 'must not be empty'));
    if (!ref.name) errs.push(invalid(`${field}.name`, ref.name ?? '', 'must not be empty'));
    if (!ref.uid) errs.push(invalid(`${field}.uid`, ref.uid ?? '', 'must not be empty'));
    if (apiVersion === 'v1' && kind === 'Event') errs.push(invalid(field, ref, '/v1, Kind=Event is disallowed from being an owner'));
    if (ref.controller) {
      const current = `${kind}/${ref.name ?? ''}`;
      if (firstController) {
        errs.push(
          invalid(field, refs, `Only one reference can have Controller set to true. Found "true" in references for ${firstController} and ${current}`),
        );
      } else {
        firstController = current;
      }
    }
  }
  return errs;
}

const STANDARD_FINALIZERS = new Set(['kubernetes', 'orphan', 'foregroundDeletion']);

export function validateFinalizers(finalizers: readonly string[] | undefined, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const list = finalizers ?? [];
  for (const name of list) {
    for (const msg of isQualifiedName(name)) errs.push(invalid(field, name, msg));
  }
  if (list.includes('orphan') && list.includes('foregroundDeletion')) {
    errs.push(invalid(field, new GoStringSlice(list), 'finalizer orphan and foregroundDeletion cannot be both set'));
  }
  // The core API group also wants un-prefixed finalizers to be ones it knows.
  list.forEach((name, i) => {
    if (!name.includes('/') && !STANDARD_FINALIZERS.has(name)) {
      errs.push(invalid(`${field}[${i}]`, name, 'name is neither a standard finalizer name nor is it fully qualified'));
    }
  });
  return errs;
}

export interface ObjectMetaRules {
  /** Namespaced resources need a namespace; cluster-scoped ones must not have one. */
  namespaced: boolean;
  /**
   * How the resource's names are checked: most types use DNS-1123 subdomains
   * ('subdomain', the default), namespaces use labels, services DNS-1035 labels.
   */
  nameRule?: 'subdomain' | 'label' | 'dns1035';
  /** A custom name check; wins over nameRule. */
  nameFn?: NameValidator;
}

const NAME_RULES: Record<NonNullable<ObjectMetaRules['nameRule']>, NameValidator> = {
  subdomain: nameIsDNSSubdomain,
  label: nameIsDNSLabel,
  dns1035: nameIsDNS1035Label,
};

/**
 * Metadata rules on create. A missing name is fine while generateName is set, because
 * the name is generated from it before the object is stored.
 */
export function validateObjectMeta(meta: ObjectMeta, rules: ObjectMetaRules, field = 'metadata'): FieldError[] {
  const nameFn = rules.nameFn ?? NAME_RULES[rules.nameRule ?? 'subdomain'];
  const errs: FieldError[] = [];
  const name = meta.name ?? '';
  const generateName = meta.generateName ?? '';
  if (generateName) {
    for (const msg of nameFn(generateName, true)) errs.push(invalid(`${field}.generateName`, generateName, msg));
  }
  if (!name) {
    if (!generateName) errs.push(required(`${field}.name`, 'name or generateName is required'));
  } else {
    for (const msg of nameFn(name, false)) errs.push(invalid(`${field}.name`, name, msg));
  }
  const namespace = meta.namespace ?? '';
  if (rules.namespaced) {
    if (!namespace) errs.push(required(`${field}.namespace`));
    else for (const msg of nameIsDNSLabel(namespace, false)) errs.push(invalid(`${field}.namespace`, namespace, msg));
  } else if (namespace) {
    errs.push(forbidden(`${field}.namespace`, 'not allowed on this type'));
  }
  if (typeof meta.generation === 'number' && meta.generation < 0) {
    errs.push(invalid(`${field}.generation`, meta.generation, IS_NEGATIVE_ERROR_MSG));
  }
  errs.push(...validateLabels(meta.labels, `${field}.labels`));
  errs.push(...validateAnnotations(meta.annotations, `${field}.annotations`));
  errs.push(...validateOwnerReferences(meta.ownerReferences, `${field}.ownerReferences`));
  errs.push(...validateFinalizers(meta.finalizers, `${field}.finalizers`));
  return errs;
}

/**
 * The rules only an update has: identity fields stay as they were, generation never goes
 * back, and an object that is being deleted may lose finalizers but not gain new ones.
 * Labels, annotations and the rest are checked by validateObjectMeta on the new object;
 * they are not repeated here, so a caller running both gets each problem once.
 */
export function validateObjectMetaUpdate(next: ObjectMeta, old: ObjectMeta, field = 'metadata'): FieldError[] {
  const errs: FieldError[] = [];
  if (old.deletionTimestamp) {
    const before = new Set(old.finalizers ?? []);
    const extra = [...new Set((next.finalizers ?? []).filter((f) => !before.has(f)))].sort();
    if (extra.length) {
      const found = formatBadValue(new GoStringSlice(extra));
      errs.push(forbidden(`${field}.finalizers`, `no new finalizers can be added if the object is being deleted, found new finalizers ${found}`));
    }
  }
  if (typeof next.generation === 'number' && typeof old.generation === 'number' && next.generation < old.generation) {
    errs.push(invalid(`${field}.generation`, next.generation, 'must not be decremented'));
  }
  for (const key of ['name', 'namespace', 'uid', 'creationTimestamp'] as const) {
    const now = next[key] ?? '';
    const was = old[key] ?? '';
    if (now !== was) errs.push(invalid(`${field}.${key}`, now, FIELD_IMMUTABLE_ERROR_MSG));
  }
  return errs;
}
