// The rig itself (test/lib/rig): a rig whose owner is killed with SIGKILL (nothing of its
// own teardown runs) leaves processes, pods, netns, links and guard rules behind; the next
// start's cleanStaleRigs() removes all of it, by the rig's own names and PIDs, and leaves
// a rig whose owner is alive alone.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { resolve } from 'node:path';
import { waitFor } from './lib/cluster.js';
import { kubectlPath, run } from './lib/kubectl.js';
import { BUSYBOX_IMAGE } from './fixtures/images.js';
import { bridgeName, guardComment, rigDir, sinkName } from './lib/rig/names.js';
import { sh } from './lib/rig/sh.js';
import { cleanStaleRigsHoldingLock } from './lib/rig/teardown.js';
import { withRigLock } from './lib/rig/rig-lock.js';
import { startRig } from './lib/rig/rig.js';

const CLI = resolve(new URL('./lib/rig/cli.js', import.meta.url).pathname);

/** Everything on this machine that still carries rig n's names or lives in its directory. */
async function traces(n: number): Promise<string[]> {
  const out: string[] = [];
  for (const l of (await sh('ip', ['netns', 'list'])).split('\n')) if (l.startsWith(`skiff-rig${n}-`)) out.push(`netns ${l.split(' ')[0]}`);
  for (const l of (await sh('ip', ['-br', 'link'])).split('\n')) {
    const name = (l.split(/\s+/)[0] ?? '').split('@')[0]!;
    if (name.startsWith(bridgeName(n)) || name === sinkName(n)) out.push(`link ${name}`);
  }
  if ((await sh('iptables', ['-w', '5', '-S', 'FORWARD'])).includes(guardComment(n))) out.push('guard rules');
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    let cmdline = '';
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (cmdline.includes(`${rigDir(n)}/`)) out.push(`process ${pid} ${cmdline.split('\0').slice(0, 3).join(' ')}`);
  }
  for (const m of readFileSync('/proc/self/mounts', 'utf8').split('\n')) if (m.split(' ')[1]?.startsWith(`${rigDir(n)}/`)) out.push(`mount ${m.split(' ')[1]}`);
  if (existsSync(rigDir(n))) out.push(`dir ${rigDir(n)}`);
  return out;
}

test('a rig whose owner was killed is removed entirely at the next start, pods included', { timeout: 150_000 }, async (t) => {
  const child = spawn(process.execPath, [CLI, 'up', '--hosts', '2'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const n = await waitFor('the rig to come up', () => {
    if (child.exitCode !== null) throw new Error(`rig up exited: ${output}`);
    const m = /rig (\d+) is up/.exec(output);
    return m ? Number(m[1]) : undefined;
  }, 90_000);
  const kubeconfig = `${rigDir(n)}/control/admin.kubeconfig`;
  const kubectl = (args: string[]) => run(kubectlPath(), ['--kubeconfig', kubeconfig, ...args]);
  const created = await kubectl(['create', 'deployment', 'sleeper', `--image=${BUSYBOX_IMAGE}`, '--replicas=2', '--', 'sleep', '3600']);
  assert.equal(created.code, 0, created.stderr);
  await waitFor('two running sleeper pods', async () => {
    const r = await kubectl(['get', 'pods', '-l', 'app=sleeper', '-o', 'jsonpath={.items[*].status.phase}']);
    return r.stdout.split(' ').filter((p) => p === 'Running').length === 2;
  }, 60_000);

  // The pods' own processes (pause and sleep), from each host's containerd.
  const podPids: number[] = [];
  for (const host of ['a', 'b']) {
    const tasks = await sh('ctr', ['--address', `${rigDir(n)}/${host}/containerd/containerd.sock`, '-n', 'k8s.io', 'tasks', 'ls']);
    for (const line of tasks.split('\n').slice(1)) if (/RUNNING/.test(line)) podPids.push(Number(line.trim().split(/\s+/)[1]));
  }
  assert.equal(podPids.length, 4, 'two pods: a pause and a sleep each');

  // A rig of a living owner (this process) beside it, started before the other's owner dies
  // (startRig cleans stale rigs itself): cleanStaleRigs() below must leave it alone.
  const live = await startRig({ hosts: 1 });
  t.after(() => live.stop());
  // Its processes are checked by PID below (a passing `ctr` call of its agent may come and go).
  const kernelTraces = async (m: number) => (await traces(m)).filter((x) => !x.startsWith('process'));
  const liveBefore = await kernelTraces(live.n);

  // The owner dies without running any of its own teardown. Until its traces are checked,
  // this process stands in as the owner: other test files starting rigs meanwhile clean
  // stale rigs, and would otherwise take this one apart first.
  const ownerFile = `${rigDir(n)}/owner`;
  const childPid = child.pid!;
  writeFileSync(ownerFile, String(process.pid));
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  const left = await traces(n);
  for (const kind of ['netns', 'link', 'guard rules', 'process', 'mount', 'dir']) assert.ok(left.some((x) => x.startsWith(kind)), `a killed rig leaves ${kind}: ${left.join('; ')}`);

  // Under the rig lock, so no other process picks the number between the cleanup and the check.
  await withRigLock(async () => {
    writeFileSync(ownerFile, String(childPid));
    const cleaned = await cleanStaleRigsHoldingLock();
    assert.ok(cleaned.includes(n), 'the rig of the dead owner is taken apart');
    assert.ok(!cleaned.includes(live.n), 'a rig whose owner lives is left alone');
    assert.deepEqual(await kernelTraces(live.n), liveBefore);
    assert.ok(live.control.running && live.hosts.every((h) => h.agent.running && h.containerd.running), 'the live rig\'s daemons still run');
    assert.deepEqual(await traces(n), []);
  });
  assert.deepEqual(podPids.filter((pid) => existsSync(`/proc/${pid}`)), [], 'pod processes left');
});
