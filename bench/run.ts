// `npm run bench`: speed and footprint, each measured beside a baseline in the same run.
//
//  1. pod create→Running latency over 50 pods, one at a time (p50/p99), beside `docker run
//     -d` of the same image and command (the floor any Docker-based agent stands on); the
//     ratio of the p50s is the figure (budget ≤ 1.5×).
//  2. idle footprint with one node and 30 running pods: RSS of the agent (budget ≤ 80 MiB)
//     and of the control server (≤ 120 MiB), their CPU use while idle, and the bytes each
//     writes to disk while idle (SD cards).

import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { resources } from '../api/resources.js';
import type { Pod, WatchEvent } from '../api/types.js';
import { ensureTestImages } from '../test/fixtures/images.js';
import { startCluster, waitFor, type TestCluster } from '../test/lib/cluster.js';

const exec = promisify(execFile);
const PODS = Number(process.env['SKIFF_BENCH_PODS'] ?? 50);
const IDLE_PODS = 30;
const IDLE_SECONDS = Number(process.env['SKIFF_BENCH_IDLE_SECONDS'] ?? 30);
const COMMAND = ['sh', '-c', "trap 'exit 0' TERM; while true; do sleep 1; done"];

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, i)]!;
}

async function dockerRunBaseline(image: string): Promise<number[]> {
  const times: number[] = [];
  const ids: string[] = [];
  try {
    for (let i = 0; i < PODS; i++) {
      const started = performance.now();
      const { stdout } = await exec('docker', ['run', '-d', '--label', 'skiff.bench=baseline', image, ...COMMAND]);
      times.push(performance.now() - started);
      ids.push(stdout.trim());
    }
  } finally {
    for (let i = 0; i < ids.length; i += 20) await exec('docker', ['rm', '-f', ...ids.slice(i, i + 20)]).catch(() => undefined);
  }
  return times;
}

/** Creates a pod and resolves when a watch sees it Running. */
async function createToRunning(cluster: TestCluster, image: string, name: string): Promise<number> {
  const ac = new AbortController();
  let resolveRunning!: () => void;
  const running = new Promise<void>((r) => (resolveRunning = r));
  const watch = cluster.client.watch<Pod>(
    resources.pods,
    { namespace: 'default', fieldSelector: `metadata.name=${name}` },
    (e: WatchEvent<Pod>) => {
      if (e.object.status?.phase === 'Running') resolveRunning();
    },
    ac.signal,
  );
  // The watch starts with the current state; give it a moment to be established.
  await new Promise((r) => setTimeout(r, 50));
  const started = performance.now();
  await cluster.client.create<Pod>(resources.pods, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels: { bench: 'latency' } },
    spec: { terminationGracePeriodSeconds: 2, containers: [{ name: 'main', image, command: COMMAND }] },
  });
  await Promise.race([running, watch.then(() => Promise.reject(new Error('watch ended')))]);
  const ms = performance.now() - started;
  ac.abort();
  return ms;
}

function procStat(pid: number): { rssKiB: number; cpuTicks: number; writeBytes: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpuTicks = Number(fields[11]) + Number(fields[12]);
  const io = readFileSync(`/proc/${pid}/io`, 'utf8');
  const writeBytes = Number(/^write_bytes:\s+(\d+)/m.exec(io)?.[1] ?? 0);
  return { rssKiB, cpuTicks, writeBytes };
}

const mib = (kib: number) => (kib / 1024).toFixed(1);
const fmt = (ms: number) => `${ms.toFixed(0)} ms`;

async function main(): Promise<void> {
  const { busybox } = await ensureTestImages();
  console.log(`skiff bench — ${new Date().toISOString()}`);
  console.log(`image ${busybox}, ${PODS} pods one at a time\n`);

  const baseline = await dockerRunBaseline(busybox);
  const cluster = await startCluster({ agents: 1 });
  try {
    const skiff: number[] = [];
    for (let i = 0; i < PODS; i++) skiff.push(await createToRunning(cluster, busybox, `lat-${i}`));
    const b50 = percentile(baseline, 50);
    const s50 = percentile(skiff, 50);
    console.log('pod create → Running');
    console.log(`  docker run -d     p50 ${fmt(b50)}  p99 ${fmt(percentile(baseline, 99))}`);
    console.log(`  skiff pod         p50 ${fmt(s50)}  p99 ${fmt(percentile(skiff, 99))}`);
    console.log(`  ratio (p50)       ${(s50 / b50).toFixed(2)}×   budget ≤ 1.50×  ${s50 / b50 <= 1.5 ? 'ok' : 'OVER'}\n`);

    await cluster.client.request('DELETE', '/api/v1/namespaces/default/pods', { query: { labelSelector: 'bench=latency' } });
    await waitFor('the latency pods to be gone', async () => (await cluster.client.list(resources.pods, { namespace: 'default' })).items.length === 0, 120_000, 500);

    for (let i = 0; i < IDLE_PODS; i++) {
      await cluster.client.create<Pod>(resources.pods, {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: `idle-${i}`, namespace: 'default' },
        spec: { terminationGracePeriodSeconds: 2, containers: [{ name: 'main', image: busybox, command: COMMAND }] },
      });
    }
    await waitFor(`${IDLE_PODS} pods Running`, async () => {
      const pods = await cluster.client.list<Pod>(resources.pods, { namespace: 'default' });
      return pods.items.filter((p) => p.status?.phase === 'Running').length === IDLE_PODS;
    }, 180_000, 500);
    // Let start-up work settle, then measure a quiet window.
    await new Promise((r) => setTimeout(r, 10_000));
    const control = cluster.control.pid;
    const agent = cluster.agent().pid;
    const before = { control: procStat(control), agent: procStat(agent) };
    await new Promise((r) => setTimeout(r, IDLE_SECONDS * 1000));
    const after = { control: procStat(control), agent: procStat(agent) };
    const hz = 100;
    console.log(`idle, 1 node, ${IDLE_PODS} pods, ${IDLE_SECONDS} s window`);
    for (const [name, budget] of [['agent', 80], ['control', 120]] as const) {
      const a = after[name];
      const b = before[name];
      const cpu = ((a.cpuTicks - b.cpuTicks) / hz / IDLE_SECONDS) * 100;
      const written = a.writeBytes - b.writeBytes;
      console.log(
        `  ${name.padEnd(8)} RSS ${mib(a.rssKiB).padStart(6)} MiB (budget ≤ ${budget} MiB ${a.rssKiB / 1024 <= budget ? 'ok' : 'OVER'})` +
          `  CPU ${cpu.toFixed(2)}% of one core  disk writes ${(written / 1024).toFixed(1)} KiB (${(written / IDLE_SECONDS / 1024).toFixed(2)} KiB/s)`,
      );
    }
  } finally {
    await cluster.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
