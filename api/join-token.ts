// Join tokens in the k3s shape: `K10<sha256 of the CA cert DER>::node:<secret>` (the
// cluster's default join secret) or `K10<sha256>::<id>.<secret>` (a bootstrap token made by
// `skiff token create`, with kubeadm's id/secret alphabet).
// The CA hash lets a brand-new agent bootstrap trust: it downloads the CA from the server
// without verifying anything, then accepts it only if its hash matches the token the
// administrator copied by hand. The secret is never sent before that check has passed.

import { createHash, X509Certificate } from 'node:crypto';
import https from 'node:https';

export type JoinTokenErrorCode =
  | 'InvalidJoinToken'
  | 'InvalidServerURL'
  | 'CAFetchFailed'
  | 'InvalidCACertificate'
  | 'CAHashMismatch'
  /** The control server refused the token at join (unknown, expired, wrong secret). */
  | 'JoinRefused'
  /** The node credential saved in the data dir belongs to another node name or was revoked. */
  | 'NodeCredentialRejected';

export class JoinTokenError extends Error {
  constructor(
    readonly code: JoinTokenErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'JoinTokenError';
  }
}

export const JOIN_TOKEN_PREFIX = 'K10';
/**
 * Where an agent trades its join token (bearer) for its own node credential: POST
 * {"nodeName": "..."} → 201 {"kind": "NodeCredential", "nodeName", "token"}.
 */
export const NODE_JOIN_PATH = '/skiff/v1/node-credentials';
export const NODE_TOKEN_USERNAME = 'node';

export interface JoinToken {
  /** Lower-case hex sha256 of the CA certificate's DER; absent for a bare secret. */
  caHash?: string;
  /** `node` for the default join secret; absent for a bootstrap token. */
  username?: string;
  /** What the agent presents at join: the default secret, or `<id>.<secret>` for a bootstrap token. */
  secret: string;
  /** The public half of a bootstrap token (`skiff token list` shows it). */
  tokenId?: string;
}

/** kubeadm's bootstrap token shape: a public 6-character id and a 16-character secret. */
export const BOOTSTRAP_TOKEN_RE = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;

const HASH_RE = /^[0-9a-f]{64}$/;
// Secrets end up in HTTP headers and env files: keep them to printable non-space ASCII.
const SECRET_RE = /^[\x21-\x7e]+$/;

function invalid(message: string): JoinTokenError {
  return new JoinTokenError('InvalidJoinToken', message);
}

function checkHash(caHash: string): string {
  const hash = caHash.toLowerCase();
  if (!HASH_RE.test(hash)) throw invalid('the CA hash in a join token must be 64 hex digits (sha256)');
  return hash;
}

function checkCredential(what: string, value: string): void {
  if (!SECRET_RE.test(value)) throw invalid(`the ${what} in a join token must be non-empty printable ASCII without spaces`);
}

/** `K10<ca hash>::<id>.<secret>`: how `skiff token create` prints a bootstrap token. */
export function formatBootstrapJoinToken(caHash: string, bootstrapToken: string): string {
  if (!BOOTSTRAP_TOKEN_RE.test(bootstrapToken)) throw invalid('a bootstrap token must match [a-z0-9]{6}.[a-z0-9]{16}');
  return `${JOIN_TOKEN_PREFIX}${checkHash(caHash)}::${bootstrapToken}`;
}

export function formatJoinToken(caHash: string, secret: string, username: string = NODE_TOKEN_USERNAME): string {
  const hash = checkHash(caHash);
  checkCredential('username', username);
  if (username.includes(':')) throw invalid('the username in a join token cannot contain ":"');
  checkCredential('secret', secret);
  return `${JOIN_TOKEN_PREFIX}${hash}::${username}:${secret}`;
}

/**
 * Parses a full `K10…::user:secret` token, or a bare secret. A bare secret carries no CA
 * hash, so it establishes no trust: the caller must obtain the CA some other way.
 */
export function parseJoinToken(text: string): JoinToken {
  // Tokens are usually pasted or read from a file, so a trailing newline is expected.
  const s = text.trim();
  if (s === '') throw invalid('the join token is empty');
  if (!s.startsWith(JOIN_TOKEN_PREFIX) || !s.includes('::')) {
    const bare = BOOTSTRAP_TOKEN_RE.exec(s);
    if (bare) return { secret: s, tokenId: bare[1]! };
    checkCredential('secret', s);
    return { username: NODE_TOKEN_USERNAME, secret: s };
  }
  const sep = s.indexOf('::');
  const caHash = checkHash(s.slice(JOIN_TOKEN_PREFIX.length, sep));
  const credentials = s.slice(sep + 2);
  const bootstrap = BOOTSTRAP_TOKEN_RE.exec(credentials);
  if (bootstrap) return { caHash, secret: credentials, tokenId: bootstrap[1]! };
  const colon = credentials.indexOf(':');
  if (colon <= 0) throw invalid('a K10 join token must end in "::<id>.<secret>" (a bootstrap token) or "::<username>:<secret>"');
  const username = credentials.slice(0, colon);
  const secret = credentials.slice(colon + 1);
  checkCredential('username', username);
  checkCredential('secret', secret);
  return { caHash, username, secret };
}

const PEM_CERT_RE = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+?)-----END CERTIFICATE-----/g;

/** DER bytes of every CERTIFICATE block in a PEM text, in order. */
export function certificatesFromPem(pem: string): Buffer[] {
  return [...pem.matchAll(PEM_CERT_RE)].map((m) => Buffer.from((m[1] ?? '').replace(/\s+/g, ''), 'base64'));
}

export function derToPem(der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}

export function sha256Hex(der: Buffer): string {
  return createHash('sha256').update(der).digest('hex');
}

/** The join-token CA hash of a PEM certificate: hex sha256 of its (first certificate's) DER. */
export function caHashOfPem(pem: string): string {
  const der = certificatesFromPem(pem)[0];
  if (!der) throw new JoinTokenError('InvalidCACertificate', 'no PEM certificate found');
  return sha256Hex(der);
}

export interface FetchCAOptions {
  /** Whole-request deadline; default 10 s. */
  timeoutMs?: number;
}

// A CA bundle is a few KiB; anything much larger is not a CA answer.
const MAX_CACERTS_BYTES = 256 * 1024;

function cacertsUrl(serverUrl: string): URL {
  let base: URL;
  try {
    base = new URL(serverUrl);
  } catch {
    throw new JoinTokenError('InvalidServerURL', `invalid server URL ${JSON.stringify(serverUrl)}`);
  }
  if (base.protocol !== 'https:') {
    throw new JoinTokenError('InvalidServerURL', `the server URL must use https, got ${JSON.stringify(serverUrl)}`);
  }
  const url = new URL(base.origin);
  url.pathname = `${base.pathname.replace(/\/+$/, '')}/cacerts`;
  return url;
}

function getUntrusted(url: URL, timeoutMs: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.get(
      url,
      {
        // We have no trust anchor yet: this is exactly what the hash check below replaces.
        // Nothing secret is sent on this connection.
        rejectUnauthorized: false,
        agent: false,
        signal: AbortSignal.timeout(timeoutMs),
        headers: { accept: 'application/x-pem-file, text/plain, */*' },
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_CACERTS_BYTES) {
            req.destroy(new Error(`answer larger than ${MAX_CACERTS_BYTES} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
  });
}

/**
 * Downloads `<server>/cacerts` without verifying TLS and returns the PEM of the certificate
 * whose sha256 equals `caHash`. Throws `CAHashMismatch` when none does.
 */
export async function fetchVerifiedCA(serverUrl: string, caHash: string, options: FetchCAOptions = {}): Promise<string> {
  const expected = checkHash(caHash);
  const url = cacertsUrl(serverUrl);
  const timeoutMs = options.timeoutMs ?? 10_000;
  let answer: { status: number; body: string };
  try {
    answer = await getUntrusted(url, timeoutMs);
  } catch (err) {
    const e = err as Error;
    const why = e.name === 'TimeoutError' || e.name === 'AbortError' ? `timed out after ${timeoutMs} ms` : e.message;
    throw new JoinTokenError('CAFetchFailed', `cannot fetch the CA certificate from ${url.href}: ${why}`);
  }
  if (answer.status !== 200) {
    throw new JoinTokenError('CAFetchFailed', `cannot fetch the CA certificate from ${url.href}: HTTP ${answer.status}`);
  }
  const ders = certificatesFromPem(answer.body);
  if (ders.length === 0) {
    throw new JoinTokenError('InvalidCACertificate', `the answer from ${url.href} holds no PEM certificate`);
  }
  // Only the certificate that matches is returned: trusting the rest of a bundle would let
  // the unverified server slip in an extra CA of its choosing.
  const match = ders.find((der) => sha256Hex(der) === expected);
  if (!match) {
    const got = ders.map(sha256Hex).join(', ');
    throw new JoinTokenError(
      'CAHashMismatch',
      `the server's CA certificate does not match the join token (expected sha256 ${expected}, got ${got})`,
    );
  }
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(match);
  } catch (err) {
    throw new JoinTokenError('InvalidCACertificate', `the CA certificate from ${url.href} does not parse: ${(err as Error).message}`);
  }
  if (!cert.ca) {
    throw new JoinTokenError('InvalidCACertificate', `the certificate from ${url.href} is not a CA certificate`);
  }
  return derToPem(match);
}
