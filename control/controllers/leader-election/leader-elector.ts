// Leader election over a coordination.k8s.io/v1 Lease, as client-go's leaderelection does
// it for kube-controller-manager: candidates try every retryPeriod to take the Lease; the
// holder renews it every retryPeriod and gives up leading when it has not managed to for
// renewDeadline; another candidate takes over once it has watched the record stay
// unchanged for leaseDuration. Expiry is judged by the candidate's own clock from when it
// last saw the record change (client-go's observedTime), never by comparing clocks across
// hosts. Every write is a compare-and-swap on resourceVersion, so two candidates cannot
// both win. On a clean stop the leader first drains its work, then releases the Lease
// (empty holder), so the next one takes over at once instead of after leaseDuration.

import type { Logger } from 'pino';
import type { ApiClient } from '../../../api/client.js';
import { isAlreadyExists, isConflict, isNotFound } from '../../../api/errors.js';
import { sleep } from '../../../api/informer.js';
import { resources } from '../../../api/resources.js';
import type { Lease, LeaseSpec } from '../../../api/types.js';

export const DEFAULT_LEASE_DURATION_MS = 15_000;
export const DEFAULT_RENEW_DEADLINE_MS = 10_000;
export const DEFAULT_RETRY_PERIOD_MS = 2_000;

export interface LeaderElectorOptions {
  client: ApiClient;
  logger: Logger;
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  /** Release the Lease when stopped while leading (client-go's ReleaseOnCancel). Default true. */
  releaseOnCancel?: boolean;
  now?: () => number;
}

/** metav1.MicroTime on the wire: RFC 3339 with microseconds. */
function microTime(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '000Z');
}

export class LeaderElector {
  private readonly o: Required<Omit<LeaderElectorOptions, 'now'>>;
  private readonly now: () => number;
  private observedRaw = '';
  private observedTime = 0;
  private leading = false;

  constructor(options: LeaderElectorOptions) {
    this.o = {
      leaseDurationMs: DEFAULT_LEASE_DURATION_MS,
      renewDeadlineMs: DEFAULT_RENEW_DEADLINE_MS,
      retryPeriodMs: DEFAULT_RETRY_PERIOD_MS,
      releaseOnCancel: true,
      ...options,
    };
    this.now = options.now ?? Date.now;
    if (this.o.leaseDurationMs <= this.o.renewDeadlineMs) throw new Error('leaseDuration must be greater than renewDeadline');
    if (this.o.renewDeadlineMs <= this.o.retryPeriodMs) throw new Error('renewDeadline must be greater than retryPeriod');
  }

  get identity(): string {
    return this.o.identity;
  }

  isLeader(): boolean {
    return this.leading;
  }

  /**
   * Until `signal` aborts: wait to acquire the Lease, run `lead` with a signal that aborts
   * when leadership is lost (or on stop), wait for it to drain, and compete again.
   */
  async run(signal: AbortSignal, lead: (leading: AbortSignal) => Promise<void>): Promise<void> {
    const log = this.o.logger.child({ lease: `${this.o.namespace}/${this.o.name}`, identity: this.o.identity });
    while (!signal.aborted) {
      log.info('waiting to acquire leadership');
      while (!signal.aborted && !(await this.attempt(log))) await sleep(this.jittered(), signal);
      if (signal.aborted) break;
      this.leading = true;
      log.info('acquired leadership');
      const term = new AbortController();
      const stop = () => term.abort();
      signal.addEventListener('abort', stop, { once: true });
      const work = lead(term.signal).catch((err) => log.error({ err: (err as Error).message }, 'leading failed'));

      let lastRenew = this.now();
      while (!signal.aborted) {
        await sleep(this.o.retryPeriodMs, signal);
        if (signal.aborted) break;
        if (await this.attempt(log, this.o.renewDeadlineMs - (this.now() - lastRenew))) {
          lastRenew = this.now();
        } else if (this.now() - lastRenew >= this.o.renewDeadlineMs) {
          log.warn('failed to renew the lease within the renew deadline, leadership lost');
          break;
        }
      }
      // Stop acting before anyone else may start: the Lease is still ours until it expires.
      term.abort();
      signal.removeEventListener('abort', stop);
      await work;
      this.leading = false;
      if (signal.aborted && this.o.releaseOnCancel) await this.release(log);
    }
  }

  /** retryPeriod with client-go's jitter factor of 1.2, so candidates do not move in step. */
  private jittered(): number {
    return this.o.retryPeriodMs * (1 + Math.random() * 1.2);
  }

  /** One tryAcquireOrRenew, bounded in time so a hung request cannot outlast the deadline. */
  private async attempt(log: Logger, budgetMs = this.o.renewDeadlineMs): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((r) => (timer = setTimeout(() => r(false), Math.max(1, budgetMs))));
    try {
      return await Promise.race([this.tryAcquireOrRenew(), timeout]);
    } catch (err) {
      log.debug({ err: (err as Error).message }, 'lease attempt failed');
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  private observe(spec: LeaseSpec): void {
    const raw = JSON.stringify(spec);
    if (raw !== this.observedRaw) {
      this.observedRaw = raw;
      this.observedTime = this.now();
    }
  }

  private spec(acquireTime: string, transitions: number): LeaseSpec {
    const now = microTime(this.now());
    return { holderIdentity: this.o.identity, leaseDurationSeconds: Math.round(this.o.leaseDurationMs / 1000), acquireTime, renewTime: now, leaseTransitions: transitions };
  }

  /** client-go's tryAcquireOrRenew: true when this candidate holds the Lease afterwards. */
  async tryAcquireOrRenew(): Promise<boolean> {
    const { client, namespace, name, identity } = this.o;
    let lease: Lease;
    try {
      lease = await client.get<Lease>(resources.leases, name, namespace);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      const spec = this.spec(microTime(this.now()), 0);
      try {
        await client.create<Lease>(resources.leases, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace }, spec });
      } catch (e) {
        if (isAlreadyExists(e)) return false;
        throw e;
      }
      this.observe(spec);
      return true;
    }
    const cur = lease.spec ?? {};
    this.observe(cur);
    const holder = cur.holderIdentity ?? '';
    const durationMs = (cur.leaseDurationSeconds ?? Math.round(this.o.leaseDurationMs / 1000)) * 1000;
    if (holder !== '' && holder !== identity && this.observedTime + durationMs > this.now()) return false;
    const ours = holder === identity;
    const spec = this.spec(ours && cur.acquireTime ? cur.acquireTime : microTime(this.now()), (cur.leaseTransitions ?? 0) + (ours ? 0 : 1));
    try {
      await client.update<Lease>(resources.leases, { ...lease, metadata: { ...lease.metadata, resourceVersion: lease.metadata.resourceVersion! }, spec });
    } catch (err) {
      if (isConflict(err)) return false;
      throw err;
    }
    this.observe(spec);
    return true;
  }

  /** Gives the Lease up if it is still ours: an empty holder any candidate may take at once. */
  private async release(log: Logger): Promise<void> {
    try {
      const lease = await this.o.client.get<Lease>(resources.leases, this.o.name, this.o.namespace);
      if (lease.spec?.holderIdentity !== this.o.identity) return;
      const now = microTime(this.now());
      const spec: LeaseSpec = { holderIdentity: '', leaseDurationSeconds: 1, acquireTime: now, renewTime: now, leaseTransitions: lease.spec.leaseTransitions ?? 0 };
      await this.o.client.update<Lease>(resources.leases, { ...lease, spec });
      log.info('released leadership');
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'could not release the lease');
    }
  }
}
