// The probe handlers against real sockets on this machine: HTTP status classes, headers,
// named ports, timeouts, TCP connect and refusal, and the exec path through a runtime.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import { after, before, test } from 'node:test';
import type { Container } from '../../../api/types.js';
import type { ContainerRuntime, ExecSyncResult } from '../../runtime/runtime.js';
import { resolvePort, runHandler, type HandlerTarget } from './handlers.js';

let server: http.Server;
let port = 0;
const seen: http.IncomingHttpHeaders[] = [];

before(async () => {
  server = http.createServer((req, res) => {
    seen.push(req.headers);
    if (req.url === '/ok') return res.end('fine');
    if (req.url === '/redirect') {
      res.writeHead(302, { Location: 'http://198.51.100.1/' });
      return res.end();
    }
    if (req.url === '/slow') return setTimeout(() => res.end('late'), 1500);
    res.writeHead(500);
    res.end('broken');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as net.AddressInfo).port;
});
after(() => server.close());

function target(ports: Container['ports'] = [], exec?: (cmd: string[]) => Promise<ExecSyncResult>): HandlerTarget {
  const runtime = { execSync: async (_id: string, cmd: string[]) => (exec ? exec(cmd) : { stdout: Buffer.alloc(0), stderr: Buffer.alloc(0), exitCode: 0 }) } as unknown as ContainerRuntime;
  return { runtime, containerId: 'c1', container: { name: 'main', image: 'x', ports }, podIP: '127.0.0.1' };
}

test('httpGet: 2xx and 3xx pass (redirects are not followed), 5xx fails with the kubelet text', async () => {
  assert.deepEqual(await runHandler({ httpGet: { port, path: '/ok' } }, target(), 1), { result: 'success', output: 'fine' });
  assert.equal((await runHandler({ httpGet: { port, path: '/redirect' } }, target(), 1)).result, 'success');
  assert.deepEqual(await runHandler({ httpGet: { port, path: '/bad' } }, target(), 1), { result: 'failure', output: 'HTTP probe failed with statuscode: 500' });
  // Lifecycle hooks only need an answer.
  assert.equal((await runHandler({ httpGet: { port, path: '/bad' } }, target(), 1, true)).result, 'success');
});

test('httpGet sends the user agent and the probe headers, and finds a port by name', async () => {
  seen.length = 0;
  const r = await runHandler({ httpGet: { port: 'web', path: '/ok', httpHeaders: [{ name: 'X-Probe', value: 'yes' }] } }, target([{ name: 'web', containerPort: port }]), 1);
  assert.equal(r.result, 'success');
  assert.equal(seen[0]?.['x-probe'], 'yes');
  assert.match(String(seen[0]?.['user-agent']), /^kube-probe\//);
  const missing = await runHandler({ httpGet: { port: 'nope', path: '/ok' } }, target(), 1);
  assert.deepEqual(missing, { result: 'failure', output: "couldn't find port: nope in main" });
  assert.equal(resolvePort('8080', { name: 'x', image: 'y' }), 8080);
});

test('httpGet times out after timeoutSeconds', async () => {
  const started = Date.now();
  const r = await runHandler({ httpGet: { port, path: '/slow' } }, target(), 1);
  const took = Date.now() - started;
  assert.equal(r.result, 'failure');
  assert.match(r.output, /context deadline exceeded/);
  assert.ok(took >= 950 && took < 1400, `took ${took} ms`);
});

test('tcpSocket: connect passes, refusal fails with the dial text', async () => {
  assert.equal((await runHandler({ tcpSocket: { port } }, target(), 1)).result, 'success');
  const closed = await new Promise<number>((r) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => r(p));
    });
  });
  assert.deepEqual(await runHandler({ tcpSocket: { port: closed } }, target(), 1), { result: 'failure', output: `dial tcp 127.0.0.1:${closed}: connect: connection refused` });
});

test('exec: exit code decides, output is stdout then stderr, a timeout fails', async () => {
  const t = target([], async (cmd) => {
    if (cmd[0] === 'hang') throw new Error('command timed out after 1s');
    return { stdout: Buffer.from('out '), stderr: Buffer.from('err'), exitCode: cmd[0] === 'ok' ? 0 : 2 };
  });
  assert.equal((await runHandler({ exec: { command: ['ok'] } }, t, 1)).result, 'success');
  assert.deepEqual(await runHandler({ exec: { command: ['no'] } }, t, 1), { result: 'failure', output: 'out err', exitCode: 2 });
  assert.deepEqual(await runHandler({ exec: { command: ['hang', 'x'] } }, t, 1), { result: 'failure', output: 'command "hang x" timed out' });
});

test('httpGet with scheme HTTPS does not verify the certificate', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'probe-tls-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=pod', '-days', '1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    const tls = https.createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (req, res) => {
      res.writeHead(req.url === '/healthz' ? 204 : 503);
      res.end();
    });
    await new Promise<void>((r) => tls.listen(0, '127.0.0.1', r));
    const tlsPort = (tls.address() as net.AddressInfo).port;
    try {
      assert.equal((await runHandler({ httpGet: { port: tlsPort, path: '/healthz', scheme: 'HTTPS' } }, target(), 2)).result, 'success');
      assert.deepEqual(await runHandler({ httpGet: { port: tlsPort, path: '/x', scheme: 'HTTPS' } }, target(), 2), { result: 'failure', output: 'HTTP probe failed with statuscode: 503' });
    } finally {
      tls.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
