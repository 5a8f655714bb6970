// Crashes: the agent and the control server are killed with SIGKILL and restarted. Nothing
// acknowledged is lost, running containers are adopted (never restarted or duplicated),
// and the agent finds its way back to the control server by itself.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { resources } from '../api/resources.js';
import type { Lease, Pod } from '../api/types.js';
import { ensureTestImages } from './fixtures/images.js';
import { startCluster, waitFor, type TestCluster } from './lib/cluster.js';
import { podManifest, sleepForever } from './lib/manifests.js';

describe('crash recovery', () => {
  let cluster: TestCluster;
  let busybox: string;

  before(async () => {
    busybox = (await ensureTestImages()).busybox;
    cluster = await startCluster({ agents: 1 });
  });
  after(async () => {
    await cluster?.stop();
  });

  async function runningPod(name: string): Promise<Pod> {
    await cluster.kubectlOk(['apply', '-f', '-'], { input: podManifest({ name, image: busybox, command: sleepForever }) });
    return cluster.waitForPod(name, 'Running', (p) => p.status?.phase === 'Running');
  }

  const appContainers = async (uid: string) =>
    (await cluster.containers()).filter((c) => c.Labels['io.kubernetes.pod.uid'] === uid && c.Labels['io.kubernetes.container.name'] === 'main');

  test('agent kill -9 and restart: same containers, restartCount unchanged', async () => {
    const pods = await Promise.all(['adopt-a', 'adopt-b'].map(runningPod));
    const before = pods.map((p) => ({ id: p.status!.containerStatuses![0]!.containerID, restarts: p.status!.containerStatuses![0]!.restartCount }));
    const agent = cluster.agent();
    await agent.stop('SIGKILL');
    // Pods keep running while no agent is there.
    for (const p of pods) assert.equal((await appContainers(p.metadata.uid!)).filter((c) => c.State === 'running').length, 1);
    agent.start();
    // Let the new agent list, relist the runtime and sync every pod a few times.
    await waitFor('the restarted agent to sync', async () => {
      const lease = await cluster.client.get<Lease>(resources.leases, cluster.nodeNames[0]!, 'kube-node-lease');
      return Date.parse(lease.spec.renewTime!) > Date.now() - 5_000 && agent.logs().split('starting pod workers').length > 2;
    }, 40_000);
    await new Promise((r) => setTimeout(r, 3_000));
    for (const [i, p] of pods.entries()) {
      const now = await cluster.pod(p.metadata.name!);
      assert.equal(now.status!.phase, 'Running');
      assert.equal(now.status!.containerStatuses![0]!.containerID, before[i]!.id, 'same container');
      assert.equal(now.status!.containerStatuses![0]!.restartCount, before[i]!.restarts, 'restartCount unchanged');
      const containers = await appContainers(p.metadata.uid!);
      assert.equal(containers.length, 1, 'no duplicate container');
      assert.equal(`docker://${containers[0]!.Id}`, before[i]!.id);
    }
  });

  test('control kill -9 and restart: acknowledged objects survive, pods keep running, the agent reconnects', async () => {
    const pod = await runningPod('survivor');
    const containerId = pod.status!.containerStatuses![0]!.containerID!.slice('docker://'.length);
    // Acknowledged writes right before the crash.
    await cluster.kubectlOk(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'crash-ns' } }) });
    const labels: string[] = [];
    for (let i = 0; i < 20; i++) {
      await cluster.kubectlOk(['label', 'pod', 'survivor', `k${i}=v${i}`]);
      labels.push(`k${i}`);
    }
    await cluster.control.stop('SIGKILL');
    // With the control server down, the pod's container keeps running.
    await new Promise((r) => setTimeout(r, 2_000));
    const during = (await cluster.containers(false)).find((c) => c.Id === containerId);
    assert.equal(during?.State, 'running');
    cluster.control.start();
    await waitFor('the API server to answer again', () => cluster.client.request('GET', '/version').then(() => true), 30_000);
    const after = await cluster.pod('survivor');
    for (const l of labels) assert.ok(after.metadata.labels?.[l], `label ${l} survived`);
    assert.equal(after.metadata.uid, pod.metadata.uid);
    assert.ok((await cluster.kubectlOk(['get', 'namespace', 'crash-ns'])).includes('crash-ns'));
    // The agent reconnects by itself: its lease is renewed and a new pod runs.
    const restartedAt = Date.now();
    await waitFor('the agent to renew its lease after the restart', async () => {
      const lease = await cluster.client.get<Lease>(resources.leases, cluster.nodeNames[0]!, 'kube-node-lease');
      return Date.parse(lease.spec.renewTime!) >= restartedAt - 1000;
    }, 30_000);
    await runningPod('after-restart');
    const still = await cluster.pod('survivor');
    assert.equal(still.status!.containerStatuses![0]!.containerID, `docker://${containerId}`);
    assert.equal(still.status!.containerStatuses![0]!.restartCount, 0);
  });
});
