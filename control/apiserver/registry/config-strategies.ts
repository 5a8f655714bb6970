// Strategies of ConfigMaps, Secrets and ServiceAccounts. A Secret's stringData is a
// write-only convenience: it is merged into data (base64) on every write and never
// stored, and data must be valid base64 as the JSON decoder of Kubernetes requires.

import { errors } from '../../../api/errors.js';
import { resources } from '../../../api/resources.js';
import type { ConfigMap, Secret, ServiceAccount } from '../../../api/service-types.js';
import type { KubeObject } from '../../../api/types.js';
import { validateConfigMap, validateConfigMapUpdate, validateSecret, validateSecretUpdate, validateServiceAccount } from '../../../api/validation/config.js';
import { validateObjectMetaUpdate } from '../../../api/validation/object-meta.js';
import { toCauses } from './causes.js';
import { configMapTable, secretTable, serviceAccountTable } from './printers/index.js';
import type { Strategy } from './strategy.js';

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Where Go's base64 decoder would stop on this text, or -1 when it is valid. */
export function base64ErrorOffset(text: string): number {
  if (BASE64.test(text)) return -1;
  const bad = text.search(/[^A-Za-z0-9+/=]/);
  if (bad >= 0) return bad;
  const pad = text.indexOf('=');
  return pad >= 0 ? pad : Math.floor(text.length / 4) * 4;
}

function checkBase64(kind: string, map: Record<string, string> | undefined): void {
  for (const value of Object.values(map ?? {})) {
    if (typeof value !== 'string') throw errors.badRequest(`${kind} in version "v1" cannot be handled as a ${kind}: data values must be base64-encoded strings`);
    const at = base64ErrorOffset(value);
    if (at >= 0) throw errors.badRequest(`${kind} in version "v1" cannot be handled as a ${kind}: illegal base64 data at input byte ${at}`);
  }
}

/** Merges stringData into data (stringData wins, as Kubernetes' conversion does) and drops it. */
export function mergeStringData(secret: Secret): void {
  const stringData = secret.stringData;
  delete secret.stringData;
  if (!stringData || typeof stringData !== 'object') return;
  const data = (secret.data ??= {});
  for (const [key, value] of Object.entries(stringData)) data[key] = Buffer.from(String(value), 'utf8').toString('base64');
}

const metaUpdate = (obj: KubeObject, old: KubeObject) => toCauses(validateObjectMetaUpdate(obj.metadata ?? {}, old.metadata ?? {}));

export const configMapStrategy: Strategy = {
  type: resources.configmaps,
  defaults: (obj) => checkBase64('ConfigMap', (obj as ConfigMap).binaryData),
  validate: (obj) => toCauses(validateConfigMap(obj as ConfigMap)),
  validateUpdate: (obj, old) => toCauses(validateConfigMapUpdate(obj as ConfigMap, old as ConfigMap)),
  specChanged: () => false,
  table: configMapTable,
};

export const secretStrategy: Strategy = {
  type: resources.secrets,
  defaults(obj) {
    const secret = obj as Secret;
    checkBase64('Secret', secret.data);
    mergeStringData(secret);
    secret.type ||= 'Opaque';
  },
  validate: (obj) => toCauses(validateSecret(obj as Secret)),
  validateUpdate: (obj, old) => toCauses(validateSecretUpdate(obj as Secret, old as Secret)),
  specChanged: () => false,
  fields: {
    names: ['type'],
    getter: (obj) => (field) => (field === 'type' ? String((obj as Secret).type ?? '') : undefined),
  },
  table: secretTable,
};

export const serviceAccountStrategy: Strategy = {
  type: resources.serviceaccounts,
  validate: (obj) => toCauses(validateServiceAccount(obj as ServiceAccount)),
  validateUpdate: metaUpdate,
  specChanged: () => false,
  table: serviceAccountTable,
};
