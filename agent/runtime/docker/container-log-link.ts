// CRI log_path on Docker: the kubelet asks for a container's log at a path of its choice;
// Docker writes it under its own root, so (as dockershim did) the path becomes a symlink
// to Docker's json-file log once the container has started and Docker knows where it is.

import { lstat, mkdir, rm, symlink } from 'node:fs/promises';
import { dirname } from 'node:path';

export async function linkContainerLog(dockerLogPath: string, logPath: string): Promise<void> {
  if (!dockerLogPath) return;
  await mkdir(dirname(logPath), { recursive: true });
  await unlinkContainerLog(logPath);
  await symlink(dockerLogPath, logPath);
}

/** Removes logPath only when it is a symlink: never a file someone else put there. */
export async function unlinkContainerLog(logPath: string): Promise<void> {
  try {
    if ((await lstat(logPath)).isSymbolicLink()) await rm(logPath, { force: true });
  } catch {
    // absent: nothing to do
  }
}
