// Init containers against the real runtime (Docker or containerd, lib/node-runtime.ts):
// they run one at a time in order, to completion, before the app containers; a native sidecar keeps running beside them; a failing init
// container fails a restartPolicy Never pod and is retried with back-off otherwise.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Pod } from '../api/types.js';
import { ensureTestImages } from './fixtures/images.js';
import { startCluster, type TestCluster } from './lib/cluster.js';
import { nodeRuntime, podContainers, type NodeRuntime } from './lib/node-runtime.js';
import { podYaml } from './kubelet-support.js';

const LOOP = ['sh', '-c', "trap 'exit 0' TERM; while true; do sleep 1; done"];

function condition(p: Pod, type: string) {
  return p.status?.conditions?.find((c) => c.type === type);
}

async function row(cluster: TestCluster, name: string): Promise<string> {
  return (await cluster.kubectlOk(['get', 'pod', name])).split('\n')[1] ?? '';
}

describe('kubelet init containers', () => {
  let cluster: TestCluster;
  let busybox: string;
  let runtime: NodeRuntime;

  before(async () => {
    busybox = (await ensureTestImages()).busybox;
    cluster = await startCluster({ agents: 1 });
    runtime = nodeRuntime();
  });
  after(async () => {
    runtime?.close();
    await cluster?.stop();
  });

  test('init containers run in order to completion, a sidecar stays running, then the app starts', async () => {
    await cluster.kubectlOk(['apply', '-f', '-'], {
      input: podYaml('init', {
        initContainers: [
          { name: 'first', image: busybox, command: ['sh', '-c', 'sleep 3'] },
          { name: 'sidecar', image: busybox, command: LOOP, restartPolicy: 'Always' },
          { name: 'second', image: busybox, command: ['sh', '-c', 'sleep 1'] },
        ],
        containers: [{ name: 'app', image: busybox, command: LOOP }],
      }),
    });
    const initializing = await cluster.waitForPod('init', 'running its first init container', (p) => !!p.status?.initContainerStatuses?.[0]?.state.running);
    assert.equal(initializing.status!.phase, 'Pending');
    assert.equal(condition(initializing, 'Initialized')?.status, 'False');
    assert.equal(condition(initializing, 'Initialized')?.reason, 'ContainersNotInitialized');
    assert.match(condition(initializing, 'Initialized')?.message ?? '', /^containers with incomplete status: \[first sidecar second\]$/);
    const [, second] = [initializing.status!.initContainerStatuses![1]!, initializing.status!.initContainerStatuses![2]!];
    assert.equal(second.state.waiting?.reason, 'PodInitializing');
    assert.equal(initializing.status!.containerStatuses![0]!.state.waiting?.reason, 'PodInitializing');
    assert.match(await row(cluster, 'init'), /^init\s+0\/2\s+Init:0\/3\s/);

    const running = await cluster.waitForPod('init', 'Running', (p) => p.status?.phase === 'Running' && condition(p, 'Ready')?.status === 'True', 30_000);
    const [first, sidecar, last] = running.status!.initContainerStatuses!;
    assert.equal(first!.state.terminated?.reason, 'Completed');
    assert.equal(first!.ready, true);
    assert.equal(last!.state.terminated?.reason, 'Completed');
    assert.ok(sidecar!.state.running, 'the sidecar keeps running');
    assert.equal(sidecar!.ready, true);
    assert.equal(sidecar!.started, true);
    assert.ok(Date.parse(first!.state.terminated!.finishedAt!) <= Date.parse(last!.state.terminated!.startedAt!), 'second ran after first finished');
    const app = running.status!.containerStatuses![0]!;
    assert.ok(Date.parse(last!.state.terminated!.finishedAt!) <= Date.parse(app.state.running!.startedAt!), 'the app started after the init containers');
    assert.equal(condition(running, 'Initialized')?.status, 'True');
    assert.match(await row(cluster, 'init'), /^init\s+2\/2\s+Running\s+0\s/);
    // Completed init containers are not run again on later syncs.
    await new Promise((r) => setTimeout(r, 2500));
    const later = await cluster.pod('init');
    assert.equal(later.status!.initContainerStatuses![0]!.containerID, first!.containerID);
    assert.equal(later.status!.initContainerStatuses![0]!.restartCount, 0);

    // On deletion the sidecar is stopped only after the app container has exited.
    const recording = await runtime.record();
    await cluster.kubectlOk(['delete', 'pod', 'init', '--timeout=30s']);
    const [appId, sidecarId] = [runtime.idOf(app.containerID), runtime.idOf(sidecar!.containerID)];
    const events = await recording.stop([appId, sidecarId]);
    const appDied = events.find((e) => e.type === 'exit' && e.containerId === appId);
    const sidecarSignalled = events.find((e) => e.type === 'signal' && e.containerId === sidecarId);
    assert.ok(appDied && sidecarSignalled, JSON.stringify(events));
    assert.ok(sidecarSignalled.at >= appDied.at, 'the sidecar is signalled after the app container died');
  });

  test('a failing init container fails a restartPolicy Never pod; the app never runs', async () => {
    await cluster.kubectlOk(['apply', '-f', '-'], {
      input: podYaml('init-never', {
        restartPolicy: 'Never',
        initContainers: [{ name: 'setup', image: busybox, command: ['sh', '-c', 'exit 3'] }],
        containers: [{ name: 'app', image: busybox, command: LOOP }],
      }),
    });
    const failed = await cluster.waitForPod('init-never', 'Failed', (p) => p.status?.phase === 'Failed', 30_000);
    assert.equal(failed.status!.initContainerStatuses![0]!.state.terminated?.exitCode, 3);
    assert.equal(failed.status!.containerStatuses![0]!.state.waiting?.reason, 'PodInitializing');
    assert.equal(condition(failed, 'Initialized')?.status, 'False');
    assert.match(await row(cluster, 'init-never'), /^init-never\s+0\/1\s+Init:Error\s/);
    const [setup, apps] = [await podContainers(runtime, cluster.nodeNames, failed.metadata.uid!, 'setup'), await podContainers(runtime, cluster.nodeNames, failed.metadata.uid!, 'app')];
    assert.equal(setup.length, 1, 'the runtime holds the failed init container');
    assert.equal(apps.length, 0);
  });

  test('a failing init container is retried with back-off under restartPolicy Always', async () => {
    await cluster.kubectlOk(['apply', '-f', '-'], {
      input: podYaml('init-retry', {
        initContainers: [{ name: 'setup', image: busybox, command: ['sh', '-c', 'exit 1'] }],
        containers: [{ name: 'app', image: busybox, command: LOOP }],
      }),
    });
    const backoff = await cluster.waitForPod(
      'init-retry',
      'in CrashLoopBackOff',
      (p) => p.status?.initContainerStatuses?.[0]?.state.waiting?.reason === 'CrashLoopBackOff',
      30_000,
    );
    const s = backoff.status!.initContainerStatuses![0]!;
    assert.ok(s.restartCount >= 1);
    assert.equal(s.lastState.terminated?.exitCode, 1);
    assert.equal(backoff.status!.phase, 'Pending');
    assert.match(await row(cluster, 'init-retry'), /^init-retry\s+0\/1\s+Init:CrashLoopBackOff\s+\d+/);
    assert.ok((await podContainers(runtime, cluster.nodeNames, backoff.metadata.uid!, 'setup')).length >= 1, 'the runtime holds the init container attempts');
    assert.equal((await podContainers(runtime, cluster.nodeNames, backoff.metadata.uid!, 'app')).length, 0);
    await cluster.kubectlOk(['delete', 'pod', 'init-retry', '--wait=false']);
  });

  test('a crashing sidecar is restarted beside the running app; its readiness probe counts for Ready', async () => {
    await cluster.kubectlOk(['apply', '-f', '-'], {
      input: podYaml('sidecar-crash', {
        initContainers: [
          {
            name: 'helper',
            image: busybox,
            command: ['sh', '-c', 'sleep 2; exit 1'],
            restartPolicy: 'Always',
            readinessProbe: { exec: { command: ['true'] }, periodSeconds: 1, timeoutSeconds: 5 },
          },
        ],
        containers: [{ name: 'app', image: busybox, command: LOOP }],
      }),
    });
    const ready = await cluster.waitForPod('sidecar-crash', 'Ready with the sidecar ready', (p) => condition(p, 'Ready')?.status === 'True', 30_000);
    assert.equal(ready.status!.initContainerStatuses![0]!.ready, true);
    const crashed = await cluster.waitForPod('sidecar-crash', 'sidecar restarted', (p) => (p.status?.initContainerStatuses?.[0]?.restartCount ?? 0) >= 1, 30_000);
    const app = crashed.status!.containerStatuses![0]!;
    assert.ok(app.state.running, 'the app keeps running');
    assert.equal(app.restartCount, 0);
    assert.equal(app.containerID, ready.status!.containerStatuses![0]!.containerID);
    assert.equal(condition(crashed, 'Initialized')?.status, 'True', 'a sidecar restart does not un-initialize the pod');
    await cluster.kubectlOk(['delete', 'pod', 'sidecar-crash', '--wait=false']);
  });
});
