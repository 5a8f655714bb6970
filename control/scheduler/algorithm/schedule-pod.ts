// One-shot scheduling for callers without a long-lived cache (tests, tools): builds a
// SchedulerCache from the given nodes and bound pods and asks it once. The scheduler loop
// keeps its own SchedulerCache instead, updated by its informers.

import type { Node, Pod } from '../../../api/types.js';
import { SchedulerCache } from './scheduler-cache.js';
import type { QuantityParser, ScheduleResult } from './types.js';

export function schedulePod(pod: Pod, nodes: Node[], podsByNode: Map<string, Pod[]>, parse: QuantityParser): ScheduleResult {
  const cache = new SchedulerCache(parse);
  for (const node of nodes) cache.addNode(node);
  for (const [nodeName, pods] of podsByNode) {
    // The map's key is where the pod runs, whether or not its spec says so yet.
    for (const p of pods) cache.addPod(p.spec.nodeName === nodeName ? p : { ...p, spec: { ...p.spec, nodeName } });
  }
  return cache.schedule(pod);
}
