// The control server's two shared secrets, created on first start and kept across
// restarts: the cluster-admin bearer token, and the default node join token whose file
// holds the full `K10<ca hash>::node:<secret>` string so it can be copied verbatim onto a
// new host. The join token never expires and authenticates nothing but a join: an agent
// trades it once for its own node credential (see pki/node-credentials.ts); bootstrap
// tokens with a TTL live in the store (pki/bootstrap-tokens.ts, `skiff token`).

import { randomBytes } from 'node:crypto';
import { formatJoinToken, JoinTokenError, parseJoinToken } from '../../api/join-token.js';
import { ensureClusterCA } from './certificate-authority.js';
import { PkiError } from './errors.js';
import { pkiPaths } from './paths.js';
import { readSecret, writeFileAtomic } from './secret-file.js';

export interface ClusterTokens {
  /** Bearer token of the built-in cluster admin (hex, 256 bits). */
  adminToken: string;
  /** The full join token, as stored in <dataDir>/node-token. */
  nodeToken: string;
  /** The secret part of the join token: what an agent presents once, at join. */
  nodeSecret: string;
}

const ADMIN_TOKEN_RE = /^[\x21-\x7e]+$/;

async function ensureAdminToken(path: string): Promise<string> {
  const existing = await readSecret(path);
  if (existing !== undefined) {
    const token = existing.trim();
    // A broken file is an operator's edit gone wrong; replacing it would lock out every
    // kubeconfig in use, so refuse and say which file.
    if (!ADMIN_TOKEN_RE.test(token)) throw new PkiError('InvalidTokenFile', `${path} does not hold a token (printable, no spaces)`);
    return token;
  }
  const token = randomBytes(32).toString('hex');
  await writeFileAtomic(path, `${token}\n`, 0o600);
  return token;
}

async function ensureNodeToken(path: string, caHash: string): Promise<{ nodeToken: string; nodeSecret: string }> {
  const existing = await readSecret(path);
  let secret: string;
  if (existing !== undefined) {
    try {
      secret = parseJoinToken(existing).secret;
    } catch (err) {
      const why = err instanceof JoinTokenError ? err.message : String(err);
      throw new PkiError('InvalidTokenFile', `${path} does not hold a join token: ${why}`);
    }
  } else {
    secret = randomBytes(32).toString('base64url');
  }
  const nodeToken = formatJoinToken(caHash, secret);
  // Rewritten when absent, or when the file names another CA (a bare secret, or a CA that
  // was re-created): the secret is kept so agents already joined stay authorised.
  if (existing?.trim() !== nodeToken) await writeFileAtomic(path, `${nodeToken}\n`, 0o600);
  return { nodeToken, nodeSecret: secret };
}

export async function ensureTokens(dataDir: string): Promise<ClusterTokens> {
  const paths = pkiPaths(dataDir);
  const ca = await ensureClusterCA(dataDir);
  const adminToken = await ensureAdminToken(paths.adminToken);
  return { adminToken, ...(await ensureNodeToken(paths.nodeToken, ca.hash)) };
}
