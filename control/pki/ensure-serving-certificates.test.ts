import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync, chmodSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { hostname, networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureServingCertificates } from './ensure-serving-certificates.js';
import { PkiError } from './errors.js';
import { pkiPaths } from './paths.js';
import { DAY_MS } from './validity.js';

function tempDataDir(t: import('node:test').TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-pki-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'data');
}

const mode = (path: string): number => statSync(path).mode & 0o777;

test('first start creates a CA and a serving certificate with every expected name', async (t) => {
  const dataDir = tempDataDir(t);
  const got = await ensureServingCertificates(dataDir, { hosts: ['Skiff.Example.Test.', '192.0.2.10', '2001:db8::10'] });
  const p = pkiPaths(dataDir);

  assert.equal(mode(p.tlsDir), 0o700);
  assert.equal(mode(p.caKey), 0o600);
  assert.equal(mode(p.serverKey), 0o600);
  assert.equal(readFileSync(p.caCert, 'utf8'), got.caCertPem);
  assert.equal(readFileSync(p.serverCert, 'utf8'), got.certPem);
  assert.equal(readFileSync(p.serverKey, 'utf8'), got.keyPem);
  assert.equal(got.issuedBecause, 'no serving certificate yet');

  const ca = new X509Certificate(got.caCertPem);
  const cert = new X509Certificate(got.certPem);
  assert.equal(got.caHash, createHash('sha256').update(ca.raw).digest('hex'));
  assert.equal(ca.ca, true);
  assert.equal(cert.ca, false);
  assert.ok(cert.checkIssued(ca) && cert.verify(ca.publicKey), 'serving cert is signed by the CA');
  assert.equal(cert.publicKey.asymmetricKeyType, 'ec');
  assert.equal(cert.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');

  const days = (x: X509Certificate): number => (Date.parse(x.validTo) - Date.now()) / DAY_MS;
  assert.ok(days(ca) > 3649 && days(ca) <= 3650, `CA valid ~10 years, got ${days(ca)} days`);
  assert.ok(days(cert) > 364 && days(cert) <= 365, `serving cert valid ~1 year, got ${days(cert)} days`);

  const dns = ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local', 'skiff.example.test', hostname().toLowerCase()];
  for (const name of dns) assert.equal(cert.checkHost(name), name, `SAN DNS:${name}`);
  const ips = ['127.0.0.1', '::1', '192.0.2.10', '2001:db8::10'];
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) if (!a.internal) ips.push(a.address);
  }
  for (const ip of ips) assert.equal(cert.checkIP(ip), ip, `SAN IP:${ip}`);
  assert.equal(cert.checkHost('not-in-the-cert.example'), undefined);
});

test('later starts reuse the CA and the certificate; a new host or near expiry re-issues with the same CA', async (t) => {
  const dataDir = tempDataDir(t);
  // Issued 340 days ago: the serving cert has 25 days left, the CA nearly 9 years.
  const old = await ensureServingCertificates(dataDir, { hosts: [], now: new Date(Date.now() - 340 * DAY_MS) });
  const renewed = await ensureServingCertificates(dataDir, { hosts: [] });
  assert.equal(renewed.caCertPem, old.caCertPem);
  assert.equal(renewed.caHash, old.caHash);
  assert.notEqual(renewed.certPem, old.certPem);
  assert.notEqual(renewed.keyPem, old.keyPem);
  assert.match(renewed.issuedBecause ?? '', /^expires /);

  const again = await ensureServingCertificates(dataDir, { hosts: [] });
  assert.equal(again.certPem, renewed.certPem);
  assert.equal(again.keyPem, renewed.keyPem);
  assert.equal(again.issuedBecause, undefined);

  const withHost = await ensureServingCertificates(dataDir, { hosts: ['pi-cluster.lan'] });
  assert.equal(withHost.caCertPem, old.caCertPem);
  assert.notEqual(withHost.certPem, renewed.certPem);
  assert.equal(withHost.issuedBecause, 'missing subject alternative names pi-cluster.lan');
  assert.equal(new X509Certificate(withHost.certPem).checkHost('pi-cluster.lan'), 'pi-cluster.lan');

  // A serving key that no longer matches its certificate is replaced too.
  const p = pkiPaths(dataDir);
  writeFileSync(p.serverKey, old.keyPem);
  const fixed = await ensureServingCertificates(dataDir, { hosts: ['pi-cluster.lan'] });
  assert.equal(fixed.issuedBecause, 'the key does not match the certificate');
});

test('loose permissions are tightened on start', async (t) => {
  const dataDir = tempDataDir(t);
  await ensureServingCertificates(dataDir, { hosts: [] });
  const p = pkiPaths(dataDir);
  chmodSync(p.tlsDir, 0o755);
  chmodSync(p.caKey, 0o644);
  chmodSync(p.serverKey, 0o644);
  await ensureServingCertificates(dataDir, { hosts: [] });
  assert.equal(mode(p.tlsDir), 0o700);
  assert.equal(mode(p.caKey), 0o600);
  assert.equal(mode(p.serverKey), 0o600);
});

test('a damaged CA stops start-up instead of being replaced', async (t) => {
  const dataDir = tempDataDir(t);
  const first = await ensureServingCertificates(dataDir, { hosts: [] });
  const otherDir = tempDataDir(t);
  await ensureServingCertificates(otherDir, { hosts: [] });
  const p = pkiPaths(dataDir);

  await assert.rejects(ensureServingCertificates(dataDir, { hosts: ['bad host name!'] }), { code: 'InvalidHost' });

  // Another cluster's CA key next to our CA certificate.
  writeFileSync(p.caKey, readFileSync(pkiPaths(otherDir).caKey));
  await assert.rejects(ensureServingCertificates(dataDir, { hosts: [] }), (err: unknown) => err instanceof PkiError && err.code === 'CAKeyMismatch');
  writeFileSync(p.caKey, 'garbage');
  await assert.rejects(ensureServingCertificates(dataDir, { hosts: [] }), { code: 'CAKeyMismatch', message: /not a usable private key/ });

  unlinkSync(p.caKey);
  await assert.rejects(ensureServingCertificates(dataDir, { hosts: [] }), (err: unknown) => {
    assert.ok(err instanceof PkiError);
    assert.equal(err.code, 'CAIncomplete');
    assert.match(err.message, /ca\.key is missing/);
    return true;
  });
  assert.equal(readFileSync(p.caCert, 'utf8'), first.caCertPem, 'the CA certificate was left alone');
});

async function tlsRequest(port: number, options: https.RequestOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = https.request({ port, path: '/', agent: false, ...options }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.end();
  });
}

test("Node's https client trusts the serving certificate given only ca.crt", async (t) => {
  const dataDir = tempDataDir(t);
  const tls = await ensureServingCertificates(dataDir, { hosts: [] });
  const server = https.createServer({ cert: tls.certPem, key: tls.keyPem }, (_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const port = (server.address() as AddressInfo).port;
  const ca = readFileSync(pkiPaths(dataDir).caCert, 'utf8');

  // By IP, and by name (servername drives both SNI and the hostname check).
  assert.equal(await tlsRequest(port, { host: '127.0.0.1', ca }), 'ok');
  assert.equal(await tlsRequest(port, { host: '127.0.0.1', servername: 'localhost', ca }), 'ok');
  assert.equal(await tlsRequest(port, { host: '127.0.0.1', servername: 'kubernetes.default.svc', ca }), 'ok');

  // The same requests must fail without the CA, or for a name the certificate lacks.
  await assert.rejects(tlsRequest(port, { host: '127.0.0.1' }), { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
  await assert.rejects(tlsRequest(port, { host: '127.0.0.1', servername: 'elsewhere.example', ca }), {
    code: 'ERR_TLS_CERT_ALTNAME_INVALID',
  });
});
