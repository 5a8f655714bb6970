// Which runtime container serves a logs/exec request: the pod's containers are found by the
// labels the kubelet put on them (pod uid, container name), newest attempt first, so only
// containers of a pod this node runs can ever be reached through the tunnel.

import { LABEL_CONTAINER_NAME, LABEL_POD_UID, type ContainerRuntime, type ContainerSummary } from '../runtime/runtime.js';
import { StreamError } from './errors.js';

export function newestFirst(containers: ContainerSummary[]): ContainerSummary[] {
  return [...containers].sort((a, b) => b.metadata.attempt - a.metadata.attempt || (b.createdAt > a.createdAt ? 1 : b.createdAt < a.createdAt ? -1 : 0));
}

export interface LookupRequest {
  pod: string;
  podUid: string;
  container: string;
  containerId?: string | undefined;
  previous: boolean;
}

export async function findContainer(runtime: ContainerRuntime, r: LookupRequest): Promise<ContainerSummary> {
  const all = newestFirst(await runtime.listContainers({ labelSelector: { [LABEL_POD_UID]: r.podUid, [LABEL_CONTAINER_NAME]: r.container } }));
  const hinted = r.containerId ? all.find((c) => c.id === r.containerId!.replace(/^[a-z-]+:\/\//, '')) : undefined;
  if (r.previous) {
    const prev = hinted ?? all[1];
    if (!prev) throw new StreamError('NotFound', 400, `previous terminated container "${r.container}" in pod "${r.pod}" not found`);
    return prev;
  }
  const current = hinted ?? all[0];
  if (!current) throw new StreamError('NotFound', 400, `container "${r.container}" in pod "${r.pod}" is not available`);
  return current;
}
