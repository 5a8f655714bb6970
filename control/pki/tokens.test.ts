import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatJoinToken, parseJoinToken } from '../../api/join-token.js';
import { ensureServingCertificates } from './ensure-serving-certificates.js';
import { pkiPaths } from './paths.js';
import { ensureTokens } from './tokens.js';

function tempDataDir(t: import('node:test').TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-tokens-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'data');
}

const mode = (path: string): number => statSync(path).mode & 0o777;

test('tokens are created once, stored 0600 and reused across restarts', async (t) => {
  const dataDir = tempDataDir(t);
  const tls = await ensureServingCertificates(dataDir, { hosts: [] });
  const first = await ensureTokens(dataDir);
  const p = pkiPaths(dataDir);

  assert.match(first.adminToken, /^[0-9a-f]{64}$/);
  assert.match(first.nodeSecret, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(first.nodeToken, formatJoinToken(tls.caHash, first.nodeSecret));
  assert.equal(mode(p.adminToken), 0o600);
  assert.equal(mode(p.nodeToken), 0o600);
  assert.equal(readFileSync(p.adminToken, 'utf8'), `${first.adminToken}\n`);
  // The node-token file is the full join token, ready to copy to another host.
  assert.deepEqual(parseJoinToken(readFileSync(p.nodeToken, 'utf8')), { caHash: tls.caHash, username: 'node', secret: first.nodeSecret });

  chmodSync(p.adminToken, 0o644);
  const second = await ensureTokens(dataDir);
  assert.deepEqual(second, first);
  assert.equal(mode(p.adminToken), 0o600);

  const other = await ensureTokens(tempDataDir(t));
  assert.notEqual(other.adminToken, first.adminToken);
  assert.notEqual(other.nodeSecret, first.nodeSecret);
});

test('ensureTokens creates the CA when called first, and refreshes a node-token that names another CA', async (t) => {
  const dataDir = tempDataDir(t);
  const tokens = await ensureTokens(dataDir);
  const tls = await ensureServingCertificates(dataDir, { hosts: [] });
  assert.equal(parseJoinToken(tokens.nodeToken).caHash, tls.caHash);

  // A bare secret (for example written by hand) keeps its secret and gains the CA hash.
  const p = pkiPaths(dataDir);
  writeFileSync(p.nodeToken, 'hand-made-secret\n', { mode: 0o600 });
  const refreshed = await ensureTokens(dataDir);
  assert.equal(refreshed.nodeSecret, 'hand-made-secret');
  assert.equal(readFileSync(p.nodeToken, 'utf8'), `${formatJoinToken(tls.caHash, 'hand-made-secret')}\n`);
});

test('unreadable token files stop start-up', async (t) => {
  const dataDir = tempDataDir(t);
  await ensureTokens(dataDir);
  const p = pkiPaths(dataDir);
  writeFileSync(p.nodeToken, `K10${'0'.repeat(64)}::node:\n`);
  await assert.rejects(ensureTokens(dataDir), { code: 'InvalidTokenFile', message: /node-token does not hold a join token/ });
  writeFileSync(p.adminToken, 'two words\n');
  await assert.rejects(ensureTokens(dataDir), { code: 'InvalidTokenFile', message: /admin-token/ });
});
