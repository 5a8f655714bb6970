// Bootstrap tokens as kubeadm keeps them: kube-system Secrets of type
// bootstrap.kubernetes.io/token named bootstrap-token-<id>, holding token-id, token-secret,
// an optional RFC 3339 expiration, a description and the usage-bootstrap-* flags. Kept in
// the store (not in files) so every control server sharing the store sees the same tokens
// at once and `kubectl -n kube-system get secrets` shows them as on any cluster.

import { randomInt, timingSafeEqual } from 'node:crypto';
import { BOOTSTRAP_TOKEN_RE } from '../../api/join-token.js';
import type { Secret } from '../../api/service-types.js';

export const BOOTSTRAP_TOKEN_SECRET_TYPE = 'bootstrap.kubernetes.io/token';
export const BOOTSTRAP_TOKEN_NAMESPACE = 'kube-system';
const NAME_PREFIX = 'bootstrap-token-';
/** The group every bootstrap token authenticates in, plus kubeadm's default extra group's Skiff twin. */
export const BOOTSTRAPPERS_GROUP = 'system:bootstrappers';
const DEFAULT_EXTRA_GROUP = 'system:bootstrappers:skiff:default-node-token';
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

export function bootstrapTokenSecretName(id: string): string {
  return `${NAME_PREFIX}${id}`;
}

/** A fresh `<id>.<secret>` from kubeadm's alphabet, uniformly drawn (randomInt rejects bias). */
export function generateBootstrapToken(): { id: string; secret: string; token: string } {
  const draw = (n: number) => Array.from({ length: n }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
  const id = draw(6);
  const secret = draw(16);
  return { id, secret, token: `${id}.${secret}` };
}

export interface BootstrapTokenSpec {
  id: string;
  secret: string;
  /** Absent: the token never expires. */
  expiration?: Date | undefined;
  description?: string | undefined;
}

/** RFC 3339 without fractions, as kubeadm writes `expiration`. */
export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function bootstrapTokenSecret(spec: BootstrapTokenSpec): Secret {
  const data: Record<string, string> = {
    'token-id': spec.id,
    'token-secret': spec.secret,
    'usage-bootstrap-authentication': 'true',
    'auth-extra-groups': DEFAULT_EXTRA_GROUP,
  };
  if (spec.expiration) data['expiration'] = rfc3339(spec.expiration);
  if (spec.description) data['description'] = spec.description;
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: bootstrapTokenSecretName(spec.id), namespace: BOOTSTRAP_TOKEN_NAMESPACE },
    type: BOOTSTRAP_TOKEN_SECRET_TYPE,
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'utf8').toString('base64')])),
  } as Secret;
}

export interface BootstrapTokenInfo {
  id: string;
  secret: string;
  expiration?: Date | undefined;
  description?: string | undefined;
  usableForAuthentication: boolean;
  groups: string[];
}

/** The token a Secret describes, or undefined when it is not a well-formed bootstrap token Secret. */
export function readBootstrapTokenSecret(s: Secret): BootstrapTokenInfo | undefined {
  if (s.type !== BOOTSTRAP_TOKEN_SECRET_TYPE || !s.metadata.name?.startsWith(NAME_PREFIX)) return undefined;
  const field = (k: string) => {
    const v = s.data?.[k];
    return v === undefined ? undefined : Buffer.from(v, 'base64').toString('utf8');
  };
  const id = field('token-id');
  const secret = field('token-secret');
  if (!id || !secret || s.metadata.name !== bootstrapTokenSecretName(id) || !BOOTSTRAP_TOKEN_RE.test(`${id}.${secret}`)) return undefined;
  const exp = field('expiration');
  const expiration = exp ? new Date(exp) : undefined;
  const extra = (field('auth-extra-groups') ?? '').split(',').map((g) => g.trim()).filter((g) => g.startsWith(`${BOOTSTRAPPERS_GROUP}:`));
  return {
    id,
    secret,
    // An unparseable expiration counts as expired: fail closed, as the kube authenticator does.
    expiration: expiration && !Number.isNaN(expiration.getTime()) ? expiration : exp ? new Date(0) : undefined,
    description: field('description'),
    usableForAuthentication: field('usage-bootstrap-authentication') === 'true',
    groups: [BOOTSTRAPPERS_GROUP, ...extra],
  };
}

export type BootstrapTokenCheck = { ok: true; info: BootstrapTokenInfo } | { ok: false; reason: string };

/**
 * Checks a presented `<id>.<secret>` against its Secret and says why it is refused. The id
 * is public (it names the Secret), so telling an unknown id from a wrong secret leaks nothing
 * an attacker could use; the secret itself is compared in constant time.
 */
export function checkBootstrapToken(presented: string, stored: Secret | undefined, now: Date): BootstrapTokenCheck {
  const m = BOOTSTRAP_TOKEN_RE.exec(presented);
  if (!m) return { ok: false, reason: 'the token is not a bootstrap token (<6 characters>.<16 characters>, [a-z0-9])' };
  const id = m[1]!;
  const info = stored ? readBootstrapTokenSecret(stored) : undefined;
  if (!info) return { ok: false, reason: `bootstrap token "${id}" is unknown to this cluster (deleted, or never created here)` };
  const a = Buffer.from(info.secret);
  const b = Buffer.from(m[2]!);
  if (a.length !== b.length || !timingSafeEqual(a, b)) return { ok: false, reason: `bootstrap token "${id}" was presented with the wrong secret` };
  if (info.expiration && info.expiration.getTime() <= now.getTime()) {
    return { ok: false, reason: `bootstrap token "${id}" expired at ${rfc3339(info.expiration)}` };
  }
  if (!info.usableForAuthentication) return { ok: false, reason: `bootstrap token "${id}" is not for authentication (usage-bootstrap-authentication is not "true")` };
  return { ok: true, info };
}
