// Pod create→Running on containerd, for `npm run bench`: a cluster whose agent runs
// --runtime containerd, interleaved with `ctr run -d` of the same image and command (the
// floor any containerd-based agent stands on: containerd starting a task, no CRI, no
// CNI), so both see the same load on a shared machine.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { CONTAINERD_SOCKET, ensureContainerdTestImages } from '../test/fixtures/images.js';
import { startCluster, type TestCluster } from '../test/lib/cluster.js';

const exec = promisify(execFile);

export interface ContainerdLatency {
  ctrRun: number[];
  skiff: number[];
}

const ctr = (args: string[]) => exec('ctr', ['--address', CONTAINERD_SOCKET, '--namespace', 'k8s.io', ...args]);

/** Removes a `ctr run` container and its task; bench ids only. */
async function removeCtrContainer(id: string): Promise<void> {
  await ctr(['task', 'delete', '--force', id]).catch(() => undefined);
  await ctr(['container', 'delete', id]).catch(() => undefined);
}

async function removeLeftovers(): Promise<void> {
  const { stdout } = await ctr(['container', 'list', '--quiet', 'labels."skiff.bench"==baseline']).catch(() => ({ stdout: '' }));
  for (const id of stdout.split('\n').filter(Boolean)) await removeCtrContainer(id);
}

export async function containerdPodLatency(
  pods: number,
  command: string[],
  createToRunning: (cluster: TestCluster, image: string, name: string) => Promise<{ ms: number }>,
): Promise<ContainerdLatency> {
  const { busybox } = await ensureContainerdTestImages();
  // ctr does not normalise names the way the CRI does.
  const ref = `docker.io/${busybox}`;
  await removeLeftovers();
  const cluster = await startCluster({ agents: 1, runtime: 'containerd' });
  const out: ContainerdLatency = { ctrRun: [], skiff: [] };
  const ids: string[] = [];
  try {
    for (let i = 0; i < pods; i++) {
      const id = `skiff-bench-${process.pid}-${i}`;
      const started = performance.now();
      await ctr(['run', '--detach', '--label', 'skiff.bench=baseline', ref, id, ...command]);
      out.ctrRun.push(performance.now() - started);
      ids.push(id);
      out.skiff.push((await createToRunning(cluster, busybox, `ctrd-${i}`)).ms);
    }
  } finally {
    for (const id of ids) await removeCtrContainer(id);
    await cluster.stop();
  }
  return out;
}
