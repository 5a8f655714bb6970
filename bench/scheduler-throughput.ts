// Scheduler throughput through the real API server: 100 simulated nodes (Node objects with
// capacity and a Ready condition, no agents), 3000 pending pods created while the scheduler
// is off, then the control server restarted with it on; the figure is pods bound per
// second from the moment the API answers again until the last pod has a node (budget
// ≥ 500/s). Every binding is a real write (and a Scheduled event), as in a cluster.

import { resources } from '../api/resources.js';
import type { Node, Pod } from '../api/types.js';
import { startCluster, waitFor } from '../test/lib/cluster.js';

const NODES = Number(process.env['SKIFF_BENCH_SCHED_NODES'] ?? 100);
const PODS = Number(process.env['SKIFF_BENCH_SCHED_PODS'] ?? 3000);
const CREATE_CONCURRENCY = 32;

async function inParallel<T>(items: T[], limit: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

export async function schedulerThroughputBench(): Promise<void> {
  // Quiet logs (the test default is debug) and no node monitor verdicts: these nodes have
  // no agents renewing their leases.
  const cluster = await startCluster({ agents: 0, controlArgs: ['--controllers', '*,-scheduler', '--node-monitor-grace-period', '86400', '--log-level', 'warn'] });
  try {
    const nodeNames = Array.from({ length: NODES }, (_, i) => `sim-${i}`);
    await inParallel(nodeNames, CREATE_CONCURRENCY, async (name) => {
      await cluster.client.create<Node>(resources.nodes, { apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name } }, spec: {} });
      const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      const status = {
        capacity: { cpu: '8', memory: '32Gi', pods: '110' },
        allocatable: { cpu: '8', memory: '32Gi', pods: '110' },
        conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'simulated', lastHeartbeatTime: now, lastTransitionTime: now }],
      };
      await cluster.client.patch<Node>(resources.nodes, name, { status }, { subresource: 'status' });
    });
    const podNames = Array.from({ length: PODS }, (_, i) => `sched-${i}`);
    const createStart = performance.now();
    await inParallel(podNames, CREATE_CONCURRENCY, (name) =>
      cluster.client.create<Pod>(resources.pods, {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name, namespace: 'default' },
        spec: { containers: [{ name: 'c', image: 'busybox:1', resources: { requests: { cpu: '10m', memory: '16Mi' } } }] },
      }),
    );
    const createMs = performance.now() - createStart;

    await cluster.control.stop();
    const restarted = performance.now();
    cluster.control.start(['--controllers', '*']);
    await waitFor('the API to answer again', async () => (await cluster.client.list(resources.namespaces).then(() => true, () => false)) || undefined, 60_000, 50);
    const apiUp = performance.now();
    // Bindings are counted from a watch (a list of 3000 pods every few ms would cost the
    // control server more than the scheduling it measures).
    const bound = new Set<string>();
    let lastBound = apiUp;
    const stop = new AbortController();
    const list = await cluster.client.list<Pod>(resources.pods, { namespace: 'default' });
    for (const p of list.items) if (p.spec.nodeName) bound.add(p.metadata.name!);
    const watching = cluster.client.watch<Pod>(
      resources.pods,
      { namespace: 'default', resourceVersion: list.metadata.resourceVersion! },
      (e) => {
        if (e.object.spec.nodeName && !bound.has(e.object.metadata.name!)) {
          bound.add(e.object.metadata.name!);
          lastBound = performance.now();
        }
      },
      stop.signal,
    );
    await waitFor(`all ${PODS} pods bound`, async () => bound.size === PODS || undefined, 600_000, 100);
    stop.abort();
    await watching.catch(() => undefined);
    const bindMs = lastBound - apiUp;
    const rate = PODS / (bindMs / 1000);
    const perNode = new Map<string, number>();
    for (const p of (await cluster.client.list<Pod>(resources.pods, { namespace: 'default' })).items) perNode.set(p.spec.nodeName!, (perNode.get(p.spec.nodeName!) ?? 0) + 1);
    const counts = [...perNode.values()];
    console.log(`scheduler throughput: ${NODES} simulated nodes, ${PODS} pending pods, scheduler started after they were created`);
    console.log(`  created ${PODS} pods in ${(createMs / 1000).toFixed(1)} s (${(PODS / (createMs / 1000)).toFixed(0)}/s, ${CREATE_CONCURRENCY} at a time)`);
    console.log(`  control restart → API answering           ${((apiUp - restarted) / 1000).toFixed(2)} s`);
    console.log(`  API answering → every pod bound           ${(bindMs / 1000).toFixed(2)} s = ${rate.toFixed(0)} pods/s   budget ≥ 500/s  ${rate >= 500 ? 'ok' : 'UNDER'}`);
    console.log(`  spread: ${perNode.size} nodes used, ${Math.min(...counts)}–${Math.max(...counts)} pods each`);
  } finally {
    await cluster.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await schedulerThroughputBench();
}
