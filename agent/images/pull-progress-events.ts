// Progress of long image pulls as one Event per pull, updated in place.
//
// The kubelet says only "Pulling" and, at the end, "Pulled"; on a Raspberry Pi a big image
// can take minutes in between. Skiff adds one Normal "PullProgress" event per pull whose
// message says how far it is ("12.3 MiB of 40.0 MiB downloaded, 1 of 3 layers"), written
// only once the pull has lasted one interval (short pulls add nothing), then patched at most
// once per interval, and a last time when the pull ends. Why one event patched in place:
// `kubectl get events` / `describe pod` show one row whose MESSAGE and LAST SEEN move,
// instead of a new row per update; count stays 1 because it is one occurrence, not a
// repeat (bumping it per update would read as "this happened 40 times"). The API sees at
// most one write per interval per pull in progress (5 s by default: a 10-minute pull costs
// about 120 small patches), and none if the pull is quick.

import type { Logger } from 'pino';
import type { ApiClient } from '../../api/client.js';
import { resources } from '../../api/resources.js';
import { metaTime } from '../../api/time.js';
import type { Pod } from '../../api/types.js';
import type { PullProgress } from '../runtime/runtime.js';

export const PULL_PROGRESS_REASON = 'PullProgress';
export const DEFAULT_PULL_PROGRESS_INTERVAL_MS = 5_000;

const MIB = 1024 * 1024;

export function progressMessage(image: string, p: PullProgress, done = false): string {
  const mib = (n: number) => `${(n / MIB).toFixed(1)} MiB`;
  const layers = `${p.layersDone} of ${p.layers} layer${p.layers === 1 ? '' : 's'}`;
  if (done) return `Pulled image "${image}": ${mib(p.totalBytes)} downloaded, ${layers}`;
  return `Pulling image "${image}": ${mib(p.downloadedBytes)} of ${mib(p.totalBytes)} downloaded, ${layers}`;
}

export interface PullProgressReporter {
  update(p: PullProgress): void;
  /** The pull ended; ok: it succeeded. Writes the last state if an event was written at all. */
  finish(ok: boolean): Promise<void>;
}

/** Writes events, or in unit tests records what would have been written. */
export interface ProgressEventSink {
  create(pod: Pod, message: string): Promise<string>;
  update(pod: Pod, name: string, message: string): Promise<void>;
}

export class PullProgressEvents {
  constructor(
    private readonly sink: ProgressEventSink,
    private readonly intervalMs = DEFAULT_PULL_PROGRESS_INTERVAL_MS,
    private readonly now: () => number = Date.now,
    private readonly log?: Logger,
  ) {}

  start(pod: Pod, image: string): PullProgressReporter {
    const started = this.now();
    let latest: PullProgress | undefined;
    let lastWrite = 0;
    let name: string | undefined;
    let writing: Promise<void> = Promise.resolve();
    let inFlight = false;
    let finished = false;
    const write = (message: string) => {
      inFlight = true;
      lastWrite = this.now();
      writing = writing
        .then(async () => {
          if (name === undefined) name = await this.sink.create(pod, message);
          else await this.sink.update(pod, name, message);
        })
        .catch((err: unknown) => this.log?.debug({ err: (err as Error).message }, 'pull progress event not written'))
        .finally(() => (inFlight = false));
    };
    return {
      update: (p) => {
        latest = p;
        if (finished || inFlight) return;
        const now = this.now();
        if (now - started < this.intervalMs || now - lastWrite < this.intervalMs) return;
        write(progressMessage(image, p));
      },
      finish: async (ok) => {
        finished = true;
        await writing;
        if (name !== undefined && latest) {
          write(ok ? progressMessage(image, latest, true) : progressMessage(image, latest));
          await writing;
        }
      },
    };
  }
}

/** The sink on the API: Events shaped like the kubelet recorder's, patched in place. */
export function apiProgressSink(client: ApiClient, source: { component: string; host: string }): ProgressEventSink {
  return {
    async create(pod, message) {
      const now = new Date();
      const ts = metaTime(now);
      const meta = pod.metadata;
      const name = `${meta.name}.${now.getTime().toString(16)}${Math.floor(Math.random() * 0xfff).toString(16)}`;
      await client.create(resources.events, {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name, namespace: meta.namespace ?? 'default' },
        involvedObject: { kind: 'Pod', apiVersion: 'v1', name: meta.name, namespace: meta.namespace, uid: meta.uid, resourceVersion: meta.resourceVersion },
        reason: PULL_PROGRESS_REASON,
        message,
        type: 'Normal',
        source,
        firstTimestamp: ts,
        lastTimestamp: ts,
        count: 1,
        reportingComponent: source.component,
        reportingInstance: source.host,
      } as never);
      return name;
    },
    async update(pod, name, message) {
      await client.patch(resources.events, name, { message, lastTimestamp: metaTime(new Date()) }, { namespace: pod.metadata.namespace ?? 'default' });
    },
  };
}
