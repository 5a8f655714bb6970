// CRI ContainerStats → the runtime seam's ContainerStats. One call per running container
// (containerd answers from its cgroup reader at once); a container that stops meanwhile is
// left out rather than failing the node's summary.

import type { ContainerStats } from '../runtime.js';
import type { CriClient } from './cri-client.js';
import type { CriContainer } from './cri-types.js';

interface CriUInt64 {
  value: string;
}

interface CriStats {
  cpu: { timestamp: string; usage_core_nano_seconds: CriUInt64 | null } | null;
  memory: { timestamp: string; working_set_bytes: CriUInt64 | null } | null;
}

export function containerStatsFromCri(c: CriContainer, s: CriStats): ContainerStats {
  return {
    id: c.id,
    labels: { ...(c.labels ?? {}) },
    timestamp: BigInt(s.cpu?.timestamp || s.memory?.timestamp || '0'),
    usageCoreNanoSeconds: BigInt(s.cpu?.usage_core_nano_seconds?.value ?? '0'),
    workingSetBytes: Number(s.memory?.working_set_bytes?.value ?? '0'),
  };
}

export async function criContainerStats(cri: CriClient, running: CriContainer[]): Promise<ContainerStats[]> {
  const all = await Promise.all(
    running.map((c) =>
      cri.runtime<{ stats: CriStats | null }>('ContainerStats', { container_id: c.id }, 10_000).then(
        (r) => (r.stats ? containerStatsFromCri(c, r.stats) : undefined),
        () => undefined,
      ),
    ),
  );
  return all.filter((s): s is ContainerStats => s !== undefined);
}
