// Host mounts the volume manager makes itself: the tmpfs behind an emptyDir of medium
// Memory (mounted on the host, as the kubelet does, so that every container of the pod
// bind-mounts the same one). The agent runs as root in the host's mount namespace.

import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** /proc/mounts escapes space, tab, newline and backslash as octal (\040 …). */
export function unescapeMountPath(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

export interface MountEntry {
  source: string;
  mountPoint: string;
  fsType: string;
  options: string[];
}

export function parseProcMounts(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(' ');
    if (f.length < 4) continue;
    out.push({ source: unescapeMountPath(f[0]!), mountPoint: unescapeMountPath(f[1]!), fsType: f[2]!, options: f[3]!.split(',') });
  }
  return out;
}

export async function hostMounts(): Promise<MountEntry[]> {
  return parseProcMounts(await readFile('/proc/self/mounts', 'utf8'));
}

export async function isMountPoint(path: string): Promise<boolean> {
  return (await hostMounts()).some((m) => m.mountPoint === path);
}

/** Mount points at or below dir, deepest first (the order to unmount them in). */
export async function mountsUnder(dir: string): Promise<string[]> {
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  const points = (await hostMounts()).map((m) => m.mountPoint).filter((p) => p === dir || p.startsWith(prefix));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

export async function mountTmpfs(path: string, sizeBytes: bigint | undefined): Promise<void> {
  const opts = ['mode=0777', ...(sizeBytes !== undefined && sizeBytes > 0n ? [`size=${sizeBytes}`] : [])];
  try {
    await run('mount', ['-t', 'tmpfs', '-o', opts.join(','), 'tmpfs', path]);
  } catch (err) {
    throw new Error(`mounting tmpfs at ${path}: ${((err as { stderr?: string }).stderr || (err as Error).message).trim()}`);
  }
}

export async function unmount(path: string): Promise<void> {
  try {
    await run('umount', [path]);
  } catch (err) {
    throw new Error(`unmounting ${path}: ${((err as { stderr?: string }).stderr || (err as Error).message).trim()}`);
  }
}
