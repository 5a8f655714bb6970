// Node lifecycle: an agent that stops renewing its lease makes its node Unknown (NotReady
// in kubectl) with the unreachable taints; pods that do not tolerate that long are evicted;
// a node that comes back is Ready again without the taints, and its agent finishes the
// evicted pod's deletion.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { isNotFound } from '../api/errors.js';
import { resources } from '../api/resources.js';
import type { Node } from '../api/types.js';
import { ensureTestImages } from './fixtures/images.js';
import { startCluster, waitFor, type TestCluster } from './lib/cluster.js';
import { sleepForever } from './lib/manifests.js';

describe('node lifecycle', () => {
  let cluster: TestCluster;
  let busybox: string;
  before(async () => {
    busybox = (await ensureTestImages()).busybox;
    // Agents renew every 10 s; 12 s of silence makes a node Unknown.
    // New pods tolerate an unreachable node for 2 s unless they say otherwise.
    cluster = await startCluster({ agents: 1, controlArgs: ['--node-monitor-grace-period', '12', '--node-monitor-period', '1', '--default-unreachable-toleration-seconds', '2'] });
  });
  after(async () => {
    await cluster?.stop();
  });

  const node = () => cluster.client.get<Node>(resources.nodes, cluster.nodeNames[0]!);
  const podWithToleration = (name: string, toleration: 'default' | 'forever') =>
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name },
      spec: {
        terminationGracePeriodSeconds: 1,
        ...(toleration === 'forever' ? { tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' }] } : {}),
        containers: [{ name: 'main', image: busybox, command: sleepForever }],
      },
    });

  test('a silent node goes Unknown and tainted, evicts what does not tolerate it, and recovers', async () => {
    await cluster.kubectlOk(['apply', '-f', '-'], { input: podWithToleration('short', 'default') });
    await cluster.kubectlOk(['apply', '-f', '-'], { input: podWithToleration('forever', 'forever') });
    const short = await cluster.pod('short');
    const defaulted = (short.spec['tolerations'] as { key: string; tolerationSeconds?: number }[]).find((t) => t.key === 'node.kubernetes.io/unreachable');
    assert.equal(defaulted?.tolerationSeconds, 2, 'the admission default comes from the flag');
    for (const p of ['short', 'forever']) await cluster.waitForPod(p, 'Running', (x) => x.status?.phase === 'Running');

    const agent = cluster.agent();
    const stoppedAt = Date.now();
    await agent.stop('SIGKILL');
    const unknown = await waitFor('the node to become Unknown', async () => {
      const n = await node();
      return n.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'Unknown' ? n : undefined;
    }, 40_000, 500);
    const silentFor = (Date.now() - stoppedAt) / 1000;
    assert.ok(silentFor >= 2, `not before the grace period (${silentFor.toFixed(1)} s)`);
    const ready = unknown.status!.conditions!.find((c) => c.type === 'Ready')!;
    assert.equal(ready.reason, 'NodeStatusUnknown');
    assert.equal(ready.message, 'Kubelet stopped posting node status.');
    assert.match(await cluster.kubectlOk(['get', 'nodes']), new RegExp(`${cluster.nodeNames[0]}\\s+NotReady`));

    const tainted = await waitFor('the unreachable taints', async () => {
      const n = await node();
      const keys = (n.spec.taints ?? []).map((t) => `${t.key}:${t.effect}`).sort();
      return keys.join(',') === 'node.kubernetes.io/unreachable:NoExecute,node.kubernetes.io/unreachable:NoSchedule' ? n : undefined;
    }, 15_000, 500);
    assert.ok(tainted.spec.taints!.find((t) => t.effect === 'NoExecute')!.timeAdded);

    // Defaulted tolerationSeconds 2: evicted (marked for deletion) soon after the taint; unbounded: stays.
    const evicted = await cluster.waitForPod('short', 'to be evicted', (p) => !!p.metadata.deletionTimestamp, 15_000);
    assert.ok(evicted.metadata.deletionTimestamp);
    const forever = await cluster.pod('forever');
    assert.equal(forever.metadata.deletionTimestamp, undefined);
    assert.equal(forever.status!.conditions!.find((c) => c.type === 'Ready')!.status, 'False', 'pods of an unknown node are not Ready');

    agent.start();
    await waitFor('the node to be Ready again without the taints', async () => {
      const n = await node();
      return n.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True' && (n.spec.taints ?? []).length === 0;
    }, 40_000, 500);
    // The returning agent finishes the eviction: the pod and its containers go.
    await waitFor('the evicted pod to be gone', () => cluster.pod('short').then(() => false, (err) => isNotFound(err)), 30_000, 500);
    await cluster.waitForPod('forever', 'Ready again', (p) => p.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True', 30_000);
  });
});
