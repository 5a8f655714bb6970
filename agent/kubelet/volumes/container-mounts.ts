// A container's volumeMounts as CRI mounts: the volume's host directory (or a subPath
// inside it, made if missing), read-only when the mount or the volume says so, with its
// propagation.

import { mkdir, realpath } from 'node:fs/promises';
import { join, sep } from 'node:path';
import type { Container } from '../../../api/types.js';
import type { Mount, MountPropagation } from '../../runtime/runtime.js';
import { ContainerConfigError, expand } from '../container-config.js';
import { checkRelativePath } from './paths.js';
import { volumeMountsOf, type VolumeMount } from './types.js';
import type { PodVolumes } from './volume-manager.js';

const PROPAGATION: Record<NonNullable<VolumeMount['mountPropagation']>, MountPropagation> = {
  None: 'private',
  HostToContainer: 'hostToContainer',
  Bidirectional: 'bidirectional',
};

/** subPathExpr: $(VAR) from the container's env; subPath as written. */
export function subPathOf(m: VolumeMount, env: Map<string, string>): string {
  if (m.subPathExpr) return expand(m.subPathExpr, env);
  return m.subPath ?? '';
}

export async function containerMounts(c: Container, volumes: PodVolumes, env: Map<string, string>): Promise<Mount[]> {
  const out: Mount[] = [];
  for (const m of volumeMountsOf(c)) {
    const volume = volumes.get(m.name);
    if (!volume) throw new ContainerConfigError(`cannot find volume "${m.name}" to mount into container "${c.name}"`);
    let hostPath = volume.hostPath;
    const sub = subPathOf(m, env);
    if (sub) {
      const bad = checkRelativePath(sub, 'subPath');
      if (bad) throw new ContainerConfigError(`failed to prepare subPath for volumeMount "${m.name}" of container "${c.name}": ${bad}`);
      hostPath = await prepareSubPath(volume.hostPath, sub, m.name, c.name);
    }
    const mount: Mount = { containerPath: m.mountPath, hostPath, readonly: !!m.readOnly || volume.readOnly };
    if (m.mountPropagation) mount.propagation = PROPAGATION[m.mountPropagation];
    out.push(mount);
  }
  return out;
}

/**
 * The subPath inside the volume, made as a directory when missing (as the kubelet does).
 * It must resolve inside the volume: a symlink a container planted must not hand it a
 * host path.
 */
async function prepareSubPath(base: string, sub: string, volume: string, container: string): Promise<string> {
  const path = join(base, sub);
  const fail = (why: string) => new ContainerConfigError(`failed to prepare subPath for volumeMount "${volume}" of container "${container}": ${why}`);
  let real: string;
  try {
    real = await realpath(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw fail((err as Error).message);
    await mkdir(path, { recursive: true, mode: 0o755 });
    real = await realpath(path);
  }
  const root = await realpath(base);
  if (real !== root && !real.startsWith(root + sep)) throw fail(`subPath ${JSON.stringify(sub)} resolves outside the volume`);
  // Mount what the path resolved to: the check and the mount see the same thing.
  return real;
}
