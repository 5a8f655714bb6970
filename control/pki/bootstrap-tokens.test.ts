import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatBootstrapJoinToken, parseJoinToken } from '../../api/join-token.js';
import { bootstrapTokenSecret, checkBootstrapToken, generateBootstrapToken, readBootstrapTokenSecret } from './bootstrap-tokens.js';

const HASH = 'a'.repeat(64);

test('a generated token round-trips through its Secret and the K10 join form', () => {
  const t = generateBootstrapToken();
  assert.match(t.token, /^[a-z0-9]{6}\.[a-z0-9]{16}$/);
  const expiration = new Date('2030-01-02T03:04:05.678Z');
  const secret = bootstrapTokenSecret({ id: t.id, secret: t.secret, expiration, description: 'lab' });
  assert.equal(secret.metadata.name, `bootstrap-token-${t.id}`);
  assert.equal(secret.type, 'bootstrap.kubernetes.io/token');
  assert.equal(Buffer.from(secret.data!['expiration']!, 'base64').toString(), '2030-01-02T03:04:05Z');
  const info = readBootstrapTokenSecret(secret)!;
  assert.equal(info.id, t.id);
  assert.equal(info.description, 'lab');
  assert.equal(info.usableForAuthentication, true);
  assert.deepEqual(parseJoinToken(formatBootstrapJoinToken(HASH, t.token)), { caHash: HASH, secret: t.token, tokenId: t.id });
  // The default node token keeps its shape.
  assert.deepEqual(parseJoinToken(`K10${HASH}::node:s3cret`), { caHash: HASH, username: 'node', secret: 's3cret' });
});

test('checkBootstrapToken says which token and why it is refused', () => {
  const now = new Date('2030-01-01T00:00:00Z');
  const stored = bootstrapTokenSecret({ id: 'abc123', secret: '0123456789abcdef', expiration: new Date('2030-01-01T01:00:00Z') });
  assert.equal(checkBootstrapToken('abc123.0123456789abcdef', stored, now).ok, true);
  const why = (presented: string, s = stored, at = now) => {
    const r = checkBootstrapToken(presented, s, at);
    return r.ok ? 'ok' : r.reason;
  };
  assert.equal(why('abc123.ffffffffffffffff'), 'bootstrap token "abc123" was presented with the wrong secret');
  assert.deepEqual(checkBootstrapToken('abc123.0123456789abcdef', undefined, now), { ok: false, reason: 'bootstrap token "abc123" is unknown to this cluster (deleted, or never created here)' });
  assert.equal(why('abc123.0123456789abcdef', stored, new Date('2030-01-01T01:00:00Z')), 'bootstrap token "abc123" expired at 2030-01-01T01:00:00Z');
  assert.match(why('not-a-token'), /not a bootstrap token/);
  const broken = { ...stored, data: { ...stored.data, expiration: Buffer.from('soon').toString('base64') } };
  assert.match(why('abc123.0123456789abcdef', broken), /expired at 1970-01-01T00:00:00Z/);
  const noAuth = { ...stored, data: { ...stored.data, 'usage-bootstrap-authentication': Buffer.from('false').toString('base64') } };
  assert.match(why('abc123.0123456789abcdef', noAuth), /is not for authentication/);
});
