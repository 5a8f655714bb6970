// ConfigMap, Secret and ServiceAccount validation as Kubernetes does it: keys are config
// keys, the whole payload stays under 1 MiB, typed secrets carry their required keys, and
// an immutable object keeps its data.

import type { ConfigMap, Secret, ServiceAccount } from '../service-types.js';
import { forbidden, invalid, required, tooLong, type FieldError } from './field-error.js';
import { regexError } from './names.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './object-meta.js';

/** core.MaxSecretSize, which ConfigMaps share. */
export const MAX_SECRET_SIZE = 1024 * 1024;
const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;
const IMMUTABLE_MSG = 'field is immutable when `immutable` is set';

/** validation.IsConfigMapKey: problems with a data key, [] when fine. */
export function isConfigMapKey(key: string): string[] {
  const errs: string[] = [];
  if (key.length > 253) errs.push('must be no more than 253 characters');
  if (!CONFIG_KEY.test(key)) errs.push(regexError('a valid config key must consist of alphanumeric characters, \'-\', \'_\' or \'.\'', '[-._a-zA-Z0-9]+', 'key.name', 'KEY_NAME', 'key-name'));
  if (key === '.') errs.push("must not be '.'");
  else if (key === '..') errs.push("must not be '..'");
  else if (key.startsWith('..')) errs.push("must not start with '..'");
  return errs;
}

function keyErrors(map: Record<string, string> | undefined, field: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const key of Object.keys(map ?? {})) for (const msg of isConfigMapKey(key)) errs.push(invalid(`${field}[${key}]`, key, msg));
  return errs;
}

export function validateConfigMap(cm: ConfigMap): FieldError[] {
  const errs = validateObjectMeta(cm.metadata ?? {}, { namespaced: true, nameRule: 'subdomain' });
  errs.push(...keyErrors(cm.data, 'data'), ...keyErrors(cm.binaryData, 'binaryData'));
  let size = 0;
  for (const [key, value] of Object.entries(cm.data ?? {})) {
    size += Buffer.byteLength(String(value));
    if (cm.binaryData && Object.prototype.hasOwnProperty.call(cm.binaryData, key)) errs.push(invalid(`data[${key}]`, key, 'duplicate of key present in binaryData'));
  }
  for (const value of Object.values(cm.binaryData ?? {})) size += Buffer.from(String(value), 'base64').length;
  if (size > MAX_SECRET_SIZE) errs.push(tooLong('', MAX_SECRET_SIZE));
  return errs;
}

function immutableErrors(next: { immutable?: boolean }, old: { immutable?: boolean }, changed: boolean, dataField: string): FieldError[] {
  if (old.immutable !== true) return [];
  const errs: FieldError[] = [];
  if (next.immutable !== true) errs.push(forbidden('immutable', IMMUTABLE_MSG));
  if (changed) errs.push(forbidden(dataField, IMMUTABLE_MSG));
  return errs;
}

export function validateConfigMapUpdate(next: ConfigMap, old: ConfigMap): FieldError[] {
  const errs = validateObjectMetaUpdate(next.metadata ?? {}, old.metadata ?? {});
  errs.push(...immutableErrors(next, old, JSON.stringify(next.data ?? {}) !== JSON.stringify(old.data ?? {}), 'data'));
  if (old.immutable === true && JSON.stringify(next.binaryData ?? {}) !== JSON.stringify(old.binaryData ?? {})) errs.push(forbidden('binaryData', IMMUTABLE_MSG));
  return errs;
}

/** Keys each built-in secret type must carry. */
const REQUIRED_SECRET_KEYS: Record<string, string[]> = {
  'kubernetes.io/dockercfg': ['.dockercfg'],
  'kubernetes.io/dockerconfigjson': ['.dockerconfigjson'],
  'kubernetes.io/ssh-auth': ['ssh-privatekey'],
  'kubernetes.io/tls': ['tls.crt', 'tls.key'],
};

export function validateSecret(secret: Secret): FieldError[] {
  const errs = validateObjectMeta(secret.metadata ?? {}, { namespaced: true, nameRule: 'subdomain' });
  const data = secret.data ?? {};
  errs.push(...keyErrors(data, 'data'));
  let size = 0;
  for (const value of Object.values(data)) size += Buffer.from(String(value), 'base64').length;
  if (size > MAX_SECRET_SIZE) errs.push(tooLong('data', MAX_SECRET_SIZE));
  const type = secret.type ?? '';
  for (const key of REQUIRED_SECRET_KEYS[type] ?? []) if (!(key in data)) errs.push(required(`data[${key}]`));
  if (type === 'kubernetes.io/service-account-token' && !secret.metadata?.annotations?.['kubernetes.io/service-account.name']) {
    errs.push(required('metadata.annotations[kubernetes.io/service-account.name]'));
  }
  if (type === 'kubernetes.io/basic-auth' && !('username' in data) && !('password' in data)) {
    errs.push(required('data[username]', 'at least one of `username` or `password` must be set'));
  }
  return errs;
}

export function validateSecretUpdate(next: Secret, old: Secret): FieldError[] {
  const errs = validateObjectMetaUpdate(next.metadata ?? {}, old.metadata ?? {});
  if ((next.type ?? '') !== (old.type ?? '')) errs.push(invalid('type', next.type ?? '', 'field is immutable'));
  errs.push(...immutableErrors(next, old, JSON.stringify(next.data ?? {}) !== JSON.stringify(old.data ?? {}), 'data'));
  return errs;
}

export function validateServiceAccount(sa: ServiceAccount): FieldError[] {
  return validateObjectMeta(sa.metadata ?? {}, { namespaced: true, nameRule: 'subdomain' });
}
