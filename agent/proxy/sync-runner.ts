// A rate-limited executor (kube-proxy's BoundedFrequencyRunner): requests coalesce into one
// run; runs are spaced by a token bucket (up to `burst` at once, then one per
// minIntervalMs), and one happens at least every maxIntervalMs even without requests. Only
// one run is ever in flight; a request during a run causes one more run after it. A first
// request waits coalesceMs for the ones that come with it: one pod turning unready makes
// the endpoint controllers write a slice per Service that selects it, tens of ms apart,
// and syncing on the first would spend the burst and leave the last waiting a full
// minIntervalMs.

import { realClock, type Clock } from '../../api/workqueue.js';

export interface SyncRunnerOptions {
  minIntervalMs: number;
  maxIntervalMs: number;
  burst: number;
  /** How long a first request waits for others (0: run at once). */
  coalesceMs?: number;
  clock?: Clock;
}

export class SyncRunner {
  private readonly clock: Clock;
  private tokens: number;
  private lastRefill: number;
  private lastRunAt: number;
  private pending = false;
  private running: Promise<void> | undefined;
  private notBefore = 0;
  private timer: unknown;
  private timerDue = Infinity;
  /** Requests before run() only mark work pending: nothing runs until the loop starts. */
  private started = false;
  private stopped = false;

  constructor(
    private readonly fn: () => Promise<void>,
    private readonly options: SyncRunnerOptions,
  ) {
    this.clock = options.clock ?? realClock;
    this.tokens = options.burst;
    this.lastRefill = this.clock.now();
    this.lastRunAt = this.lastRefill;
  }

  /** A sync soon: at once while tokens last, else when the next token comes. */
  request(): void {
    if (!this.pending && this.options.coalesceMs) this.notBefore = Math.max(this.notBefore, this.clock.now() + this.options.coalesceMs);
    this.pending = true;
    this.schedule();
  }

  /** A sync no sooner than `ms` from now (after a failure: do not spin). */
  retryAfter(ms: number): void {
    this.notBefore = Math.max(this.notBefore, this.clock.now() + ms);
    this.request();
  }

  /** Runs until the signal aborts; resolves once a run in flight has finished. */
  async run(signal: AbortSignal): Promise<void> {
    this.started = true;
    this.schedule();
    await new Promise<void>((resolve) => {
      if (signal.aborted) return resolve();
      signal.addEventListener('abort', () => resolve(), { once: true });
    });
    this.stopped = true;
    this.clearTimer();
    await this.running;
  }

  private refill(now: number): void {
    const { minIntervalMs, burst } = this.options;
    this.tokens = Math.min(burst, this.tokens + (now - this.lastRefill) / minIntervalMs);
    this.lastRefill = now;
  }

  /** When the next run is due, or Infinity. */
  private due(now: number): number {
    const periodic = this.lastRunAt + this.options.maxIntervalMs;
    if (!this.pending) return periodic;
    const tokenAt = this.tokens >= 1 ? now : now + (1 - this.tokens) * this.options.minIntervalMs;
    return Math.min(periodic, Math.max(tokenAt, this.notBefore));
  }

  private schedule(): void {
    if (!this.started || this.stopped || this.running) return;
    const now = this.clock.now();
    this.refill(now);
    const due = this.due(now);
    if (due <= now) {
      this.clearTimer();
      this.start(now);
      return;
    }
    if (this.timer !== undefined && this.timerDue <= due) return;
    this.clearTimer();
    this.timerDue = due;
    const handle = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.timerDue = Infinity;
      this.schedule();
    }, due - now);
    (handle as { unref?(): void } | undefined)?.unref?.();
    this.timer = handle;
  }

  private start(now: number): void {
    this.pending = false;
    this.tokens = Math.max(0, this.tokens - 1);
    this.lastRunAt = now;
    // Errors are the callee's to handle (it asks for a retry); a throw must not stop the loop.
    this.running = this.fn()
      .catch(() => undefined)
      .finally(() => {
        this.running = undefined;
        this.lastRunAt = this.clock.now();
        this.schedule();
      });
  }

  private clearTimer(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.timerDue = Infinity;
  }
}
