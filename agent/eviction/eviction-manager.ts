// The kubelet's eviction manager, for hard thresholds: every monitoring interval it reads
// the signals; a threshold that is met sets its node condition (MemoryPressure,
// DiskPressure, PIDPressure) and evicts one pod, ranked as the kubelet ranks them:
// pods using more than they requested first (BestEffort requests nothing), then by how far
// over their request they are; pods with equal standing go newest first. A condition stays
// set for the pressure transition period after its threshold was last met, so a node at the
// edge does not flap.

import type { Logger } from 'pino';
import { parseQuantity, value } from '../../api/quantity.js';
import type { Pod } from '../../api/types.js';
import type { NodeStatsSummary } from '../../api/tunnel/tunnel-protocol.js';
import { floorOf, resourceOf, thresholdsMet, type EvictionSignal, type Observations, type Threshold } from './thresholds.js';

export interface NodePressure {
  memory: boolean;
  disk: boolean;
  pid: boolean;
}

export interface EvictionManagerOptions {
  thresholds: Threshold[];
  observe: () => Promise<Observations>;
  /** The pods bound here that still run (not Succeeded/Failed, not being deleted). */
  activePods: () => Pod[];
  /** Current usage, for ranking under memory pressure. */
  usage: () => Promise<NodeStatsSummary>;
  evict: (pod: Pod, message: string) => Promise<void>;
  /** Called when a pressure condition turns on or off (the node status should be written). */
  onPressureChange: () => void;
  logger: Logger;
  intervalMs?: number;
  transitionPeriodMs?: number;
  now?: () => number;
}

const CONDITION_OF: Record<EvictionSignal, keyof NodePressure> = {
  'memory.available': 'memory',
  'nodefs.available': 'disk',
  'nodefs.inodesFree': 'disk',
  'pid.available': 'pid',
};

export class EvictionManager {
  private readonly lastMet: Partial<Record<keyof NodePressure, number>> = {};
  private current: NodePressure = { memory: false, disk: false, pid: false };
  private readonly now: () => number;

  constructor(private readonly o: EvictionManagerOptions) {
    this.now = o.now ?? Date.now;
  }

  pressure(): NodePressure {
    return { ...this.current };
  }

  async run(signal: AbortSignal): Promise<void> {
    const interval = this.o.intervalMs ?? 10_000;
    while (!signal.aborted) {
      try {
        await this.synchronize();
      } catch (err) {
        this.o.logger.warn({ err: (err as Error).message }, 'eviction check failed');
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, interval);
        function done() {
          clearTimeout(t);
          signal.removeEventListener('abort', done);
          resolve();
        }
        signal.addEventListener('abort', done, { once: true });
      });
    }
  }

  /** One pass: observe, update conditions, evict at most one pod. Returns the evicted pod's name. */
  async synchronize(): Promise<string | undefined> {
    const observed = await this.o.observe();
    const met = thresholdsMet(this.o.thresholds, observed);
    const now = this.now();
    for (const t of met) this.lastMet[CONDITION_OF[t.signal]] = now;
    const period = this.o.transitionPeriodMs ?? 300_000;
    const next: NodePressure = { memory: false, disk: false, pid: false };
    for (const k of Object.keys(next) as (keyof NodePressure)[]) {
      const at = this.lastMet[k];
      next[k] = at !== undefined && now - at <= period;
    }
    if (next.memory !== this.current.memory || next.disk !== this.current.disk || next.pid !== this.current.pid) {
      this.o.logger.info({ pressure: next }, 'node pressure changed');
      this.current = next;
      this.o.onPressureChange();
    }
    const first = met[0];
    if (!first) return undefined;
    return this.evictOne(first, observed);
  }

  private async evictOne(t: Threshold, observed: Observations): Promise<string | undefined> {
    const pods = this.o.activePods();
    if (pods.length === 0) {
      this.o.logger.warn({ signal: t.signal }, 'eviction threshold met, but no pod to evict');
      return undefined;
    }
    const memoryUse = t.signal === 'memory.available' ? await this.memoryUsage() : new Map<string, number>();
    const victim = rankForEviction(pods, memoryUse)[0]!;
    const o = observed[t.signal]!;
    const resource = resourceOf(t.signal);
    const message = `The node was low on resource: ${resource}. Threshold quantity: ${t.text}, available: ${formatAvailable(t.signal, o.available)}. `;
    this.o.logger.warn({ pod: `${victim.metadata.namespace}/${victim.metadata.name}`, signal: t.signal, available: o.available, floor: floorOf(t, o) }, 'evicting pod');
    await this.o.evict(victim, message);
    return victim.metadata.name;
  }

  private async memoryUsage(): Promise<Map<string, number>> {
    try {
      const s = await this.o.usage();
      return new Map(s.pods.map((p) => [p.uid, p.containers.reduce((sum, c) => sum + c.memoryWorkingSetBytes, 0)]));
    } catch (err) {
      this.o.logger.warn({ err: (err as Error).message }, 'no usage to rank pods by; ranking by requests alone');
      return new Map();
    }
  }
}

function memoryRequest(pod: Pod): number {
  let sum = 0;
  for (const c of pod.spec.containers) {
    const r = c.resources?.requests?.['memory'] ?? c.resources?.limits?.['memory'];
    if (r) sum += Number(value(parseQuantity(r)));
  }
  return sum;
}

/**
 * The kubelet's memory ranking: usage over request first, then by usage − request, largest
 * first. Without usage every pod counts as using nothing, so requests decide (BestEffort
 * first); ties go to the newest pod.
 */
export function rankForEviction(pods: Pod[], usage: Map<string, number>): Pod[] {
  const score = (p: Pod) => {
    const used = usage.get(p.metadata.uid ?? '') ?? 0;
    const request = memoryRequest(p);
    return { exceeds: request === 0 || used > request ? 1 : 0, over: used - request };
  };
  return [...pods].sort((a, b) => {
    const sa = score(a);
    const sb = score(b);
    if (sa.exceeds !== sb.exceeds) return sb.exceeds - sa.exceeds;
    if (sa.over !== sb.over) return sb.over - sa.over;
    return (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? '');
  });
}

function formatAvailable(signal: EvictionSignal, n: number): string {
  if (signal === 'nodefs.inodesFree' || signal === 'pid.available') return String(n);
  return `${Math.round(n / 1024)}Ki`;
}
