// Runtime events for a runtime without an event stream: containerd 1.6's CRI has no
// GetContainerEvents (1.7 added it), so the node's containers are listed every
// interval and each change of state becomes the events that must have happened
// (a container first seen already exited was created, started and stopped). The PLEG
// relists anyway; these only make it react sooner.

import { LABEL_POD_UID, type ContainerState, type ContainerSummary, type RuntimeEvent } from '../runtime.js';

export function diffContainers(before: Map<string, ContainerState>, now: ContainerSummary[]): RuntimeEvent[] {
  const out: RuntimeEvent[] = [];
  const seen = new Set<string>();
  for (const c of now) {
    seen.add(c.id);
    const podUid = c.labels[LABEL_POD_UID];
    const ev = (type: RuntimeEvent['type']): RuntimeEvent => (podUid ? { containerId: c.id, podUid, type } : { containerId: c.id, type });
    const was = before.get(c.id);
    if (was === c.state) continue;
    if (was === undefined) out.push(ev('created'));
    if (c.state === 'running' && was !== 'running') out.push(ev('started'));
    if (c.state === 'exited') {
      if (was === undefined || was === 'created') out.push(ev('started'));
      out.push(ev('stopped'));
    }
  }
  for (const id of before.keys()) if (!seen.has(id)) out.push({ containerId: id, type: 'deleted' });
  return out;
}

export async function* pollContainerEvents(list: () => Promise<ContainerSummary[]>, signal: AbortSignal, intervalMs = 500): AsyncGenerator<RuntimeEvent> {
  let known: Map<string, ContainerState> | undefined;
  while (!signal.aborted) {
    const now = await list();
    if (known) yield* diffContainers(known, now);
    known = new Map(now.map((c) => [c.id, c.state]));
    await new Promise<void>((resolve) => {
      const t = setTimeout(done, intervalMs);
      function done() {
        clearTimeout(t);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    });
  }
}
