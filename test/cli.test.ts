// The skiff command as users meet it: --help everywhere, flags from the environment,
// one clear line (no stack trace) for their mistakes, and `skiff up` giving a working
// one-node cluster that the machine's kubectl can use.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, test } from 'node:test';
import Docker from 'dockerode';
import { DockerRuntime } from '../agent/runtime/docker/docker-runtime.js';
import { LABEL_NODE_NAME } from '../agent/runtime/runtime.js';
import { freePort, waitFor, DOCKER_SOCKET } from './lib/cluster.js';
import { kubectlPath, run } from './lib/kubectl.js';

const SKIFF = resolve(new URL('../bin/skiff.js', import.meta.url).pathname);
const skiff = (args: string[], env: NodeJS.ProcessEnv = {}) => run(process.execPath, [SKIFF, ...args], { env: { ...process.env, ...env }, timeoutMs: 20_000 });

describe('skiff CLI', () => {
  const dirs: string[] = [];
  const tmp = () => {
    const d = mkdtempSync(join(tmpdir(), 'skiff-cli-'));
    dirs.push(d);
    return d;
  };
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  test('--help on every command lists its flags and their environment variables', async () => {
    const top = await skiff(['--help']);
    assert.equal(top.code, 0);
    for (const c of ['up', 'control', 'agent']) assert.match(top.stdout, new RegExp(`\\b${c}\\b`));
    const expected: Record<string, string[]> = {
      control: ['--data-dir', '--listen', 'SKIFF_LISTEN', '0.0.0.0:6443'],
      agent: ['--server', '--token', '--token-file', '--node-name', '--runtime', 'SKIFF_TOKEN_FILE'],
      up: ['--data-dir', 'SKIFF_DATA_DIR'],
    };
    for (const [cmd, words] of Object.entries(expected)) {
      const r = await skiff([cmd, '--help']);
      assert.equal(r.code, 0, r.stderr);
      for (const w of words) assert.ok(r.stdout.includes(w), `${cmd} --help mentions ${w}`);
    }
  });

  test('user mistakes are one line on stderr, exit code 1, no stack trace', async () => {
    const cases: [string[], NodeJS.ProcessEnv, RegExp][] = [
      [['frobnicate'], {}, /unknown command "frobnicate"/],
      [['control', '--listen', 'nowhere'], {}, /--listen nowhere: expected HOST:PORT/],
      [['control', '--bogus'], {}, /Unknown option '--bogus'/],
      [['agent', '--server', 'https://127.0.0.1:1', '--token', 'x', '--runtime-endpoint', '/nonexistent/docker.sock', '--data-dir', tmp()], {}, /no container runtime socket at \/nonexistent\/docker.sock: install and start Docker/],
      [['up', '--data-dir', tmp(), '--runtime-endpoint', '/nonexistent/docker.sock'], {}, /no container runtime socket at \/nonexistent\/docker.sock/],
      [['agent', '--server', 'https://127.0.0.1:1', '--data-dir', tmp()], {}, /--token or --token-file is required/],
      [['agent', '--server', 'http://x', '--token', 'y'], {}, /expected an https:\/\/ URL/],
    ];
    for (const [args, env, message] of cases) {
      const r = await skiff(args, env);
      assert.equal(r.code, 1, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
    }
  });

  test('flags can come from SKIFF_* environment variables', async () => {
    // The env var is read: the bad value in it is what the error names.
    const r = await skiff(['control'], { SKIFF_LISTEN: 'not-an-address' });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /--listen not-an-address/);
    const missing = await skiff(['agent', '--data-dir', tmp()], { SKIFF_SERVER: 'https://127.0.0.1:1', SKIFF_RUNTIME_ENDPOINT: '/nonexistent/sock', SKIFF_TOKEN: 'abc' });
    assert.match(missing.stderr, /no container runtime socket at \/nonexistent\/sock/);
  });

  test('skiff up starts a one-node cluster the machine\'s kubectl can use, and stops cleanly', async (t) => {
    const dir = tmp();
    const port = await freePort();
    // No proxy: proxy-services.test.ts may be running its own in this network namespace.
    const child = spawn(process.execPath, [SKIFF, 'up', '--data-dir', dir, '--listen', `127.0.0.1:${port}`, '--cluster-cidr', '10.251.16.0/20', '--node-name', `cli-up-${process.pid}`, '--disable-proxy', '--disable-dns'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    t.after(async () => {
      if (child.exitCode === null) process.kill(child.pid!, 'SIGKILL');
      const docker = new Docker({ socketPath: DOCKER_SOCKET });
      for (const c of await docker.listContainers({ all: true, filters: { label: [`${LABEL_NODE_NAME}=cli-up-${process.pid}`] } })) await docker.getContainer(c.Id).remove({ force: true });
      // The pod bridge and its iptables rules, through the agent's own runtime code.
      await new DockerRuntime({ socketPath: DOCKER_SOCKET, nodeName: `cli-up-${process.pid}`, stateDir: join(dir, 'agent', 'pod-network') }).deletePodNetwork();
    });
    const kubeconfig = join(dir, 'control', 'admin.kubeconfig');
    await waitFor('skiff up to print the kubeconfig hint', () => stderr.includes(`kubeconfig at ${kubeconfig}`) && stderr.includes('kubectl --kubeconfig'), 30_000);
    assert.ok(existsSync(join(dir, 'control', 'node-token')));
    const nodes = await waitFor('the node to be Ready in kubectl', async () => {
      const r = await run(kubectlPath(), ['--kubeconfig', kubeconfig, 'get', 'nodes']);
      return /\sReady\s/.test(r.stdout) ? r.stdout : undefined;
    }, 30_000);
    assert.match(nodes, new RegExp(`cli-up-${process.pid}\\s+Ready`));
    process.kill(child.pid!, 'SIGTERM');
    assert.equal(await exited, 0, 'exits 0 after SIGTERM');
  });
});
