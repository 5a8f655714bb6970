// The kubelet's volume manager, reduced to what a single node without attachable disks
// needs: before a pod's containers start (and on every sync after, so configMap, secret
// and downwardAPI contents follow their sources), every volume of the pod is made ready on
// the host; once the pod is gone its directory is unmounted and removed.
//
//   <dataDir>/pods/<uid>/volumes/kubernetes.io~empty-dir/<name>      (tmpfs for Memory)
//   <dataDir>/pods/<uid>/volumes/kubernetes.io~configmap/<name>      (atomic writer)
//   … secret, downward-api, projected likewise; hostPath volumes are the host path itself.

import { existsSync } from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Pod } from '../../../api/types.js';
import type { PodContext } from '../container-config.js';
import { writeAtomic } from './atomic-writer.js';
import type { ConfigObjects } from './config-objects.js';
import { memoryVolumeSize, setUpEmptyDir } from './empty-dir.js';
import { setUpHostPath } from './host-path.js';
import { mountsUnder, unmount } from './mount-utils.js';
import { podDir, podsDir, volumeDir, type VolumePlugin } from './paths.js';
import { VolumeSetupError, volumePayload } from './projection.js';
import { volumesOf, type Volume } from './types.js';

export interface PodVolume {
  /** What containers bind-mount (before any subPath). */
  hostPath: string;
  /** configMap, secret, downwardAPI and projected volumes are always mounted read-only. */
  readOnly: boolean;
}

export type PodVolumes = Map<string, PodVolume>;

export interface VolumeFailure {
  volume: string;
  message: string;
}

export interface PodVolumesResult {
  volumes: PodVolumes;
  /**
   * Volumes whose refresh failed but which were set up before (a ConfigMap deleted under
   * a running pod): they keep their last contents and the pod carries on, as in
   * Kubernetes, where only a volume never mounted holds a pod back. Each is an event.
   */
  failures: VolumeFailure[];
}

/** Some volumes of a pod could not be set up; each failure becomes a FailedMount event. */
export class PodVolumesError extends Error {
  readonly code = 'VolumeSetupFailed';
  constructor(readonly failures: VolumeFailure[]) {
    super(failures.map((f) => `MountVolume.SetUp failed for volume "${f.volume}" : ${f.message}`).join('; '));
  }
}

export interface VolumeManagerOptions {
  dataDir: string;
  objects: ConfigObjects;
  logger: Logger;
}

export function fsGroupOf(pod: Pod): number | undefined {
  const g = (pod.spec['securityContext'] as { fsGroup?: number } | undefined)?.fsGroup;
  return typeof g === 'number' ? g : undefined;
}

function pluginOf(v: Volume): VolumePlugin | 'hostPath' | undefined {
  if (v.emptyDir) return 'kubernetes.io/empty-dir';
  if (v.hostPath) return 'hostPath';
  if (v.configMap) return 'kubernetes.io/configmap';
  if (v.secret) return 'kubernetes.io/secret';
  if (v.downwardAPI) return 'kubernetes.io/downward-api';
  if (v.projected) return 'kubernetes.io/projected';
  return undefined;
}

export class VolumeManager {
  constructor(private readonly o: VolumeManagerOptions) {}

  /**
   * Makes every volume of pod ready and returns where each one is. Volumes that fail are
   * reported together in a PodVolumesError after the others were set up.
   */
  async setUpPod(pod: Pod, ctx: PodContext): Promise<PodVolumesResult> {
    const uid = pod.metadata.uid ?? '';
    const out: PodVolumes = new Map();
    const failures: VolumeFailure[] = [];
    let blocking = false;
    for (const v of volumesOf(pod.spec)) {
      try {
        out.set(v.name, await this.setUpVolume(pod, uid, v, ctx));
      } catch (err) {
        failures.push({ volume: v.name, message: (err as Error).message });
        const previous = await this.previousContents(uid, v);
        if (previous) out.set(v.name, previous);
        else blocking = true;
      }
    }
    if (blocking) throw new PodVolumesError(failures);
    return { volumes: out, failures };
  }

  /** An atomic-writer volume written before (it has ..data) still serves its last version. */
  private async previousContents(uid: string, v: Volume): Promise<PodVolume | undefined> {
    const plugin = pluginOf(v);
    if (!plugin || plugin === 'hostPath' || plugin === 'kubernetes.io/empty-dir') return undefined;
    const dir = volumeDir(this.o.dataDir, uid, plugin, v.name);
    return existsSync(join(dir, '..data')) ? { hostPath: dir, readOnly: true } : undefined;
  }

  private async setUpVolume(pod: Pod, uid: string, v: Volume, ctx: PodContext): Promise<PodVolume> {
    const plugin = pluginOf(v);
    if (!plugin) throw new VolumeSetupError(`volume type of ${JSON.stringify(v.name)} is not supported by this node (emptyDir, hostPath, configMap, secret, downwardAPI, projected are)`);
    if (plugin === 'hostPath') {
      await setUpHostPath(v.hostPath!.path, v.hostPath!.type);
      return { hostPath: v.hostPath!.path, readOnly: false };
    }
    const dir = volumeDir(this.o.dataDir, uid, plugin, v.name);
    if (plugin === 'kubernetes.io/empty-dir') {
      await setUpEmptyDir(dir, v.emptyDir!, fsGroupOf(pod), () => memoryVolumeSize(pod, v.emptyDir!, ctx.allocatable?.['memory']));
      return { hostPath: dir, readOnly: false };
    }
    // Compute first: a missing ConfigMap must not leave an empty directory that looks set up.
    const payload = volumePayload(pod, v, this.o.objects, ctx);
    await mkdir(dir, { recursive: true, mode: 0o755 });
    const gid = fsGroupOf(pod);
    // With fsGroup the files are the group's to read, as the kubelet's SetVolumeOwnership
    // makes them (a 0400 secret becomes 0440).
    if (gid !== undefined) for (const f of payload.values()) f.mode |= 0o440;
    if (await writeAtomic(dir, payload, gid !== undefined ? { gid } : {})) {
      this.o.logger.debug({ pod: `${pod.metadata.namespace}/${pod.metadata.name}`, volume: v.name, files: payload.size }, 'volume contents written');
    }
    return { hostPath: dir, readOnly: true };
  }

  /** Unmounts and removes everything of a pod; call only once its containers are gone. */
  async tearDownPod(uid: string): Promise<void> {
    const dir = podDir(this.o.dataDir, uid);
    for (const m of await mountsUnder(dir)) await unmount(m);
    // Never recurse into a mount that is still there: rm would empty what it holds.
    if ((await mountsUnder(dir)).length) throw new Error(`${dir} still has mounts`);
    await rm(dir, { recursive: true, force: true });
  }

  /** Pod uids that have a directory on this node. */
  async podUids(): Promise<string[]> {
    try {
      return (await readdir(podsDir(this.o.dataDir), { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
  }
}
