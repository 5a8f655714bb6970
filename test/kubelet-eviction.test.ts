// Node pressure and hard eviction with a real agent and Docker. The machine is not short of
// memory, so the threshold is set where it is always met (memory.available<100%): the
// agent must report MemoryPressure and evict BestEffort before Guaranteed, one pod per
// housekeeping pass, each ending Failed/Evicted with the kubelet's message and event.
// Allocatable follows --system-reserved, --kube-reserved and --max-pods.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { resources } from '../api/resources.js';
import type { Node, Pod } from '../api/types.js';
import { milliValue, parseQuantity, value } from '../api/quantity.js';
import { ensureTestImages } from './fixtures/images.js';
import { startCluster, waitFor, type TestCluster } from './lib/cluster.js';
import { podEvents, podYaml } from './kubelet-support.js';

describe('node pressure and eviction', () => {
  let cluster: TestCluster;
  let busybox: string;

  before(async () => {
    busybox = (await ensureTestImages()).busybox;
    cluster = await startCluster({ agents: 1, agentArgs: ['--system-reserved', 'memory=256Mi,cpu=100m', '--kube-reserved', 'memory=256Mi', '--max-pods', '20'] });
  });
  after(async () => {
    await cluster?.stop();
  });

  const node = () => cluster.client.get<Node>(resources.nodes, cluster.nodeNames[0]!);
  const condition = (n: Node, type: string) => n.status?.conditions?.find((c) => c.type === type);

  test('allocatable is capacity less the reservations and the memory eviction threshold', async () => {
    const n = await node();
    const cap = n.status!.capacity!;
    const alloc = n.status!.allocatable!;
    assert.equal(alloc['pods'], '20');
    assert.equal(milliValue(parseQuantity(cap['cpu']!)) - milliValue(parseQuantity(alloc['cpu']!)), 100);
    const memGap = Number(value(parseQuantity(cap['memory']!)) - value(parseQuantity(alloc['memory']!)));
    assert.equal(memGap, (256 + 256 + 100) * 1024 * 1024, 'system 256Mi + kube 256Mi + memory.available<100Mi');
    for (const type of ['MemoryPressure', 'DiskPressure', 'PIDPressure']) assert.equal(condition(n, type)?.status, 'False', type);
  });

  test('memory pressure: the condition turns True and BestEffort goes before Guaranteed', async () => {
    const guaranteedResources = { requests: { cpu: '50m', memory: '32Mi' }, limits: { cpu: '50m', memory: '32Mi' } };
    await cluster.kubectlOk(['apply', '-f', '-'], {
      input: [
        podYaml('best-effort', { containers: [{ name: 'c', image: busybox, command: ['sleep', '3600'] }] }),
        podYaml('guaranteed', { containers: [{ name: 'c', image: busybox, command: ['sleep', '3600'], resources: guaranteedResources }] }),
      ].join('\n---\n'),
    });
    for (const name of ['best-effort', 'guaranteed']) await cluster.waitForPod(name, 'Running', (p) => p.status?.phase === 'Running');

    await cluster.agent().stop();
    cluster.agent().start(['--eviction-hard', 'memory.available<100%', '--housekeeping-interval', '2s', '--eviction-pressure-transition-period', '30s']);
    await waitFor('MemoryPressure=True', async () => condition(await node(), 'MemoryPressure')?.status === 'True' || undefined, 30_000);
    const n = await node();
    assert.equal(condition(n, 'MemoryPressure')?.reason, 'KubeletHasInsufficientMemory');
    assert.equal(condition(n, 'DiskPressure')?.status, 'False');

    const evicted = (p: Pod) => p.status?.phase === 'Failed' && p.status.reason === 'Evicted';
    const first = await cluster.waitForPod('best-effort', 'evicted', evicted, 30_000);
    const second = await cluster.waitForPod('guaranteed', 'evicted', evicted, 30_000);
    assert.match(first.status!.message!, /^The node was low on resource: memory\. Threshold quantity: 100%, available: \d+Ki\. $/);
    const ev = async (name: string) => (await podEvents(cluster, name)).find((e) => e.reason === 'Evicted');
    const [e1, e2] = [await ev('best-effort'), await ev('guaranteed')];
    assert.equal(e1?.type, 'Warning');
    assert.ok(e1 && e2, 'an Evicted event for each pod');
    const at = (e: typeof e1) => Date.parse((e as unknown as { lastTimestamp?: string; eventTime?: string }).lastTimestamp ?? (e as unknown as { eventTime: string }).eventTime);
    assert.ok(at(e1) <= at(e2), 'BestEffort was evicted first');
    assert.equal(second.status?.message?.startsWith('The node was low on resource: memory.'), true);
    // Killed at once and never restarted: no container of theirs runs.
    await waitFor('their containers to stop', async () => (await cluster.containers(false)).filter((c) => /best-effort|guaranteed/.test(c.Labels['io.kubernetes.pod.name'] ?? '')).length === 0 || undefined, 20_000);

    // Back to the default thresholds: the pressure is gone.
    await cluster.agent().stop();
    cluster.agent().start();
    await waitFor('MemoryPressure=False', async () => condition(await node(), 'MemoryPressure')?.status === 'False' || undefined, 30_000);
  });
});
