// Hard eviction thresholds, written as the kubelet's --eviction-hard takes them:
// "memory.available<100Mi,nodefs.available<10%". A quantity or a percentage of capacity.
// imagefs signals are not evaluated: images live in the runtime's own storage, which the
// agent does not measure (say so rather than accept a threshold that never fires).

import { parseQuantity, value } from '../../api/quantity.js';

export type EvictionSignal = 'memory.available' | 'nodefs.available' | 'nodefs.inodesFree' | 'pid.available';

export const EVICTION_SIGNALS: readonly EvictionSignal[] = ['memory.available', 'nodefs.available', 'nodefs.inodesFree', 'pid.available'];

/** The kubelet's defaults, less imagefs (see above). */
export const DEFAULT_EVICTION_HARD = 'memory.available<100Mi,nodefs.available<10%,nodefs.inodesFree<5%';

export interface Threshold {
  signal: EvictionSignal;
  /** Absolute floor (bytes, inodes or PIDs)… */
  quantity?: number;
  /** …or a fraction of capacity, 0–1. */
  percentage?: number;
  /** As written, for messages: "100Mi", "10%". */
  text: string;
}

/** The node resource a signal is about: the condition and the eviction message name it. */
export function resourceOf(signal: EvictionSignal): 'memory' | 'ephemeral-storage' | 'pids' {
  if (signal === 'memory.available') return 'memory';
  if (signal === 'pid.available') return 'pids';
  return 'ephemeral-storage';
}

export function parseEvictionHard(text: string): Threshold[] {
  const out: Threshold[] = [];
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^([a-zA-Z.]+)<(.+)$/.exec(part);
    if (!m) throw new Error(`eviction threshold "${part}": expected SIGNAL<QUANTITY such as memory.available<100Mi`);
    const signal = m[1]! as EvictionSignal;
    if (!EVICTION_SIGNALS.includes(signal)) {
      throw new Error(`eviction threshold "${part}": unknown signal ${m[1]} (supported: ${EVICTION_SIGNALS.join(', ')})`);
    }
    const amount = m[2]!.trim();
    if (out.some((t) => t.signal === signal)) throw new Error(`eviction threshold "${part}": ${signal} given twice`);
    if (amount.endsWith('%')) {
      const pct = Number(amount.slice(0, -1));
      if (!Number.isFinite(pct) || pct < 0 || pct > 100) throw new Error(`eviction threshold "${part}": a percentage between 0% and 100%`);
      out.push({ signal, percentage: pct / 100, text: amount });
      continue;
    }
    let q: number;
    try {
      q = Number(value(parseQuantity(amount)));
    } catch {
      throw new Error(`eviction threshold "${part}": ${amount} is not a quantity (100Mi, 1Gi, 5000)`);
    }
    if (q < 0) throw new Error(`eviction threshold "${part}": must not be negative`);
    out.push({ signal, quantity: q, text: amount });
  }
  return out;
}

export interface Observation {
  available: number;
  capacity: number;
}

export type Observations = Partial<Record<EvictionSignal, Observation>>;

export function floorOf(t: Threshold, o: Observation): number {
  return t.quantity ?? Math.round((t.percentage ?? 0) * o.capacity);
}

/** Thresholds the observations are below; a signal that could not be observed never fires. */
export function thresholdsMet(thresholds: Threshold[], observed: Observations): Threshold[] {
  return thresholds.filter((t) => {
    const o = observed[t.signal];
    return o !== undefined && o.available < floorOf(t, o);
  });
}
