// The agent's own credential. The first start presents the join token once, at the control
// server's NODE_JOIN_PATH, and keeps the node credential it gets back in
// <dataDir>/node-credential (0600); every later start uses that file and needs no valid join
// token any more (a bootstrap token may expire or be deleted once the node has joined).

import https from 'node:https';
import { join } from 'node:path';
import { JoinTokenError, NODE_JOIN_PATH, type JoinToken } from '../../api/join-token.js';
import { writeFileAtomic } from '../../api/atomic-file.js';
import { readFile } from 'node:fs/promises';

export interface SavedCredential {
  server: string;
  nodeName: string;
  token: string;
}

export function credentialPath(dataDir: string): string {
  return join(dataDir, 'node-credential');
}

async function readSaved(path: string): Promise<SavedCredential | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const saved = JSON.parse(text) as Partial<SavedCredential>;
  if (typeof saved.token !== 'string' || typeof saved.nodeName !== 'string') {
    throw new JoinTokenError('NodeCredentialRejected', `${path} does not hold a node credential: remove it to join again`);
  }
  return saved as SavedCredential;
}

/** Which token the operator gave, for messages: never its secret. */
export function describeJoinToken(token: JoinToken): string {
  return token.tokenId ? `bootstrap token "${token.tokenId}"` : 'the default node token';
}

/**
 * True only on a definite 401 for the saved credential. An unreachable server is not a
 * verdict: the agent starts on what it saved (static pods run while the control server is
 * down) and its clients retry.
 */
function rejected(server: string, caPem: string, token: string, nodeName: string): Promise<boolean> {
  const url = new URL(server);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/api/v1/nodes/${encodeURIComponent(nodeName)}`;
  return new Promise((resolve) => {
    const req = https.get(url, { ca: caPem, agent: false, signal: AbortSignal.timeout(3_000), headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' } }, (res) => {
      res.resume();
      resolve(res.statusCode === 401);
    });
    req.on('error', () => resolve(false));
  });
}

function postJoin(server: string, caPem: string, bearer: string, nodeName: string): Promise<{ status: number; body: string }> {
  const url = new URL(server);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}${NODE_JOIN_PATH}`;
  const body = JSON.stringify({ nodeName });
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      {
        method: 'POST',
        ca: caPem,
        agent: false,
        signal: AbortSignal.timeout(30_000),
        headers: { Authorization: `Bearer ${bearer}`, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), 'User-Agent': `skiff-agent/${nodeName}` },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * The bearer token this node uses: the saved credential, or a new one obtained with the
 * join token (whose CA the caller has already verified: `caPem` is trusted).
 */
export async function nodeCredential(o: { server: string; caPem: string; token: JoinToken; nodeName: string; dataDir: string }): Promise<string> {
  const path = credentialPath(o.dataDir);
  const saved = await readSaved(path);
  if (saved) {
    if (saved.nodeName !== o.nodeName) {
      throw new JoinTokenError(
        'NodeCredentialRejected',
        `${path} is the credential of node "${saved.nodeName}", not "${o.nodeName}": run with --node-name ${saved.nodeName}, or use another --data-dir`,
      );
    }
    if (await rejected(o.server, o.caPem, saved.token, o.nodeName)) {
      throw new JoinTokenError(
        'NodeCredentialRejected',
        `the control server at ${o.server} rejected the credential of node "${o.nodeName}" saved in ${path} (401 Unauthorized): ` +
          `it was revoked (secret kube-system/${o.nodeName}.node-credential.skiff deleted or replaced) or the cluster was re-created. ` +
          `Remove ${path} to join again with a join token`,
      );
    }
    return saved.token;
  }
  const answer = await postJoin(o.server, o.caPem, o.token.secret, o.nodeName);
  let parsed: { token?: unknown; message?: unknown } = {};
  try {
    parsed = JSON.parse(answer.body) as typeof parsed;
  } catch {
    // Not JSON: reported with the status below.
  }
  if (answer.status !== 201 || typeof parsed.token !== 'string') {
    const why = typeof parsed.message === 'string' ? parsed.message : `HTTP ${answer.status}`;
    throw new JoinTokenError('JoinRefused', `the control server at ${o.server} refused to let node "${o.nodeName}" join with ${describeJoinToken(o.token)}: ${why}`);
  }
  await writeFileAtomic(path, `${JSON.stringify({ server: o.server, nodeName: o.nodeName, token: parsed.token } satisfies SavedCredential)}\n`, 0o600);
  return parsed.token;
}
