// The status manager: keeps the latest computed status per pod and writes it to the API
// only when it differs from what was last written, from one loop (so a burst of changes
// becomes one write per pod). Failed writes are retried; while the control server is down
// statuses simply wait. It also finishes a pod's deletion once its containers are gone.

import type { Logger } from 'pino';
import type { ApiClient } from '../../api/client.js';
import { isNotFound } from '../../api/errors.js';
import { sleep } from '../../api/informer.js';
import { resources } from '../../api/resources.js';
import type { Pod, PodStatus } from '../../api/types.js';

interface Entry {
  pod: Pod;
  status: PodStatus;
  /** JSON of the status last accepted by the API server. */
  written?: string;
  /** The pod's resourceVersion after that write. */
  writtenVersion?: string;
  deleteAfterWrite?: boolean;
}

export class StatusManager {
  private readonly entries = new Map<string, Entry>();
  private readonly dirty = new Set<string>();
  private wake: (() => void) | undefined;
  /** Writes under way in the loop (a flush waits for them too). */
  private writing = 0;

  constructor(
    private readonly client: ApiClient,
    private readonly logger: Logger,
  ) {}

  /** Records status for the pod; written soon if it changed. */
  setStatus(pod: Pod, status: PodStatus): void {
    const uid = pod.metadata.uid!;
    const entry = this.entries.get(uid);
    const json = JSON.stringify(status);
    if (entry) {
      entry.pod = pod;
      entry.status = status;
      if (entry.written === json && !changedSince(pod, entry.writtenVersion, status)) return;
      delete entry.written;
    } else {
      // What the API already has counts as written: after an agent restart, an unchanged
      // pod costs no write.
      const seen = pod.status ? JSON.stringify(stripVolatile(pod.status)) : undefined;
      const e: Entry = { pod, status };
      if (seen !== undefined && seen === JSON.stringify(stripVolatile(status))) e.written = json;
      this.entries.set(uid, e);
      if (e.written === json) return;
    }
    this.dirty.add(uid);
    this.wake?.();
  }

  /**
   * A status-only change of the pod came from the API. Our own write coming back needs
   * nothing; someone else's change to a status we have written gets ours written again.
   */
  observe(pod: Pod): void {
    const entry = this.entries.get(pod.metadata.uid!);
    if (!entry || entry.deleteAfterWrite || entry.written === undefined) return;
    if (!changedSince(pod, entry.writtenVersion, entry.status)) return;
    entry.pod = pod;
    delete entry.written;
    this.dirty.add(pod.metadata.uid!);
    this.wake?.();
  }

  /** Resolves once every recorded status is written, or after timeoutMs (the API may be away). */
  async flush(timeoutMs: number): Promise<void> {
    const until = Date.now() + timeoutMs;
    while ((this.dirty.size > 0 || this.writing > 0) && Date.now() < until) await sleep(50);
  }

  /** After the pod's containers are gone: delete the API object (grace 0, this uid only). */
  finishDeletion(pod: Pod, status: PodStatus): void {
    const uid = pod.metadata.uid!;
    this.entries.set(uid, { pod, status, deleteAfterWrite: true });
    this.dirty.add(uid);
    this.wake?.();
  }

  forget(uid: string): void {
    this.entries.delete(uid);
    this.dirty.delete(uid);
  }

  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      if (this.dirty.size === 0) {
        await new Promise<void>((r) => {
          const done = () => {
            signal.removeEventListener('abort', done);
            r();
          };
          this.wake = done;
          signal.addEventListener('abort', done, { once: true });
        });
        this.wake = undefined;
        continue;
      }
      const batch = [...this.dirty];
      this.dirty.clear();
      let failed = false;
      this.writing++;
      await Promise.all(
        batch.map(async (uid) => {
          const entry = this.entries.get(uid);
          if (!entry) return;
          try {
            await this.write(entry);
          } catch (err) {
            if (isNotFound(err) || (err as { code?: number }).code === 409) {
              // The pod is gone or was replaced by another with the same name: nothing to report.
              this.entries.delete(uid);
              return;
            }
            failed = true;
            this.dirty.add(uid);
            this.logger.warn({ pod: `${entry.pod.metadata.namespace}/${entry.pod.metadata.name}`, err: (err as Error).message }, 'status update failed');
          }
        }),
      );
      this.writing--;
      if (failed) await sleep(1_000, signal);
    }
  }

  private async write(entry: Entry): Promise<void> {
    const { pod, status } = entry;
    const json = JSON.stringify(status);
    const ns = pod.metadata.namespace;
    const name = pod.metadata.name!;
    if (entry.written !== json) {
      const body: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns!, uid: pod.metadata.uid! }, spec: pod.spec, status };
      const updated = await this.client.update<Pod>(resources.pods, body, 'status');
      entry.written = json;
      if (updated.metadata?.resourceVersion) entry.writtenVersion = updated.metadata.resourceVersion;
    }
    if (entry.deleteAfterWrite) {
      await this.client.delete(resources.pods, name, ns, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid! } });
      this.entries.delete(pod.metadata.uid!);
    }
  }
}

/**
 * Someone else wrote the pod's status after we did (the node lifecycle controller marking
 * pods not ready while this node was unreachable, a hand-made PATCH): what the API has is
 * newer than our write and differs from what we know, so ours is written again. Only a
 * newer version counts, so the copy a sync started with before our own write came back
 * never causes a second write.
 */
function changedSince(pod: Pod, writtenVersion: string | undefined, status: PodStatus): boolean {
  const version = pod.metadata.resourceVersion;
  if (!version || !writtenVersion || !pod.status || !/^\d+$/.test(version) || !/^\d+$/.test(writtenVersion)) return false;
  if (BigInt(version) <= BigInt(writtenVersion)) return false;
  return JSON.stringify(stripVolatile(pod.status)) !== JSON.stringify(stripVolatile(status));
}

/** Fields that change on every computation without meaning a change (probe times). */
function stripVolatile(status: PodStatus): PodStatus {
  return { ...status, conditions: (status.conditions ?? []).map((c) => ({ ...c, lastProbeTime: null })) };
}
