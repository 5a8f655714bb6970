// Docker's event stream, narrowed to lifecycle events of this node's containers and
// sandboxes and mapped onto RuntimeEvent. The daemon filters by label, so events of other
// nodes' and non-Skiff containers never reach us.

import type Dockerode from 'dockerode';
import { LABEL_NODE_NAME, LABEL_POD_UID, type RuntimeEvent } from '../runtime.js';

const ACTIONS: Record<string, RuntimeEvent['type']> = {
  create: 'created',
  start: 'started',
  die: 'stopped',
  destroy: 'deleted',
};

interface DockerEvent {
  Type?: string;
  Action?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
}

export function toRuntimeEvent(e: DockerEvent): RuntimeEvent | undefined {
  const type = e.Type === 'container' && e.Action ? ACTIONS[e.Action] : undefined;
  const id = e.Actor?.ID;
  if (!type || !id) return undefined;
  const podUid = e.Actor?.Attributes?.[LABEL_POD_UID];
  return podUid ? { containerId: id, podUid, type } : { containerId: id, type };
}

/** Yields events until signal aborts or the daemon closes the stream. */
export async function* dockerEvents(docker: Dockerode, nodeName: string, signal: AbortSignal): AsyncGenerator<RuntimeEvent> {
  if (signal.aborted) return;
  const stream = (await docker.getEvents({
    filters: {
      type: ['container'],
      label: [`${LABEL_NODE_NAME}=${nodeName}`],
      event: Object.keys(ACTIONS),
    },
  })) as NodeJS.ReadableStream & { destroy(): void };
  const stop = () => stream.destroy();
  signal.addEventListener('abort', stop, { once: true });
  if (signal.aborted) stop(); // aborted while the request was on its way
  stream.setEncoding('utf8'); // a multi-byte character may straddle two chunks
  let buffered = '';
  try {
    for await (const chunk of stream) {
      buffered += String(chunk);
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl).trim();
        buffered = buffered.slice(nl + 1);
        if (!line) continue;
        let parsed: DockerEvent;
        try {
          parsed = JSON.parse(line) as DockerEvent;
        } catch {
          continue;
        }
        const event = toRuntimeEvent(parsed);
        if (event) yield event;
      }
    }
  } catch (err) {
    // Destroying the response on abort surfaces as a premature-close error: that is our end.
    if (!signal.aborted) throw err;
  } finally {
    signal.removeEventListener('abort', stop);
    stream.destroy();
  }
}
