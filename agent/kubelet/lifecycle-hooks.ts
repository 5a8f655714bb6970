// Lifecycle hooks (kubelet's handlers.go): postStart runs right after the container starts
// and a failure kills it; preStop runs before the stop signal, and its time comes out of
// the grace period. The messages follow the kubelet's wording so events read the same.

import type { Container, Pod } from '../../api/types.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import { runHandler } from './prober/handlers.js';
import type { Handler } from './prober/probe-types.js';

export interface HookTarget {
  runtime: ContainerRuntime;
  pod: Pod;
  container: Container;
  containerId: string;
  podIP: string;
}

/** postStart has no timeout of its own in Kubernetes; this only bounds a hung exec. */
export const POST_START_TIMEOUT_SECONDS = 120;

/** Runs a hook; resolves to the kubelet's failure message, or undefined when it succeeded. */
export async function runHook(handler: Handler, t: HookTarget, timeoutSeconds: number): Promise<string | undefined> {
  const outcome = await runHandler(handler, { runtime: t.runtime, containerId: t.containerId, container: t.container, podIP: t.podIP }, timeoutSeconds, true);
  if (outcome.result === 'success') return undefined;
  const podRef = `${t.pod.metadata.name}_${t.pod.metadata.namespace}(${t.pod.metadata.uid})`;
  if (handler.exec) {
    const cmd = handler.exec.command ?? [];
    return `Exec lifecycle hook ([${cmd.join(' ')}]) for Container "${t.container.name}" in Pod "${podRef}" failed - error: ${outcome.exitCode === undefined ? outcome.output : `command '${cmd.join(' ')}' exited with ${outcome.exitCode}: `}, message: ${JSON.stringify(outcome.output)}`;
  }
  if (handler.httpGet) {
    return `HTTP lifecycle hook (${handler.httpGet.path ?? ''}) for Container "${t.container.name}" in Pod "${podRef}" failed - error: ${outcome.output}`;
  }
  return `lifecycle hook for Container "${t.container.name}" in Pod "${podRef}" failed - error: ${outcome.output}`;
}
