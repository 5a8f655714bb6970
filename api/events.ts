// Records core/v1 Events for `kubectl describe`, as client-go's event recorder does:
// fire-and-forget (a lost event never blocks or fails the caller), and a repeat of the same
// event on the same object bumps `count` on the existing Event instead of creating another.
// Writes go out a few at a time from a bounded queue (client-go's broadcaster has a
// 1000-event channel and drops beyond it): a burst of events, such as one per pod the
// scheduler binds, trails the work it describes instead of competing with it.

import type { Logger } from 'pino';
import type { ApiClient } from './client.js';
import { resources } from './resources.js';
import type { KubeObject } from './types.js';
import { metaTime } from './time.js';

export type EventType = 'Normal' | 'Warning';
export type Recorder = (obj: KubeObject, type: EventType, reason: string, message: string) => void;

interface Seen {
  name: string;
  namespace: string;
  count: number;
  at: number;
}

const MAX_REMEMBERED = 512;
const MAX_IN_FLIGHT = 4;
const MAX_QUEUED = 1000;
const AGGREGATE_WINDOW_MS = 10 * 60_000;

export function createRecorder(client: ApiClient, source: { component: string; host?: string }, logger?: Logger): Recorder {
  const seen = new Map<string, Seen>();
  const queue: (() => Promise<void>)[] = [];
  let inFlight = 0;
  let dropped = 0;
  const pump = () => {
    while (inFlight < MAX_IN_FLIGHT && queue.length > 0) {
      const job = queue.shift()!;
      inFlight++;
      void job().finally(() => {
        inFlight--;
        pump();
      });
    }
  };
  return (obj, type, reason, message) => {
    const meta = obj.metadata;
    const namespace = meta.namespace ?? 'default';
    const key = `${meta.uid}|${type}|${reason}|${message}`;
    const now = new Date();
    const ts = metaTime(now);
    const prior = seen.get(key);
    const send = async () => {
      if (prior && now.getTime() - prior.at < AGGREGATE_WINDOW_MS) {
        prior.count++;
        prior.at = now.getTime();
        await client.patch(resources.events, prior.name, { count: prior.count, lastTimestamp: ts }, { namespace: prior.namespace });
        return;
      }
      const name = `${meta.name}.${now.getTime().toString(16)}${Math.floor(Math.random() * 0xfff).toString(16)}`;
      const involvedObject: Record<string, unknown> = { kind: obj.kind, name: meta.name, uid: meta.uid, apiVersion: obj.apiVersion, resourceVersion: meta.resourceVersion };
      if (meta.namespace) involvedObject['namespace'] = meta.namespace;
      await client.create(resources.events, {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name, namespace },
        involvedObject,
        reason,
        message,
        type,
        source: source.host ? { component: source.component, host: source.host } : { component: source.component },
        firstTimestamp: ts,
        lastTimestamp: ts,
        count: 1,
        reportingComponent: source.component,
        reportingInstance: source.host ?? '',
      });
      if (seen.size >= MAX_REMEMBERED) seen.delete(seen.keys().next().value!);
      seen.set(key, { name, namespace, count: 1, at: now.getTime() });
    };
    if (queue.length >= MAX_QUEUED) {
      if (dropped++ % 100 === 0) logger?.warn({ reason, dropped }, 'event queue full, dropping events');
      return;
    }
    queue.push(() => send().catch((err) => logger?.debug({ reason, err: (err as Error).message }, 'event not recorded')));
    pump();
  };
}
