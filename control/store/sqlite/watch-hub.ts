// Fans committed writes out to watchers, and brings new watchers up to date from history
// first. The store calls publish() once per committed write, synchronously after the
// commit; watchers never poll the database.
//
// A watcher starts "replaying": it reads its history in chunks, one chunk per event-loop
// turn so a long replay does not stall writes. Meanwhile live events skip it; they are
// committed, so a later chunk reads them. Once a chunk comes back short and no write
// happened since it was read, the watcher turns "live" in that same synchronous step,
// so no write can fall between the last replayed event and the first live one. Each
// watcher also remembers the last revision it was given and never takes one at or below
// it again: no gaps, no duplicates, in order.
//
// Live watchers are grouped by prefix; a write costs one startsWith per distinct prefix,
// so a thousand watchers of /registry/pods/ cost one comparison plus the callbacks.

import type { Logger } from 'pino';
import type { StoreEvent, WatchOptions, Watcher } from '../store.js';
import { StoreExpiredError } from '../errors.js';

export interface HistorySource {
  /** Latest committed revision. */
  head(): number;
  /** Oldest revision history can be replayed after. */
  compacted(): number;
  /** Events under prefix with revision > after, oldest first, at most limit of them. */
  history(prefix: string, after: number, limit: number): StoreEvent[];
}

type WatchState = 'replaying' | 'live' | 'closed';

/** Enough to amortise a query, small enough to keep one event-loop turn short. */
const replayChunk = 256;

class WatchEntry implements Watcher {
  state: WatchState = 'replaying';

  constructor(
    private readonly hub: WatchHub,
    readonly prefix: string,
    /** Every event under prefix up to this revision has been delivered (or skipped). */
    public delivered: number,
    readonly onEvent: WatchOptions['onEvent'],
    readonly onError: WatchOptions['onError'],
  ) {}

  close(): void {
    this.hub.remove(this);
  }
}

export class WatchHub {
  private readonly live = new Map<string, Set<WatchEntry>>();
  private readonly replaying = new Set<WatchEntry>();
  /** Events committed while a dispatch was running (a callback wrote): delivered next. */
  private queue: StoreEvent[] = [];
  private dispatching = false;
  private closedWith: Error | undefined;

  constructor(
    private readonly source: HistorySource,
    private readonly logger?: Logger,
  ) {}

  watch(prefix: string, options: WatchOptions): Watcher {
    const after = options.afterRevision;
    if (!Number.isSafeInteger(after) || after < 0) {
      throw new RangeError(`watch afterRevision must be a non-negative integer, got ${after}`);
    }
    const entry = new WatchEntry(this, prefix, after, options.onEvent, options.onError);
    this.replaying.add(entry);
    // Even the first step is deferred: the caller gets its Watcher before any callback.
    setImmediate(() => this.replayStep(entry));
    return entry;
  }

  /** Called by the store once per committed write, in revision order. */
  publish(event: StoreEvent): void {
    if (this.live.size === 0) return;
    this.queue.push(event);
    // A callback that writes re-enters here: queue its event behind the one being
    // delivered so every watcher still sees revisions in order.
    if (this.dispatching) return;
    this.dispatching = true;
    try {
      for (let i = 0; i < this.queue.length; i++) {
        const ev = this.queue[i]!;
        for (const [prefix, entries] of this.live) {
          if (!ev.kv.key.startsWith(prefix)) continue;
          for (const entry of entries) {
            if (entry.state === 'live' && ev.revision > entry.delivered) this.deliver(entry, ev);
          }
        }
      }
    } finally {
      this.queue = [];
      this.dispatching = false;
    }
  }

  /** Ends every watcher with err (the store is closing); later watches fail with it too. */
  closeAll(err: Error): void {
    this.closedWith = err;
    for (const entry of [...this.replaying]) this.fail(entry, err);
    for (const entries of [...this.live.values()]) {
      for (const entry of [...entries]) this.fail(entry, err);
    }
  }

  /** Watchers not yet closed (for tests and metrics). */
  size(): number {
    let n = this.replaying.size;
    for (const entries of this.live.values()) n += entries.size;
    return n;
  }

  remove(entry: WatchEntry): void {
    if (entry.state === 'closed') return;
    if (entry.state === 'replaying') {
      this.replaying.delete(entry);
    } else {
      const entries = this.live.get(entry.prefix);
      entries?.delete(entry);
      if (entries?.size === 0) this.live.delete(entry.prefix);
    }
    entry.state = 'closed';
  }

  private replayStep(entry: WatchEntry): void {
    if (entry.state !== 'replaying') return;
    if (this.closedWith) return this.fail(entry, this.closedWith);
    let events: StoreEvent[];
    let head: number;
    try {
      // Compaction may run between chunks; history at or below it may be gone.
      const compacted = this.source.compacted();
      if (entry.delivered < compacted) {
        return this.fail(entry, new StoreExpiredError(entry.delivered, compacted));
      }
      head = this.source.head();
      events = this.source.history(entry.prefix, entry.delivered, replayChunk);
    } catch (err) {
      return this.fail(entry, err instanceof Error ? err : new Error(String(err)));
    }
    const short = events.length < replayChunk;
    // A short chunk covered everything up to head; a full one only up to its last event.
    const scanned = short ? head : events[events.length - 1]!.revision;
    for (const ev of events) {
      if (entry.state !== 'replaying') return;
      this.deliver(entry, ev);
    }
    if (entry.state !== 'replaying') return;
    entry.delivered = Math.max(entry.delivered, scanned);
    // A callback above may have written; those events are not in this chunk.
    if (short && this.source.head() === scanned) {
      this.replaying.delete(entry);
      entry.state = 'live';
      let entries = this.live.get(entry.prefix);
      if (!entries) this.live.set(entry.prefix, (entries = new Set()));
      entries.add(entry);
      return;
    }
    setImmediate(() => this.replayStep(entry));
  }

  private deliver(entry: WatchEntry, ev: StoreEvent): void {
    entry.delivered = ev.revision;
    try {
      entry.onEvent(ev);
    } catch (err) {
      // A watcher whose handler threw may have lost track of state; end it so its owner
      // relists rather than carrying on from a half-applied event.
      this.logger?.error({ err, prefix: entry.prefix, revision: ev.revision }, 'watch event handler threw');
      this.fail(entry, err instanceof Error ? err : new Error(String(err)));
    }
  }

  private fail(entry: WatchEntry, err: Error): void {
    if (entry.state === 'closed') return;
    this.remove(entry);
    try {
      entry.onError(err);
    } catch (handlerErr) {
      this.logger?.error({ err: handlerErr, prefix: entry.prefix }, 'watch error handler threw');
    }
  }
}
