// Which container of a pod a logs/exec request means, and whether it can serve it yet, with
// the API server's and the kubelet's words for each refusal (kubectl prints them verbatim).

import { errors } from '../../../api/errors.js';
import type { ContainerStatus, Pod } from '../../../api/types.js';

export function allContainerNames(pod: Pod): { containers: string[]; init: string[] } {
  return {
    containers: (pod.spec.containers ?? []).map((c) => c.name),
    init: (pod.spec.initContainers ?? []).map((c) => c.name),
  };
}

/** The API server's choice of container (LogLocation / ExecLocation). */
export function chooseContainer(pod: Pod, requested: string | null): string {
  const { containers, init } = allContainerNames(pod);
  const name = pod.metadata.name;
  if (!requested) {
    if (containers.length === 1) return containers[0]!;
    if (containers.length === 0) throw errors.badRequest(`a container name must be specified for pod ${name}`);
    let message = `a container name must be specified for pod ${name}, choose one of: [${containers.join(' ')}]`;
    if (init.length > 0) message += ` or one of the init containers: [${init.join(' ')}]`;
    throw errors.badRequest(message);
  }
  if (!containers.includes(requested) && !init.includes(requested)) {
    throw errors.badRequest(`container ${requested} is not valid for pod ${name}`);
  }
  return requested;
}

function statusOf(pod: Pod, container: string): ContainerStatus | undefined {
  const all = [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])];
  return all.find((s) => s.name === container);
}

/**
 * The kubelet's check before serving logs (validateContainerLogStatus): returns the id of
 * the container whose log to read, or throws the message kubectl shows.
 */
export function logContainerId(pod: Pod, container: string, previous: boolean): string {
  const podName = pod.metadata.name;
  const status = statusOf(pod, container);
  if (!status) throw errors.badRequest(`container "${container}" in pod "${podName}" is not available`);
  const { waiting, running, terminated } = status.state ?? {};
  const lastTerminated = status.lastState?.terminated;
  if (previous) {
    if (!lastTerminated?.containerID) throw errors.badRequest(`previous terminated container "${container}" in pod "${podName}" not found`);
    return lastTerminated.containerID;
  }
  if (running) return status.containerID ?? '';
  if (terminated) {
    if (terminated.containerID) return terminated.containerID;
    if (lastTerminated?.containerID) return lastTerminated.containerID;
    throw errors.badRequest(`container "${container}" in pod "${podName}" is terminated`);
  }
  if (lastTerminated) {
    if (!lastTerminated.containerID) throw errors.badRequest(`container "${container}" in pod "${podName}" is terminated`);
    return lastTerminated.containerID;
  }
  if (waiting) {
    switch (waiting.reason) {
      case 'ErrImagePull':
        throw errors.badRequest(`container "${container}" in pod "${podName}" is waiting to start: image can't be pulled`);
      case 'ImagePullBackOff':
        throw errors.badRequest(`container "${container}" in pod "${podName}" is waiting to start: trying and failing to pull image`);
      default:
        throw errors.badRequest(`container "${container}" in pod "${podName}" is waiting to start: ${waiting.reason ?? ''}`);
    }
  }
  throw errors.badRequest(`container "${container}" in pod "${podName}" is waiting to start - no logs yet`);
}
