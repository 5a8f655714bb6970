// One worker per pod, as the kubelet's podWorkers: a pod's syncs never overlap, and a worker
// that is busy keeps only the newest desired state, so a burst of updates costs one extra
// sync, not one per update. Different pods sync concurrently.

export type SyncFn<T> = (key: string, desired: T) => Promise<{ requeueAfterMs?: number } | void>;

interface Worker<T> {
  desired: T;
  running: boolean;
  pending: boolean;
  timer?: NodeJS.Timeout;
}

export class PodWorkers<T> {
  private readonly workers = new Map<string, Worker<T>>();
  private readonly idle = new Set<() => void>();

  constructor(
    private readonly sync: SyncFn<T>,
    private readonly onError: (key: string, err: unknown) => void,
    private readonly retryMs = 2_000,
  ) {}

  keys(): string[] {
    return [...this.workers.keys()];
  }

  /** Records the newest desired state for key and makes sure a sync will see it. */
  update(key: string, desired: T): void {
    const w = this.workers.get(key);
    if (!w) {
      this.workers.set(key, { desired, running: false, pending: true });
      void this.run(key);
      return;
    }
    w.desired = desired;
    w.pending = true;
    if (!w.running) void this.run(key);
  }

  /** Replaces the desired state without asking for a sync (a change the sync would not act on). */
  setDesired(key: string, desired: T): void {
    const w = this.workers.get(key);
    if (w) w.desired = desired;
  }

  /** Syncs key again with its current desired state (runtime event, timer, resync). */
  poke(key: string): void {
    const w = this.workers.get(key);
    if (!w) return;
    w.pending = true;
    if (!w.running) void this.run(key);
  }

  forget(key: string): void {
    const w = this.workers.get(key);
    if (w?.timer) clearTimeout(w.timer);
    this.workers.delete(key);
  }

  has(key: string): boolean {
    return this.workers.has(key);
  }

  /** Resolves when no worker is running (for shutdown and tests). */
  async drain(): Promise<void> {
    while ([...this.workers.values()].some((w) => w.running)) {
      await new Promise<void>((r) => {
        this.idle.add(r);
      });
    }
  }

  private async run(key: string): Promise<void> {
    const w = this.workers.get(key);
    if (!w || w.running) return;
    w.running = true;
    if (w.timer) clearTimeout(w.timer);
    delete w.timer;
    let requeueAfterMs: number | undefined;
    while (w.pending && this.workers.get(key) === w) {
      w.pending = false;
      try {
        const result = await this.sync(key, w.desired);
        requeueAfterMs = result?.requeueAfterMs;
      } catch (err) {
        this.onError(key, err);
        requeueAfterMs = this.retryMs;
      }
    }
    w.running = false;
    if (requeueAfterMs !== undefined && this.workers.get(key) === w) {
      w.timer = setTimeout(() => this.poke(key), requeueAfterMs);
      w.timer.unref();
    }
    this.idle.forEach((r) => r());
    this.idle.clear();
  }
}
