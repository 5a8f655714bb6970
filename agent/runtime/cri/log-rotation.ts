// CRI container logs grow until someone rotates them; with the CRI that is the kubelet's
// job (its container log manager), not containerd's. Same policy as the Docker runtime's
// json-file options (10 MiB, 2 files): a log over the size is renamed aside with a
// timestamp, containerd is asked to reopen it (ReopenContainerLog starts a new file at the
// same path), and rotated files beyond the count are deleted oldest first. A follower
// (cri-log-reader.ts) drains the renamed file, then continues in the new one.

import { readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export interface LogRotationPolicy {
  maxBytes: number;
  /** Files kept per container, the one being written included (at least 1). */
  maxFiles: number;
}

export const DEFAULT_LOG_ROTATION: LogRotationPolicy = { maxBytes: 10 * 1024 * 1024, maxFiles: 2 };

/** "20260129-133705.123": sorts by time, as the kubelet names rotated logs (with ms). */
export function rotationSuffix(now: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}-${p(now.getUTCHours())}${p(now.getUTCMinutes())}${p(now.getUTCSeconds())}.${p(now.getUTCMilliseconds(), 3)}`;
}

/** Rotated files of logPath, oldest first. */
export async function rotatedLogs(logPath: string): Promise<string[]> {
  const prefix = `${basename(logPath)}.`;
  const names = await readdir(dirname(logPath)).catch(() => [] as string[]);
  return names.filter((n) => n.startsWith(prefix) && /^\d{8}-\d{6}\.\d{3}$/.test(n.slice(prefix.length))).sort().map((n) => join(dirname(logPath), n));
}

/**
 * Rotates logPath when it is over the size; reopen asks the runtime for a new file.
 * Resolves true when it rotated. A reopen that fails puts the file back (the container
 * may have stopped meanwhile: it writes no more, so nothing is lost by keeping it whole).
 */
export async function rotateIfNeeded(logPath: string, policy: LogRotationPolicy, reopen: () => Promise<void>, now = new Date()): Promise<boolean> {
  const size = await stat(logPath).then((s) => s.size, () => 0);
  if (size < policy.maxBytes) return false;
  const aside = `${logPath}.${rotationSuffix(now)}`;
  await rename(logPath, aside);
  try {
    await reopen();
  } catch (err) {
    await rename(aside, logPath).catch(() => undefined);
    throw err;
  }
  const old = await rotatedLogs(logPath);
  const excess = old.length - Math.max(0, policy.maxFiles - 1);
  for (const f of old.slice(0, Math.max(0, excess))) await rm(f, { force: true });
  return true;
}
