// The node's own counters, read the way the kubelet's summary does without cAdvisor:
// CPU time from /proc/stat (every CPU, all but idle and iowait) and memory in use from
// /proc/meminfo (MemTotal − MemAvailable, the kernel's own estimate of what it cannot drop).

import { readFile } from 'node:fs/promises';

/** USER_HZ: /proc/stat counts in 1/100 s on every Linux architecture Skiff runs on. */
const TICKS_PER_SECOND = 100;

export interface NodeCounters {
  /** CPU time used by everything on the node, nanoseconds (a counter). */
  usageCoreNanoSeconds: bigint;
  workingSetBytes: number;
}

/** Busy CPU ticks from /proc/stat's first line, in nanoseconds. */
export function parseProcStat(text: string): bigint {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) throw new Error('/proc/stat has no "cpu" line');
  // user nice system idle iowait irq softirq steal (guest time is already in user/nice)
  const f = line.trim().split(/\s+/).slice(1, 9).map((v) => BigInt(v));
  const busy = f.reduce((a, b) => a + b, 0n) - (f[3] ?? 0n) - (f[4] ?? 0n);
  return (busy * 1_000_000_000n) / BigInt(TICKS_PER_SECOND);
}

/** MemTotal − MemAvailable from /proc/meminfo, in bytes. */
export function parseMeminfo(text: string): number {
  const kib = (key: string) => {
    const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text);
    if (!m) throw new Error(`/proc/meminfo has no ${key}`);
    return Number(m[1]);
  };
  return (kib('MemTotal') - kib('MemAvailable')) * 1024;
}

export async function readNodeCounters(): Promise<NodeCounters> {
  const [stat, meminfo] = await Promise.all([readFile('/proc/stat', 'utf8'), readFile('/proc/meminfo', 'utf8')]);
  return { usageCoreNanoSeconds: parseProcStat(stat), workingSetBytes: parseMeminfo(meminfo) };
}
