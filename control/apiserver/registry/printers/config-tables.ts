// The configmaps, secrets and serviceaccounts Tables as Kubernetes prints them: DATA counts
// keys (data and binaryData), SECRETS counts the referenced secrets.

import type { ConfigMap, Secret, ServiceAccount } from '../../../../api/service-types.js';
import type { TableRow } from '../../../../api/types.js';
import { ageColumn, column, nameColumn, tableOf } from './columns.js';
import { timestampAge } from './human-duration.js';

const count = (map: Record<string, unknown> | undefined) => Object.keys(map ?? {}).length;

export const configMapColumnDefinitions = [nameColumn(), column('Data', 'string', 'Number of keys in the ConfigMap.'), ageColumn()];

export function printConfigMap(cm: ConfigMap, now: Date): TableRow {
  return { cells: [cm.metadata.name ?? '', count(cm.data) + count(cm.binaryData), timestampAge(cm.metadata.creationTimestamp, now)] };
}

export const configMapTable = tableOf<ConfigMap>(configMapColumnDefinitions, printConfigMap);

export const secretColumnDefinitions = [
  nameColumn(),
  column('Type', 'string', 'Used to facilitate programmatic handling of secret data.'),
  column('Data', 'string', 'Number of keys in the Secret.'),
  ageColumn(),
];

export function printSecret(secret: Secret, now: Date): TableRow {
  return { cells: [secret.metadata.name ?? '', secret.type ?? '', count(secret.data), timestampAge(secret.metadata.creationTimestamp, now)] };
}

export const secretTable = tableOf<Secret>(secretColumnDefinitions, printSecret);

export const serviceAccountColumnDefinitions = [nameColumn(), column('Secrets', 'string', 'Number of secrets this ServiceAccount references.'), ageColumn()];

export function printServiceAccount(sa: ServiceAccount, now: Date): TableRow {
  return { cells: [sa.metadata.name ?? '', (sa.secrets ?? []).length, timestampAge(sa.metadata.creationTimestamp, now)] };
}

export const serviceAccountTable = tableOf<ServiceAccount>(serviceAccountColumnDefinitions, printServiceAccount);
