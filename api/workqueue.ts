// client-go's rate-limited work queue, reduced to what the controllers need: a key is
// queued at most once however many events mention it, a key being processed is not handed
// to a second worker (a new add while it runs re-queues it after), and failures come back
// after a per-key exponential backoff that resets on success. A delayed add keeps the
// soonest time asked for, as client-go's delaying queue does: a controller that asks for a
// recheck in 1 s must not be held to an earlier request for 10 minutes.

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): { unref?(): void } | unknown;
  clearTimeout(handle: unknown): void;
}

export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export interface WorkQueueOptions {
  baseDelayMs?: number;
  maxDelayMs?: number;
  clock?: Clock;
}

export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly dirtyWhileProcessing = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Map<string, { handle: unknown; readyAt: number }>();
  private waiters: (() => void)[] = [];
  private shuttingDown = false;
  private readonly clock: Clock;

  constructor(private readonly options: WorkQueueOptions = {}) {
    this.clock = options.clock ?? realClock;
  }

  get length(): number {
    return this.queue.length;
  }

  add(key: string): void {
    if (this.shuttingDown) return;
    if (this.processing.has(key)) {
      this.dirtyWhileProcessing.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.queue.push(key);
    this.waiters.shift()?.();
  }

  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) return this.add(key);
    const readyAt = this.clock.now() + ms;
    const waiting = this.timers.get(key);
    if (waiting) {
      if (waiting.readyAt <= readyAt) return;
      this.clock.clearTimeout(waiting.handle);
    }
    const handle = this.clock.setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, ms);
    (handle as { unref?: () => void } | undefined)?.unref?.();
    this.timers.set(key, { handle, readyAt });
  }

  /** Re-queues key after its backoff (base · 2^failures, capped). */
  addRateLimited(key: string): void {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    const base = this.options.baseDelayMs ?? 5;
    const max = this.options.maxDelayMs ?? 60_000;
    this.addAfter(key, Math.min(base * 2 ** n, max));
  }

  forget(key: string): void {
    this.failures.delete(key);
  }

  numRequeues(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** Resolves with the next key, or undefined once shut down. */
  async get(): Promise<string | undefined> {
    while (this.queue.length === 0) {
      if (this.shuttingDown) return undefined;
      await new Promise<void>((r) => this.waiters.push(r));
    }
    const key = this.queue.shift()!;
    this.queued.delete(key);
    this.processing.add(key);
    return key;
  }

  done(key: string): void {
    this.processing.delete(key);
    if (this.dirtyWhileProcessing.delete(key)) this.add(key);
  }

  shutDown(): void {
    this.shuttingDown = true;
    for (const t of this.timers.values()) this.clock.clearTimeout(t.handle);
    this.timers.clear();
    this.waiters.splice(0).forEach((w) => w());
  }
}

/**
 * A controller worker: takes keys until the queue shuts down; a key that succeeds is
 * forgotten (its backoff resets), one that fails comes back after its backoff.
 */
export async function processQueue(queue: WorkQueue, handle: (key: string) => Promise<void>, onError: (key: string, err: unknown) => void): Promise<void> {
  for (;;) {
    const key = await queue.get();
    if (key === undefined) return;
    try {
      await handle(key);
      queue.forget(key);
    } catch (err) {
      onError(key, err);
      queue.addRateLimited(key);
    } finally {
      queue.done(key);
    }
  }
}
