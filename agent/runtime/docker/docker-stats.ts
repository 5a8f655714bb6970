// Docker's stats answer → the CRI's ContainerStats. `one-shot` skips Docker's second sample
// (we keep our own readings for rates: agent/stats/summary-provider.ts).

import type Dockerode from 'dockerode';
import type { ContainerStats } from '../runtime.js';
import { parseDockerTime } from './convert.js';
import { decodeLabels } from './labels.js';

/** Working set as the kubelet computes it: usage less inactive file pages (cgroup v1 and v2 names). */
export function workingSetOf(memory: Dockerode.ContainerStats['memory_stats']): number {
  const stats = (memory.stats ?? {}) as unknown as Record<string, number | undefined>;
  const inactive = stats['total_inactive_file'] ?? stats['inactive_file'] ?? 0;
  const usage = memory.usage ?? 0;
  return Math.max(0, usage - inactive);
}

export function containerStatsFromDocker(c: Dockerode.ContainerInfo, s: Dockerode.ContainerStats): ContainerStats {
  return {
    id: c.Id,
    labels: decodeLabels(c.Labels).labels,
    timestamp: parseDockerTime(s.read),
    usageCoreNanoSeconds: BigInt(s.cpu_stats?.cpu_usage?.total_usage ?? 0),
    workingSetBytes: workingSetOf(s.memory_stats),
  };
}

export async function dockerContainerStats(docker: Dockerode, c: Dockerode.ContainerInfo): Promise<ContainerStats> {
  const s = await docker.getContainer(c.Id).stats({ stream: false, 'one-shot': true });
  return containerStatsFromDocker(c, s);
}
