// emptyDir volumes: a directory under the pod's volumes dir, world-writable (0777, as the
// kubelet makes it, so containers running as any user can use it); medium Memory puts a
// tmpfs there, sized by sizeLimit. Idempotent: an agent restarted over a running pod finds
// the mount in place and leaves it.

import { chmod, chown, mkdir, stat } from 'node:fs/promises';
import { parseQuantity, value } from '../../../api/quantity.js';
import { isMountPoint, mountTmpfs } from './mount-utils.js';
import { VolumeSetupError } from './projection.js';
import type { Container, Pod } from '../../../api/types.js';
import type { EmptyDirVolumeSource } from './types.js';

/**
 * The memory a pod may use at most: the sum of its app containers' memory limits (or the
 * largest init container's, if more), when every one of them has a limit.
 */
export function podMemoryLimit(pod: Pod): bigint | undefined {
  const limitOf = (c: Container) => (c.resources?.limits?.['memory'] ? value(parseQuantity(c.resources.limits['memory'])) : undefined);
  let sum = 0n;
  for (const c of pod.spec.containers) {
    const l = limitOf(c);
    if (l === undefined) return undefined;
    sum += l;
  }
  for (const c of pod.spec.initContainers ?? []) {
    const l = limitOf(c);
    if (l === undefined) return undefined;
    if (l > sum) sum = l;
  }
  return sum > 0n ? sum : undefined;
}

/**
 * The tmpfs size of a memory-backed emptyDir, as the kubelet's calculateEmptyDirMemorySize:
 * the node's allocatable memory, lowered to the pod's memory limit, lowered to sizeLimit.
 * Without any of them, the kernel's default (half the RAM).
 */
export function memoryVolumeSize(pod: Pod, src: EmptyDirVolumeSource, allocatableMemory: string | undefined): bigint | undefined {
  let size: bigint | undefined;
  try {
    size = allocatableMemory ? value(parseQuantity(allocatableMemory)) : undefined;
  } catch {
    size = undefined;
  }
  const lower = (v: bigint | undefined) => {
    if (v !== undefined && v > 0n && (size === undefined || v <= size)) size = v;
  };
  lower(podMemoryLimit(pod));
  if (src.sizeLimit) {
    try {
      lower(value(parseQuantity(src.sizeLimit)));
    } catch {
      throw new VolumeSetupError(`invalid sizeLimit ${JSON.stringify(src.sizeLimit)}`);
    }
  }
  return size;
}

export async function setUpEmptyDir(dir: string, src: EmptyDirVolumeSource, fsGroup: number | undefined, memorySize: () => bigint | undefined): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o750 });
  if (src.medium === 'Memory' && !(await isMountPoint(dir))) {
    await mountTmpfs(dir, memorySize());
  } else if (src.medium && src.medium !== 'Memory') {
    throw new VolumeSetupError(`emptyDir medium ${JSON.stringify(src.medium)} is not supported (only "" and "Memory")`);
  }
  // With fsGroup the directory belongs to that group and new files inherit it (setgid).
  const mode = fsGroup !== undefined ? 0o2777 : 0o777;
  if (fsGroup !== undefined) {
    const st = await stat(dir);
    if (st.gid !== fsGroup) await chown(dir, st.uid, fsGroup);
  }
  await chmod(dir, mode);
}
