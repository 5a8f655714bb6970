// The pod lifecycle event generator: turns the runtime's event stream plus a periodic
// relist into "pod X changed". Events make reactions fast; the relist makes them certain
// (events can be missed when the stream reconnects). Pods are compared by the set of their
// containers' ids and states, so an unchanged pod costs nothing beyond the list call.

import type { Logger } from 'pino';
import { sleep } from '../../api/informer.js';
import { LABEL_POD_UID, type ContainerRuntime } from '../runtime/runtime.js';

export class Pleg {
  private readonly listeners: ((uid: string) => void)[] = [];
  private fingerprints = new Map<string, string>();
  private relistNow: (() => void) | undefined;
  private reportAll = false;

  constructor(
    private readonly runtime: ContainerRuntime,
    private readonly logger: Logger,
    private readonly relistMs: number,
  ) {}

  onPodChanged(fn: (uid: string) => void): void {
    this.listeners.push(fn);
  }

  async run(signal: AbortSignal): Promise<void> {
    const events = this.watchEvents(signal);
    while (!signal.aborted) {
      try {
        await this.relist();
      } catch (err) {
        this.logger.warn({ err: (err as Error).message }, 'relist failed');
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, this.relistMs);
        function done() {
          clearTimeout(timer);
          signal.removeEventListener('abort', done);
          resolve();
        }
        this.relistNow = done;
        signal.addEventListener('abort', done, { once: true });
      });
      this.relistNow = undefined;
    }
    await events;
  }

  /** The next relist reports every pod, changed or not (the kubelet's pods are listed now). */
  resync(): void {
    this.reportAll = true;
    this.relistNow?.();
  }

  async relist(): Promise<void> {
    const all = this.reportAll;
    this.reportAll = false;
    const [containers, sandboxes] = await Promise.all([this.runtime.listContainers(), this.runtime.listPodSandbox()]);
    const next = new Map<string, string[]>();
    for (const c of containers) {
      const uid = c.labels[LABEL_POD_UID];
      if (uid) (next.get(uid) ?? next.set(uid, []).get(uid)!).push(`c:${c.id}:${c.state}`);
    }
    for (const s of sandboxes) {
      const uid = s.labels[LABEL_POD_UID] ?? s.metadata.uid;
      if (uid) (next.get(uid) ?? next.set(uid, []).get(uid)!).push(`s:${s.id}:${s.state}`);
    }
    const fingerprints = new Map<string, string>();
    for (const [uid, parts] of next) fingerprints.set(uid, parts.sort().join(','));
    const changed: string[] = [];
    for (const [uid, fp] of fingerprints) if (all || this.fingerprints.get(uid) !== fp) changed.push(uid);
    for (const uid of this.fingerprints.keys()) if (!fingerprints.has(uid)) changed.push(uid);
    this.fingerprints = fingerprints;
    for (const uid of changed) for (const l of this.listeners) l(uid);
  }

  private again: NodeJS.Timeout | undefined;

  private relistAgainSoon(): void {
    if (this.again) return;
    this.again = setTimeout(() => {
      this.again = undefined;
      this.relistNow?.();
    }, 100);
    this.again.unref();
  }

  private async watchEvents(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        for await (const _event of this.runtime.events(signal)) {
          // Coalesce: any event triggers one relist, which finds what changed. Docker sends
          // "die" a moment before its container list says "exited" (seen: the restart of a
          // crashed container waited for the next periodic relist, ~1 s), so look again
          // shortly after as well.
          this.relistNow?.();
          this.relistAgainSoon();
        }
      } catch (err) {
        if (!signal.aborted) this.logger.debug({ err: (err as Error).message }, 'runtime event stream ended');
      }
      await sleep(1_000, signal);
    }
  }
}
