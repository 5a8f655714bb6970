// POST /skiff/v1/node-credentials: a joining agent presents its join token as the bearer
// (a bootstrap token `<id>.<secret>`, or the cluster's default join secret from
// <dataDir>/node-token) and gets its own node credential back. Join tokens authenticate
// nothing else. A refused token is a 401 saying which token and why (unknown, wrong secret,
// expired at …) so the agent can tell its operator.

import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, errors, isNotFound } from '../../api/errors.js';
import { BOOTSTRAP_TOKEN_RE } from '../../api/join-token.js';
import type { Secret } from '../../api/service-types.js';
import { isDNS1123Subdomain } from '../../api/validation/names.js';
import { BOOTSTRAP_TOKEN_NAMESPACE, bootstrapTokenSecretName, checkBootstrapToken } from '../pki/bootstrap-tokens.js';
import { NodeCredentials, type CredentialObjects } from '../pki/node-credentials.js';
import { bearerToken } from './auth.js';
import { decodeBody, isPlainObject, readBody } from './http/body.js';
import { sendJson } from './http/respond.js';
import type { ResourceStorage } from './registry/storage.js';
import type { Status } from '../../api/types.js';

/** Secrets and Nodes as the credential code needs them, over the API server's storages. */
export function credentialObjects(storages: readonly ResourceStorage[]): CredentialObjects {
  const find = (resource: string) => storages.find((s) => s.type.resource === resource && !s.type.group)!;
  const secrets = find('secrets');
  const nodes = find('nodes');
  return {
    getSecret: (ns, name) => secrets.get(ns, name).then((s) => s as Secret, (err) => (isNotFound(err) ? undefined : Promise.reject(err))),
    createSecret: async (s) => void (await secrets.create(s.metadata.namespace, s)),
    replaceSecret: async (s) => void (await secrets.guaranteedUpdate(s.metadata.namespace, s.metadata.name!, (cur) => ({ ...s, metadata: { ...cur.metadata, annotations: s.metadata.annotations ?? {} } }))),
    nodeExists: (name) => nodes.get(undefined, name).then(() => true, (err) => (isNotFound(err) ? false : Promise.reject(err))),
  };
}

function unauthorized(message: string): ApiError {
  const status: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'Unauthorized', code: 401 };
  return new ApiError(status);
}

export class NodeJoin {
  constructor(
    private readonly objects: CredentialObjects,
    private readonly credentials: NodeCredentials,
    /** The default join secret (the part after `node:` in <dataDir>/node-token); it never expires. */
    private readonly defaultSecret: string,
  ) {}

  async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST') throw errors.methodNotAllowed('the server does not allow this method on the requested resource');
    const token = bearerToken(req);
    if (!token) throw unauthorized('no join token presented (Authorization: Bearer <token>)');
    const joinedWith = await this.check(token);
    const body = decodeBody(await readBody(req, 64 * 1024), req.headers['content-type'] ?? 'application/json');
    const nodeName = isPlainObject(body) ? body['nodeName'] : undefined;
    if (typeof nodeName !== 'string' || nodeName === '') {
      throw errors.invalid('NodeCredential', '', [{ reason: 'FieldValueRequired', field: 'nodeName', message: 'Required value' }]);
    }
    const problems = isDNS1123Subdomain(nodeName);
    // The credential's Secret is <node>.node-credential.skiff, itself a subdomain of ≤ 253.
    if (nodeName.length > 253 - 22) problems.push(`must be no more than ${253 - 22} characters`);
    if (problems.length > 0) {
      throw errors.invalid('NodeCredential', nodeName, [{ reason: 'FieldValueInvalid', field: 'nodeName', message: `Invalid value: "${nodeName}": ${problems.join(', ')}` }]);
    }
    const credential = await this.credentials.issue(nodeName, joinedWith);
    sendJson(res, 201, { apiVersion: 'skiff.io/v1', kind: 'NodeCredential', nodeName, token: credential });
  }

  /** Which join token this is ("default" or "bootstrap-token/<id>"), or a 401 saying why not. */
  private async check(token: string): Promise<string> {
    const a = Buffer.from(token);
    const b = Buffer.from(this.defaultSecret);
    if (a.length === b.length && timingSafeEqual(a, b)) return 'node-token';
    const m = BOOTSTRAP_TOKEN_RE.exec(token);
    if (!m) throw unauthorized('the join token is neither a bootstrap token (<id>.<secret>) of this cluster nor its default node token');
    const stored = await this.objects.getSecret(BOOTSTRAP_TOKEN_NAMESPACE, bootstrapTokenSecretName(m[1]!));
    const result = checkBootstrapToken(token, stored, new Date());
    if (!result.ok) throw unauthorized(result.reason);
    return `bootstrap-token/${result.info.id}`;
  }
}
