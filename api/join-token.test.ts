import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate, createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  caHashOfPem,
  certificatesFromPem,
  fetchVerifiedCA,
  formatJoinToken,
  JoinTokenError,
  parseJoinToken,
} from './join-token.js';

const HASH = 'ab'.repeat(32);

test('formatJoinToken and parseJoinToken round-trip the k3s shape', () => {
  const token = formatJoinToken(HASH.toUpperCase(), 's3cr3t-_x');
  assert.equal(token, `K10${HASH}::node:s3cr3t-_x`);
  assert.deepEqual(parseJoinToken(`${token}\n`), { caHash: HASH, username: 'node', secret: 's3cr3t-_x' });
  assert.deepEqual(parseJoinToken(`K10${HASH}::server:a:b`), { caHash: HASH, username: 'server', secret: 'a:b' });
});

test('parseJoinToken accepts a bare secret, which carries no CA hash', () => {
  const parsed = parseJoinToken('  justasecret\n');
  assert.deepEqual(parsed, { username: 'node', secret: 'justasecret' });
  assert.equal('caHash' in parsed, false);
});

test('parseJoinToken rejects malformed tokens with a typed error', () => {
  for (const bad of ['', '   ', `K10${HASH.slice(2)}::node:x`, `K10${HASH}::node:`, `K10${HASH}::nocolon`, `K10${HASH}:::x`, 'two words', `K10zz${HASH.slice(2)}::node:x`]) {
    assert.throws(
      () => parseJoinToken(bad),
      (err: unknown) => err instanceof JoinTokenError && err.code === 'InvalidJoinToken',
      JSON.stringify(bad),
    );
  }
  assert.throws(() => formatJoinToken('nothex', 'x'), { code: 'InvalidJoinToken' });
  assert.throws(() => formatJoinToken(HASH, 'has space'), { code: 'InvalidJoinToken' });
});

// A throwaway self-signed CA certificate made with openssl, so this api/ test depends on
// nothing under control/.
function makeCA(dir: string, name: string): { certPem: string; keyPem: string } {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', key, '-out', cert, '-days', '1', '-subj', `/CN=${name}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
  ], { stdio: 'pipe' });
  return { certPem: readFileSync(cert, 'utf8'), keyPem: readFileSync(key, 'utf8') };
}

interface Served {
  url: string;
  requests: Array<{ path: string; authorization: string | undefined }>;
}

async function serve(t: import('node:test').TestContext, tls: { certPem: string; keyPem: string }, body: (path: string) => [number, string]): Promise<Served> {
  const requests: Served['requests'] = [];
  const server = https.createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => {
    requests.push({ path: req.url ?? '', authorization: req.headers.authorization });
    const [status, text] = body(req.url ?? '');
    res.writeHead(status, { 'content-type': 'application/x-pem-file' }).end(text);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

test('fetchVerifiedCA returns the CA only when its sha256 matches the token', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-join-token-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const ca = makeCA(dir, 'ca');
  const other = makeCA(dir, 'other');
  const served = await serve(t, ca, (path) => (path === '/cacerts' ? [200, ca.certPem] : [404, 'no']));

  const der = new X509Certificate(ca.certPem).raw;
  const rightHash = createHash('sha256').update(der).digest('hex');
  assert.equal(caHashOfPem(ca.certPem), rightHash);

  const pem = await fetchVerifiedCA(`${served.url}/`, rightHash, { timeoutMs: 5000 });
  assert.deepEqual(certificatesFromPem(pem), [der]);

  const wrongHash = caHashOfPem(other.certPem);
  await assert.rejects(fetchVerifiedCA(served.url, wrongHash), (err: unknown) => {
    assert.ok(err instanceof JoinTokenError);
    assert.equal(err.code, 'CAHashMismatch');
    assert.equal(
      err.message,
      `the server's CA certificate does not match the join token (expected sha256 ${wrongHash}, got ${rightHash})`,
    );
    return true;
  });

  // Nothing secret travels before trust exists.
  assert.deepEqual(served.requests.map((r) => r.path), ['/cacerts', '/cacerts']);
  assert.ok(served.requests.every((r) => r.authorization === undefined));
});

test('fetchVerifiedCA keeps only the matching certificate of a bundle', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-join-token-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const ca = makeCA(dir, 'ca');
  const extra = makeCA(dir, 'extra');
  const served = await serve(t, ca, () => [200, extra.certPem + ca.certPem]);
  const pem = await fetchVerifiedCA(served.url, caHashOfPem(ca.certPem));
  assert.equal(certificatesFromPem(pem).length, 1);
  assert.equal(caHashOfPem(pem), caHashOfPem(ca.certPem));
});

test('fetchVerifiedCA reports unusable servers with typed errors', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-join-token-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const ca = makeCA(dir, 'ca');
  const hash = caHashOfPem(ca.certPem);

  const notFound = await serve(t, ca, () => [404, 'not here']);
  await assert.rejects(fetchVerifiedCA(notFound.url, hash), { code: 'CAFetchFailed', message: /HTTP 404/ });

  const noPem = await serve(t, ca, () => [200, 'hello']);
  await assert.rejects(fetchVerifiedCA(noPem.url, hash), { code: 'InvalidCACertificate' });

  await assert.rejects(fetchVerifiedCA('http://127.0.0.1:1', hash), { code: 'InvalidServerURL' });
  await assert.rejects(fetchVerifiedCA('https://127.0.0.1:1', 'short'), { code: 'InvalidJoinToken' });

  // A server that accepts TLS but never answers must not hang the agent.
  const silent = https.createServer({ cert: ca.certPem, key: ca.keyPem }, () => undefined);
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    silent.closeAllConnections();
    return new Promise<void>((resolve) => silent.close(() => resolve()));
  });
  const port = (silent.address() as AddressInfo).port;
  await assert.rejects(fetchVerifiedCA(`https://127.0.0.1:${port}`, hash, { timeoutMs: 300 }), {
    code: 'CAFetchFailed',
    message: /timed out after 300 ms/,
  });
});
