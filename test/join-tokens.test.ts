// Joining with bootstrap tokens against a real control server and real agents: `skiff
// token create|list|delete`, an agent that joins with a created token and keeps working on
// its own saved credential after the token is deleted, and the refusals an operator sees
// for a wrong secret, a deleted token, an expired token, a token of another cluster's CA,
// and a second host taking a live node's name.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { resources } from '../api/resources.js';
import type { Lease } from '../api/types.js';
import { freePort, startCluster, waitFor, type TestCluster } from './lib/cluster.js';

const SKIFF = resolve(new URL('../bin/skiff.js', import.meta.url).pathname);
const JOIN_FORM = /^K10[0-9a-f]{64}::([a-z0-9]{6})\.[a-z0-9]{16}$/;

let cluster: TestCluster;
const scratch = mkdtempSync(join(tmpdir(), 'skiff-join-'));
let otherControl: ReturnType<typeof spawn> | undefined;

function skiff(args: string[], timeoutMs = 60_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [SKIFF, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      process.kill(child.pid!, 'SIGKILL');
      rej(new Error(`skiff ${args.join(' ')} did not exit within ${timeoutMs} ms: ${stderr}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      res({ code, stdout, stderr });
    });
  });
}

const controlDir = () => join(cluster.dir, 'control');
const token = (...args: string[]) => skiff(['token', ...args, '--data-dir', controlDir()]);

/** An agent that must be refused before it runs anything: its exit code and stderr. */
async function refusedAgent(joinToken: string, nodeName: string): Promise<string> {
  const dataDir = mkdtempSync(join(scratch, 'agent-'));
  const r = await skiff(['agent', '--server', cluster.url, '--token', joinToken, '--node-name', nodeName, '--data-dir', dataDir, '--runtime', 'docker', '--disable-proxy']);
  assert.equal(r.code, 1, `the agent should exit 1, got ${r.code}: ${r.stderr}`);
  return r.stderr;
}

before(async () => {
  cluster = await startCluster({ agents: 1 });
});

after(async () => {
  if (otherControl?.pid && otherControl.exitCode === null) {
    const exited = new Promise((r) => otherControl!.once('exit', r));
    process.kill(otherControl.pid, 'SIGTERM');
    await exited;
  }
  await cluster?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

test('skiff token create prints a K10 join token; list shows id, TTL and description but never the secret', async () => {
  const created = await token('create', '--description', 'rack 2 pi');
  assert.equal(created.code, 0, created.stderr);
  const printed = created.stdout.trim();
  const m = JOIN_FORM.exec(printed);
  assert.ok(m, `not a K10 bootstrap join token: ${printed}`);
  const id = m[1]!;
  const secretPart = printed.split('.').pop()!;
  // The CA hash is this cluster's: the default node-token carries the same one.
  assert.equal(printed.slice(0, 67), readFileSync(join(controlDir(), 'node-token'), 'utf8').slice(0, 67));

  const listed = await token('list');
  assert.equal(listed.code, 0, listed.stderr);
  const row = listed.stdout.split('\n').find((l) => l.startsWith(id));
  assert.ok(row, listed.stdout);
  assert.match(row, /\b24h\b/);
  assert.match(row, /rack 2 pi/);
  assert.match(listed.stdout, /^ID\s+TTL\s+EXPIRES\s+USAGES\s+DESCRIPTION/);
  assert.ok(!listed.stdout.includes(secretPart), 'list must not print the secret');

  // Stored as kubeadm stores it.
  const type = await cluster.kubectlOk(['-n', 'kube-system', 'get', 'secret', `bootstrap-token-${id}`, '-o', 'jsonpath={.type}']);
  assert.equal(type, 'bootstrap.kubernetes.io/token');
  const exp = await cluster.kubectlOk(['-n', 'kube-system', 'get', 'secret', `bootstrap-token-${id}`, '-o', 'jsonpath={.data.expiration}']);
  assert.ok(Math.abs(new Date(Buffer.from(exp, 'base64').toString()).getTime() - Date.now() - 24 * 3600_000) < 120_000);

  const bad = await token('create', '--ttl', 'soon');
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /--ttl soon: expected a duration/);
  const badId = await token('delete', 'NOT-AN-ID');
  assert.equal(badId.code, 1);
  assert.match(badId.stderr, /NOT-AN-ID: a token id is 6 characters \[a-z0-9\]/);
  const unknown = await token('rotate');
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /unknown subcommand "rotate": expected create, list or delete/);
});

test('an agent joins with a created token, saves its own credential, and restarts on it after the token is deleted', async () => {
  const created = (await token('create', '--ttl', '1h')).stdout.trim();
  const id = JOIN_FORM.exec(created)![1]!;
  const name = cluster.addAgent(['--token', created]);
  await cluster.waitForNodesReady();

  const path = join(cluster.dir, name, 'node-credential');
  assert.equal(statSync(path).mode & 0o777, 0o600);
  const saved = JSON.parse(readFileSync(path, 'utf8')) as { nodeName: string; token: string };
  assert.equal(saved.nodeName, name);
  assert.ok(saved.token.startsWith(`node:${name}:`));
  const annotation = await cluster.kubectlOk(['-n', 'kube-system', 'get', 'secret', `${name}.node-credential.skiff`, '-o', 'jsonpath={.metadata.annotations.skiff\\.io/joined-with}']);
  assert.equal(annotation, `bootstrap-token/${id}`);

  const deleted = await token('delete', id);
  assert.equal(deleted.code, 0, deleted.stderr);
  assert.match(deleted.stdout, new RegExp(`bootstrap token "${id}" deleted`));
  assert.ok(!(await token('list')).stdout.includes(id));
  const again = await token('delete', id);
  assert.equal(again.code, 1);
  assert.match(again.stderr, new RegExp(`bootstrap token "${id}" not found`));

  // Restart with the (now deleted) token still on its command line: it runs on its credential.
  await cluster.agent(name).stop();
  const restarted = Date.now();
  cluster.agent(name).start();
  await waitFor('the restarted agent to renew its lease', async () => {
    const lease = await cluster.client.get<Lease>(resources.leases, name, 'kube-node-lease');
    return new Date(lease.spec?.renewTime ?? 0).getTime() > restarted;
  }, 60_000);
  assert.equal(cluster.agent(name).child!.exitCode, null, cluster.agent(name).logs());
});

test('a wrong secret, a deleted token and an expired token are refused, saying which token and why', async () => {
  const created = (await token('create', '--ttl', '1h')).stdout.trim();
  const id = JOIN_FORM.exec(created)![1]!;
  const wrong = created.replace(/\.[a-z0-9]{16}$/, '.0000000000000000');
  const wrongErr = await refusedAgent(wrong, `t${cluster.id}-wrong`);
  assert.match(wrongErr, new RegExp(`refused to let node "t${cluster.id}-wrong" join with bootstrap token "${id}": bootstrap token "${id}" was presented with the wrong secret`));

  await token('delete', id);
  const goneErr = await refusedAgent(created, `t${cluster.id}-gone`);
  assert.match(goneErr, new RegExp(`bootstrap token "${id}" is unknown to this cluster \\(deleted, or never created here\\)`));

  const short = (await token('create', '--ttl', '1s')).stdout.trim();
  const shortId = JOIN_FORM.exec(short)![1]!;
  await new Promise((r) => setTimeout(r, 1500));
  const expiredErr = await refusedAgent(short, `t${cluster.id}-late`);
  assert.match(expiredErr, new RegExp(`bootstrap token "${shortId}" expired at \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ`));
  // `list` marks it as kubeadm does.
  assert.match((await token('list')).stdout, new RegExp(`${shortId}\\s+<invalid>`));

  // Nothing of these refused nodes was registered.
  const nodes = await cluster.kubectlOk(['get', 'nodes', '-o', 'name']);
  assert.ok(!/-wrong|-gone|-late/.test(nodes), nodes);
});

test('a token of another cluster is refused on the CA hash before any secret is sent', async () => {
  const dir = join(scratch, 'other-control');
  const port = await freePort();
  otherControl = spawn(process.execPath, [SKIFF, 'control', '--data-dir', dir, '--listen', `127.0.0.1:${port}`], { stdio: 'ignore' });
  const otherToken = await waitFor('the second control server\'s node-token', () => {
    try {
      return readFileSync(join(dir, 'node-token'), 'utf8').trim();
    } catch {
      return undefined;
    }
  });
  const ourHash = readFileSync(join(controlDir(), 'node-token'), 'utf8').slice(3, 67);
  const err = await refusedAgent(otherToken, `t${cluster.id}-alien`);
  assert.match(err, new RegExp(`the server's CA certificate does not match the join token \\(expected sha256 ${otherToken.slice(3, 67)}, got ${ourHash}\\)`));
});

test('a second host cannot take the name of a node that has joined: its join is refused', async () => {
  const name = cluster.nodeNames[0]!;
  const err = await refusedAgent(readFileSync(join(controlDir(), 'node-token'), 'utf8').trim(), name);
  assert.match(err, new RegExp(`node "${name}" already joined with another credential`));
  // The live node is untouched: its saved credential still works.
  await cluster.waitForNodesReady();
});

test('a revoked node credential stops the agent with a clear message; removing the saved file joins again', async () => {
  const name = cluster.nodeNames[1]!;
  const agent = cluster.agent(name);
  await agent.stop();
  await cluster.kubectlOk(['-n', 'kube-system', 'delete', 'secret', `${name}.node-credential.skiff`]);
  const path = join(cluster.dir, name, 'node-credential');
  const started = agent.logs().length;
  agent.start();
  const exited = await waitFor('the agent to exit', () => (agent.child!.exitCode !== null ? agent.child!.exitCode : undefined), 30_000);
  assert.equal(exited, 1);
  await waitFor('the message in the agent\'s log', () => agent.logs().slice(started).includes('rejected the credential'));
  assert.match(agent.logs().slice(started), new RegExp(`rejected the credential of node "${name}" saved in ${path} \\(401 Unauthorized\\): it was revoked`));

  // The Node still exists but holds no credential: a new token lets it join afresh (the
  // last --token given wins over the deleted one the agent was first started with).
  rmSync(path);
  const fresh = (await token('create', '--ttl', '10m')).stdout.trim();
  agent.start(['--token', fresh]);
  await waitFor('a new credential', () => {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
  }, 60_000);
  assert.match(await cluster.kubectlOk(['-n', 'kube-system', 'get', 'secret', `${name}.node-credential.skiff`, '-o', 'jsonpath={.metadata.annotations.skiff\\.io/joined-with}']), new RegExp(`^bootstrap-token/${JOIN_FORM.exec(fresh)![1]}$`));
  await cluster.waitForNodesReady();
});
