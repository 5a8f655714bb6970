// Per-node credentials: at join an agent trades a bootstrap token for a bearer token bound
// to system:node:<name> (group system:nodes), which it keeps in its data dir and uses from
// then on. The server keeps only the token's SHA-256, in a kube-system Secret named
// <node>.node-credential.skiff (k3s keeps its node passwords the same way), so a read of the
// store yields nothing that authenticates.
//
// A bearer token rather than a client certificate: the agent's client, watches and tunnel
// already speak bearer tokens; revoking is deleting one Secret (a certificate would need a
// revocation list or short lifetimes plus rotation); and the store stays the one place
// identities live, shared by every control server.

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { errors } from '../../api/errors.js';
import type { Secret } from '../../api/service-types.js';
import type { TokenAuthenticator, UserInfo } from '../apiserver/auth.js';

export const NODE_CREDENTIAL_SECRET_TYPE = 'skiff.io/node-credential';
export const NODE_CREDENTIAL_NAMESPACE = 'kube-system';
export const NODES_GROUP = 'system:nodes';
export const NODE_USER_PREFIX = 'system:node:';
const TOKEN_PREFIX = 'node:';
const SUFFIX = '.node-credential.skiff';

export interface CredentialObjects {
  getSecret(namespace: string, name: string): Promise<Secret | undefined>;
  /** Throws the store's AlreadyExists ApiError when the name is taken. */
  createSecret(secret: Secret): Promise<void>;
  replaceSecret(secret: Secret): Promise<void>;
  nodeExists(name: string): Promise<boolean>;
}

export function nodeCredentialSecretName(nodeName: string): string {
  return `${nodeName}${SUFFIX}`;
}

export function nodeUser(nodeName: string): UserInfo {
  return { name: `${NODE_USER_PREFIX}${nodeName}`, groups: [NODES_GROUP, 'system:authenticated'] };
}

/** The node a user name stands for (system:node:<name>), as the Node authorizer reads it. */
export function nodeNameOf(user: UserInfo): string | undefined {
  if (!user.groups.includes(NODES_GROUP) || !user.name.startsWith(NODE_USER_PREFIX)) return undefined;
  const name = user.name.slice(NODE_USER_PREFIX.length);
  return name === '' ? undefined : name;
}

/** `node:<name>:<secret>`: the name lets the server find the one Secret to check. */
function parseNodeToken(token: string): { nodeName: string; secret: string } | undefined {
  if (!token.startsWith(TOKEN_PREFIX)) return undefined;
  const last = token.lastIndexOf(':');
  const nodeName = token.slice(TOKEN_PREFIX.length, last);
  const secret = token.slice(last + 1);
  return nodeName && secret ? { nodeName, secret } : undefined;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function field(s: Secret, key: string): string | undefined {
  const v = s.data?.[key];
  return v === undefined ? undefined : Buffer.from(v, 'base64').toString('utf8');
}

/**
 * Looked up in the store on every request, without a cache: one local read of one key, and
 * deleting the Secret revokes the node at once (the agent's next start says so).
 */
export class NodeCredentials implements TokenAuthenticator {
  constructor(private readonly objects: CredentialObjects) {}

  async authenticateToken(token: string): Promise<UserInfo | undefined> {
    const parsed = parseNodeToken(token);
    if (!parsed) return undefined;
    const hash = sha256(token);
    const stored = await this.objects.getSecret(NODE_CREDENTIAL_NAMESPACE, nodeCredentialSecretName(parsed.nodeName));
    if (!stored || stored.type !== NODE_CREDENTIAL_SECRET_TYPE || field(stored, 'node-name') !== parsed.nodeName) return undefined;
    const want = Buffer.from(field(stored, 'token-hash') ?? '', 'utf8');
    const got = Buffer.from(hash, 'utf8');
    if (want.length !== got.length || !timingSafeEqual(want, got)) return undefined;
    return nodeUser(parsed.nodeName);
  }

  /**
   * A new credential for `nodeName`. A name that already has one is refused while its Node
   * exists: the holder may be another host using the same name, and letting a bootstrap
   * token take it over would let any joining host impersonate a live node (k3s refuses the
   * same way: "Node password rejected"). Once an administrator deletes the Node, the name
   * is free and the stale credential is replaced (which also revokes it).
   */
  async issue(nodeName: string, joinedWith: string): Promise<string> {
    const name = nodeCredentialSecretName(nodeName);
    const token = `${TOKEN_PREFIX}${nodeName}:${randomBytes(32).toString('base64url')}`;
    const secret: Secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, namespace: NODE_CREDENTIAL_NAMESPACE, annotations: { 'skiff.io/joined-with': joinedWith } },
      type: NODE_CREDENTIAL_SECRET_TYPE,
      data: { 'node-name': Buffer.from(nodeName).toString('base64'), 'token-hash': Buffer.from(sha256(token)).toString('base64') },
    } as Secret;
    const existing = await this.objects.getSecret(NODE_CREDENTIAL_NAMESPACE, name);
    if (!existing) {
      await this.objects.createSecret(secret);
      return token;
    }
    if (await this.objects.nodeExists(nodeName)) {
      throw errors.forbidden(
        `node "${nodeName}" already joined with another credential (secret ${NODE_CREDENTIAL_NAMESPACE}/${name}): ` +
          `another host may be using this node name, or this host lost its data dir. Pick another --node-name, ` +
          `or delete the Node ("kubectl delete node ${nodeName}") so a new host may take the name`,
      );
    }
    await this.objects.replaceSecret(secret);
    return token;
  }
}
