// The runtime-level and pod lifecycle test files, run again with every cluster's agent on
// containerd (SKIFF_TEST_RUNTIME=containerd; see test/lib/cluster.ts): one suite, the same
// checks on both runtimes. Where a file looks inside the runtime (its containers, the
// signals and execs it sent, a container's limits) it does so through lib/node-runtime.ts,
// which asks dockerd or containerd as the agents use them.
//
// The files run one after another: containerd has one pod network for all its pods, so
// clusters on it take turns anyway (lockContainerdPodNetwork). Splitting this list over
// several test files would not make them run at once, only hold more of CI's slots
// waiting for that lock.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONTAINERD_SOCKET } from './fixtures/images.js';

export const RUNTIME_NEUTRAL_FILES = [
  'kubectl-pod-lifecycle',
  'kubelet-probes',
  'kubelet-init-containers',
  'kubelet-termination',
  'kubelet-agent-restart',
  'kubelet-env',
  'kubelet-security',
  'kubelet-volumes',
  'kubectl-logs-exec',
  'deletion',
  'kubectl-top',
  'kubelet-eviction',
  'kubelet-pod-identity',
  'kubelet-static-pods',
];

const here = dirname(fileURLToPath(import.meta.url));

function runFile(file: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    // A test runner of its own with plain TAP: without NODE_TEST_CONTEXT, which would make
    // it report to ours in the runner's internal format instead.
    const env: NodeJS.ProcessEnv = { ...process.env, SKIFF_TEST_RUNTIME: 'containerd' };
    delete env['NODE_TEST_CONTEXT'];
    const child = spawn(process.execPath, ['--enable-source-maps', '--test', '--test-reporter=tap', file], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, output }));
  });
}

for (const name of RUNTIME_NEUTRAL_FILES) {
  test(`${name} on containerd`, async (t) => {
    assert.ok(existsSync(CONTAINERD_SOCKET), `no containerd socket at ${CONTAINERD_SOCKET}: run scripts/host-setup.sh`);
    const file = join(here, `${name}.test.js`);
    assert.ok(existsSync(file), `${file} is missing`);
    const { code, output } = await runFile(file);
    const summary = output.split('\n').filter((l) => /^# (pass|fail) /.test(l));
    t.diagnostic(summary.join(', '));
    const failures = output.split('\n').filter((l) => /^\s*not ok /.test(l));
    assert.equal(code, 0, `${name} failed on containerd:\n${failures.join('\n')}\n${output.split('\n').slice(-40).join('\n')}`);
    assert.ok(summary.some((l) => /^# pass [1-9]/.test(l)), `${name} ran no test on containerd`);
  });
}
