// Kubeconfig files for the stock kubectl and for our own clients (tests, bench): one
// cluster with an inline CA, one bearer-token user, one context that is current.

import { mkdir, readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { writeFileAtomic } from './atomic-file.js';

export type KubeconfigErrorCode = 'InvalidKubeconfig';

export class KubeconfigError extends Error {
  readonly code: KubeconfigErrorCode = 'InvalidKubeconfig';
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
    this.name = 'KubeconfigError';
  }
}

export interface KubeconfigOptions {
  /** https://host:port */
  server: string;
  caPem: string;
  token: string;
  clusterName?: string;
  user?: string;
  context?: string;
}

export interface KubeconfigCredentials {
  server: string;
  caPem: string;
  token: string;
}

export function buildKubeconfig(options: KubeconfigOptions): string {
  const clusterName = options.clusterName ?? 'skiff';
  const user = options.user ?? 'admin';
  const context = options.context ?? 'skiff';
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: clusterName,
        cluster: {
          server: options.server,
          'certificate-authority-data': Buffer.from(options.caPem, 'utf8').toString('base64'),
        },
      },
    ],
    users: [{ name: user, user: { token: options.token } }],
    contexts: [{ name: context, context: { cluster: clusterName, user } }],
    'current-context': context,
    preferences: {},
  };
  return stringify(doc);
}

/** Writes a kubeconfig with mode 0600; readers never see a half-written file. */
export async function writeKubeconfig(path: string, options: KubeconfigOptions): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, buildKubeconfig(options), 0o600);
}

type Named = { name?: unknown; [key: string]: unknown };

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function findNamed(doc: Record<string, unknown>, list: string, name: string, field: string): Record<string, unknown> | undefined {
  const items = doc[list];
  if (!Array.isArray(items)) return undefined;
  const item = (items as Named[]).find((i) => record(i)?.name === name);
  return item ? record(item[field]) : undefined;
}

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Server, CA and bearer token of the current context. Relative file references resolve against the kubeconfig's folder, as kubectl does. */
export async function readKubeconfig(path: string): Promise<KubeconfigCredentials> {
  const fail = (message: string): KubeconfigError => new KubeconfigError(path, message);
  let doc: Record<string, unknown> | undefined;
  try {
    doc = record(parse(await readFile(path, 'utf8')));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw err;
    throw fail(`not valid YAML: ${(err as Error).message}`);
  }
  if (!doc) throw fail('not a kubeconfig (expected a mapping)');
  const current = nonEmptyString(doc['current-context']);
  if (!current) throw fail('no current-context');
  const context = findNamed(doc, 'contexts', current, 'context');
  if (!context) throw fail(`context ${JSON.stringify(current)} not found`);
  const clusterName = nonEmptyString(context['cluster']);
  const userName = nonEmptyString(context['user']);
  if (!clusterName || !userName) throw fail(`context ${JSON.stringify(current)} needs both a cluster and a user`);
  const cluster = findNamed(doc, 'clusters', clusterName, 'cluster');
  if (!cluster) throw fail(`cluster ${JSON.stringify(clusterName)} not found`);
  const user = findNamed(doc, 'users', userName, 'user');
  if (!user) throw fail(`user ${JSON.stringify(userName)} not found`);

  const relative = (p: string): string => (isAbsolute(p) ? p : resolve(dirname(path), p));
  const server = nonEmptyString(cluster['server']);
  if (!server) throw fail(`cluster ${JSON.stringify(clusterName)} has no server`);

  let caPem: string;
  const caData = nonEmptyString(cluster['certificate-authority-data']);
  const caFile = nonEmptyString(cluster['certificate-authority']);
  if (caData) caPem = Buffer.from(caData, 'base64').toString('utf8');
  else if (caFile) caPem = await readFile(relative(caFile), 'utf8');
  else throw fail(`cluster ${JSON.stringify(clusterName)} has no certificate-authority(-data)`);

  let token = nonEmptyString(user['token']);
  const tokenFile = nonEmptyString(user['tokenFile']);
  if (!token && tokenFile) token = (await readFile(relative(tokenFile), 'utf8')).trim();
  if (!token) throw fail(`user ${JSON.stringify(userName)} has no token or tokenFile`);

  return { server, caPem, token };
}
