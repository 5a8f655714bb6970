// The real kubectl (Go's TLS stack) must accept our ECDSA CA and serving certificate.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, realpathSync, rmSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { writeKubeconfig } from '../../api/kubeconfig.js';
import { ensureServingCertificates } from './ensure-serving-certificates.js';
import { ensureTokens } from './tokens.js';

const VERSION = { major: '1', minor: '33', gitVersion: 'v1.33.0' };

// /usr/bin/kubectl is a dispatcher; the versioned binaries sit beside its real path.
function versionedKubectl(): string {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    const candidate = join(dir, 'kubectl');
    if (!existsSync(candidate)) continue;
    const real = dirname(realpathSync(candidate));
    const versioned = readdirSync(real).filter((f) => /^kubectl\.1\.\d+$/.test(f)).sort((a, b) => Number(a.split('.')[2]) - Number(b.split('.')[2]));
    const pick = versioned.includes('kubectl.1.33') ? 'kubectl.1.33' : versioned.at(-1);
    if (pick) return join(real, pick);
  }
  throw new Error('no versioned kubectl (kubectl.1.NN beside the real path of kubectl on PATH) found; this test needs the real kubectl');
}

function run(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { env, timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

test('kubectl trusts the generated serving certificate and sends the admin token', async (t) => {
  const kubectl = versionedKubectl();
  const root = mkdtempSync(join(tmpdir(), 'skiff-kubectl-trust-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const dataDir = join(root, 'data');
  const tls = await ensureServingCertificates(dataDir, { hosts: [] });
  const { adminToken } = await ensureTokens(dataDir);
  const strangerCA = (await ensureServingCertificates(join(root, 'stranger'), { hosts: [] })).caCertPem;

  const seen: string[] = [];
  const server = https.createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => {
    seen.push(`${req.method} ${req.url}`);
    if (req.headers.authorization !== `Bearer ${adminToken}`) {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"kind":"Status","apiVersion":"v1","status":"Failure","code":401,"reason":"Unauthorized"}');
      return;
    }
    // kubectl adds ?timeout=…; only the path matters here.
    if (new URL(req.url ?? '/', 'https://x').pathname !== '/version') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(VERSION));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const port = (server.address() as AddressInfo).port;
  const env = { ...process.env, HOME: root, KUBECONFIG: '' };

  for (const host of ['127.0.0.1', 'localhost']) {
    const kubeconfig = join(root, `config-${host}`);
    await writeKubeconfig(kubeconfig, { server: `https://${host}:${port}`, caPem: tls.caCertPem, token: adminToken });
    const out = await run(kubectl, ['--kubeconfig', kubeconfig, 'version', '-o', 'json'], env);
    assert.equal(out.code, 0, `${kubectl} version against ${host} failed:\n${out.stderr}`);
    const parsed = JSON.parse(out.stdout) as { serverVersion?: { gitVersion?: string; major?: string; minor?: string } };
    assert.equal(parsed.serverVersion?.gitVersion, 'v1.33.0', out.stdout);
    assert.equal(parsed.serverVersion?.minor, '33');
  }
  assert.ok(seen.some((s) => s.startsWith('GET /version')), seen.join(', '));

  // The same call with another cluster's CA must be refused by kubectl's TLS check.
  const wrong = join(root, 'config-wrong-ca');
  await writeKubeconfig(wrong, { server: `https://127.0.0.1:${port}`, caPem: strangerCA, token: adminToken });
  const refused = await run(kubectl, ['--kubeconfig', wrong, 'version', '-o', 'json', '--request-timeout=10s'], env);
  assert.notEqual(refused.code, 0, 'kubectl accepted a server certificate from another CA');
  assert.match(refused.stderr, /x509|certificate/i);
});
