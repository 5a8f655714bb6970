// What the eviction signals are read from. memory.available is the kernel's MemAvailable
// (the kubelet uses capacity minus the root cgroup's working set; both mean "what can be
// had without swapping or killing"). nodefs is the file system of the agent's data dir,
// where pod volumes and logs live. pid.available is pid_max minus the tasks now running.

import { readFile, statfs } from 'node:fs/promises';
import type { Observations } from './thresholds.js';

export function parseMeminfoAvailable(text: string): { available: number; capacity: number } {
  const kib = (key: string) => {
    const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text);
    if (!m) throw new Error(`/proc/meminfo has no ${key}`);
    return Number(m[1]) * 1024;
  };
  return { available: kib('MemAvailable'), capacity: kib('MemTotal') };
}

/** The running/total field of /proc/loadavg: "0.00 0.01 0.05 1/123 4567" → 123. */
export function parseLoadavgTasks(text: string): number {
  const m = /\s\d+\/(\d+)\s/.exec(text);
  if (!m) throw new Error('/proc/loadavg has no running/total field');
  return Number(m[1]);
}

export async function observe(nodefsPath: string): Promise<Observations> {
  const out: Observations = {};
  const [meminfo, fs, pidMax, loadavg] = await Promise.allSettled([
    readFile('/proc/meminfo', 'utf8'),
    statfs(nodefsPath),
    readFile('/proc/sys/kernel/pid_max', 'utf8'),
    readFile('/proc/loadavg', 'utf8'),
  ]);
  if (meminfo.status === 'fulfilled') out['memory.available'] = parseMeminfoAvailable(meminfo.value);
  if (fs.status === 'fulfilled') {
    const s = fs.value;
    out['nodefs.available'] = { available: s.bavail * s.bsize, capacity: s.blocks * s.bsize };
    // Some file systems (btrfs, tmpfs without a limit) report no inodes: nothing to watch.
    if (s.files > 0) out['nodefs.inodesFree'] = { available: s.ffree, capacity: s.files };
  }
  if (pidMax.status === 'fulfilled' && loadavg.status === 'fulfilled') {
    const max = Number(pidMax.value.trim());
    out['pid.available'] = { available: max - parseLoadavgTasks(loadavg.value), capacity: max };
  }
  return out;
}
