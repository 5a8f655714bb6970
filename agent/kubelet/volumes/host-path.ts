// hostPath volumes: the path is mounted as it is; its `type` is checked (or the path
// made) first, with the kubelet's messages, so a wrong host shows up as a FailedMount
// event instead of a container that cannot start.

import { mkdir, open, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { VolumeSetupError } from './projection.js';
import type { HostPathType } from './types.js';

async function statOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await stat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

const checks: Record<Exclude<HostPathType, '' | 'DirectoryOrCreate' | 'FileOrCreate'>, [(s: Stats) => boolean, string]> = {
  Directory: [(s) => s.isDirectory(), 'is not a directory'],
  File: [(s) => s.isFile(), 'is not a file'],
  Socket: [(s) => s.isSocket(), 'is not a socket file'],
  CharDevice: [(s) => s.isCharacterDevice(), 'is not a character device'],
  BlockDevice: [(s) => s.isBlockDevice(), 'is not a block device'],
};

/**
 * Checks (or makes) a hostPath volume's path. No type: nothing is checked, and a missing
 * path becomes a directory, which is what Docker and containerd do with a missing bind
 * source.
 */
export async function setUpHostPath(path: string, type: HostPathType | undefined): Promise<void> {
  if (!path.startsWith('/')) throw new VolumeSetupError(`hostPath ${JSON.stringify(path)} is not an absolute path`);
  const st = await statOrUndefined(path);
  switch (type ?? '') {
    case '':
      if (!st) await mkdir(path, { recursive: true, mode: 0o755 });
      return;
    case 'DirectoryOrCreate':
      if (!st) {
        await mkdir(path, { recursive: true, mode: 0o755 });
        return;
      }
      if (!st.isDirectory()) throw new VolumeSetupError(`hostPath type check failed: ${path} is not a directory`);
      return;
    case 'FileOrCreate':
      if (!st) {
        // The parent must exist, as for the kubelet; only the file is made.
        try {
          await (await open(path, 'a', 0o644)).close();
        } catch (err) {
          throw new VolumeSetupError(`hostPath type check failed: creating ${path}: ${(err as Error).message}`);
        }
        return;
      }
      if (!st.isFile()) throw new VolumeSetupError(`hostPath type check failed: ${path} is not a file`);
      return;
    default: {
      const check = checks[type as keyof typeof checks];
      if (!check) throw new VolumeSetupError(`${type} is an invalid volume type`);
      if (!st || !check[0](st)) throw new VolumeSetupError(`hostPath type check failed: ${path} ${check[1]}`);
    }
  }
}
