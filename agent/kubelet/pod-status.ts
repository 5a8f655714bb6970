// Computes a pod's API status from what the runtime reports, following the kubelet's
// generateAPIPodStatus / getPhase: container states with reasons, lastState from the
// previous attempt, restartCount, the pod phase and the Ready-family conditions.

import type {
  Container,
  ContainerState,
  ContainerStatus as ApiContainerStatus,
  Pod,
  PodCondition,
  PodPhase,
  PodStatus,
} from '../../api/types.js';
import { ANNOTATION_RESTART_COUNT, type ContainerStatus as RuntimeContainerStatus } from '../runtime/runtime.js';
import { metaTime } from '../../api/time.js';

export interface ContainerWaiting {
  reason: string;
  message?: string;
}

export interface ObservedPod {
  pod: Pod;
  /** The pod's IP, '' while it has no ready sandbox. */
  podIP: string;
  hostIP: string;
  sandboxReady: boolean;
  /** Every container of this pod the runtime knows, all attempts. */
  containers: RuntimeContainerStatus[];
  /** Why a container is not running when that is not visible in the runtime (pull error, backoff…). */
  waiting: Map<string, ContainerWaiting>;
  scheme: string;
  now: Date;
  /** Probe results; without them every running container counts as started and ready. */
  probes?: ProbeResults;
}

export interface ProbeResults {
  isReady(container: Container, containerId: string): boolean;
  isStarted(container: Container, containerId: string): boolean;
}

type Kind = 'init' | 'sidecar' | 'app';

function kindOf(c: Container, init: boolean): Kind {
  return !init ? 'app' : c['restartPolicy'] === 'Always' ? 'sidecar' : 'init';
}

export function rfc3339(ns: bigint): string | undefined {
  if (ns <= 0n) return undefined;
  return metaTime(new Date(Number(ns / 1_000_000n)));
}

export function restartCountOf(c: RuntimeContainerStatus): number {
  const n = Number(c.annotations[ANNOTATION_RESTART_COUNT] ?? '0');
  return Number.isFinite(n) && n >= 0 ? n : 0;
}

/** Attempts of one container, newest first. */
export function attemptsOf(containers: RuntimeContainerStatus[], name: string): RuntimeContainerStatus[] {
  return containers
    .filter((c) => c.metadata.name === name)
    .sort((a, b) => b.metadata.attempt - a.metadata.attempt || (b.createdAt > a.createdAt ? 1 : b.createdAt < a.createdAt ? -1 : 0));
}

function terminatedState(c: RuntimeContainerStatus, scheme: string): ContainerState {
  const t: NonNullable<ContainerState['terminated']> = {
    exitCode: c.exitCode,
    reason: c.reason || (c.exitCode === 0 ? 'Completed' : 'Error'),
    containerID: `${scheme}://${c.id}`,
  };
  const started = rfc3339(c.startedAt);
  const finished = rfc3339(c.finishedAt);
  if (started) t.startedAt = started;
  if (finished) t.finishedAt = finished;
  if (c.message) t.message = c.message;
  return { terminated: t };
}

/** hasInit: the pod has init containers, so a container not created yet is PodInitializing. */
function containerStatus(spec: Container, o: ObservedPod, kind: Kind, hasInit: boolean): ApiContainerStatus {
  const [latest, previous] = attemptsOf(o.containers, spec.name);
  const waiting = o.waiting.get(spec.name);
  const status: ApiContainerStatus = {
    name: spec.name,
    state: {},
    lastState: {},
    ready: false,
    restartCount: latest ? restartCountOf(latest) : 0,
    image: spec.image,
    imageID: '',
    started: false,
  };
  if (latest) {
    status.containerID = `${o.scheme}://${latest.id}`;
    status.imageID = latest.imageRef ? `${o.scheme}-pullable://${latest.imageRef}` : '';
    if (latest.imageRef.startsWith('sha256:') && o.scheme === 'docker') status.imageID = `docker-pullable://${latest.imageRef}`;
  }
  if (latest?.state === 'running') {
    const started = rfc3339(latest.startedAt);
    status.state = { running: started ? { startedAt: started } : {} };
    // A regular init container is never ready while it runs; the others once their
    // startup probe (if any) and readiness probe (if any) have passed.
    status.started = o.probes?.isStarted(spec, latest.id) ?? true;
    status.ready = kind !== 'init' && status.started && (o.probes?.isReady(spec, latest.id) ?? true);
    if (previous?.state === 'exited') status.lastState = terminatedState(previous, o.scheme);
  } else if (latest?.state === 'exited') {
    if (waiting) {
      // Exited and waiting to be restarted (e.g. CrashLoopBackOff): the exit is lastState.
      status.state = { waiting: { reason: waiting.reason, ...(waiting.message ? { message: waiting.message } : {}) } };
      status.lastState = terminatedState(latest, o.scheme);
    } else {
      status.state = terminatedState(latest, o.scheme);
      if (previous?.state === 'exited') status.lastState = terminatedState(previous, o.scheme);
      // A completed init container counts as ready, as the kubelet reports it.
      if (kind === 'init' && latest.exitCode === 0) status.ready = true;
    }
  } else {
    const reason = waiting ?? { reason: hasInit ? 'PodInitializing' : 'ContainerCreating' };
    status.state = { waiting: { reason: reason.reason, ...(reason.message ? { message: reason.message } : {}) } };
    if (previous?.state === 'exited') status.lastState = terminatedState(previous, o.scheme);
  }
  return status;
}

/** The kubelet's getPhase. */
export function podPhase(pod: Pod, statuses: ApiContainerStatus[], initStatuses: ApiContainerStatus[] = []): PodPhase {
  let pendingInit = 0;
  let failedInit = 0;
  for (const spec of pod.spec.initContainers ?? []) {
    const s = initStatuses.find((x) => x.name === spec.name);
    if (spec['restartPolicy'] === 'Always') {
      if (!s?.started) pendingInit++;
      continue;
    }
    if (!s || s.state.running) pendingInit++;
    else if (s.state.terminated) {
      if (s.state.terminated.exitCode !== 0) failedInit++;
    } else if (s.lastState.terminated) {
      if (s.lastState.terminated.exitCode !== 0) failedInit++;
    } else pendingInit++;
  }
  if (failedInit > 0 && (pod.spec.restartPolicy ?? 'Always') === 'Never') return 'Failed';
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const s of statuses) {
    if (s.state.running) running++;
    else if (s.state.terminated) {
      stopped++;
      if (s.state.terminated.exitCode === 0) succeeded++;
    } else if (s.state.waiting) {
      if (s.lastState.terminated) stopped++;
      else waiting++;
    }
  }
  // Once an app container has run the pod is past initialization (init containers of an
  // initialized pod may be gone); before that, pending init keeps it Pending.
  if (pendingInit > 0 && running === 0 && stopped === 0) return 'Pending';
  if (waiting > 0) return 'Pending';
  if (running > 0) return 'Running';
  if (stopped > 0) {
    const policy = pod.spec.restartPolicy ?? 'Always';
    if (policy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (policy === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}

function condition(prev: PodCondition[] | undefined, type: string, status: 'True' | 'False', now: string, reason?: string, message?: string): PodCondition {
  const old = prev?.find((c) => c.type === type);
  const c: PodCondition = {
    type,
    status,
    lastProbeTime: null,
    lastTransitionTime: old && old.status === status && old.lastTransitionTime ? old.lastTransitionTime : now,
  };
  if (reason) c.reason = reason;
  if (message) c.message = message;
  return c;
}

export function qosClass(pod: Pod): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const containers = [...pod.spec.containers, ...(pod.spec.initContainers ?? [])];
  let any = false;
  let guaranteed = true;
  for (const c of containers) {
    const req = c.resources?.requests ?? {};
    const lim = c.resources?.limits ?? {};
    if (Object.keys(req).length || Object.keys(lim).length) any = true;
    for (const r of ['cpu', 'memory']) {
      if (!lim[r]) guaranteed = false;
      else if (req[r] !== undefined && req[r] !== lim[r]) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

export function computePodStatus(o: ObservedPod): PodStatus {
  const now = metaTime(o.now);
  const prev = o.pod.status ?? {};
  const initSpecs = o.pod.spec.initContainers ?? [];
  const appStarted = o.pod.spec.containers.some((c) => attemptsOf(o.containers, c.name).length > 0);
  const hasInit = initSpecs.length > 0;
  const initStatuses = initSpecs.map((c) => containerStatus(c, o, kindOf(c, true), hasInit));
  const statuses = o.pod.spec.containers.map((c) => containerStatus(c, o, 'app', hasInit));
  const phase = podPhase(o.pod, statuses, initStatuses);
  // Initialized: every regular init container completed and every sidecar started (or
  // the app containers already run, which can only happen after that).
  const incomplete = appStarted
    ? []
    : initSpecs
        .filter((c, i) => {
          const s = initStatuses[i]!;
          return kindOf(c, true) === 'sidecar' ? !s.started : !(s.state.terminated && s.state.terminated.exitCode === 0);
        })
        .map((c) => c.name);
  const sidecarStatuses = initStatuses.filter((_, i) => kindOf(initSpecs[i]!, true) === 'sidecar');
  const notReady = [...sidecarStatuses, ...statuses].filter((s) => !s.ready).map((s) => s.name);
  const terminal = phase === 'Succeeded' || phase === 'Failed';
  const containersReady = notReady.length === 0 && !terminal;
  const readyMessage = notReady.length ? `containers with unready status: [${notReady.join(' ')}]` : undefined;
  const prevConditions = prev.conditions;
  const conditions: PodCondition[] = [
    condition(prevConditions, 'PodReadyToStartContainers', o.sandboxReady ? 'True' : 'False', now),
    incomplete.length
      ? condition(prevConditions, 'Initialized', 'False', now, 'ContainersNotInitialized', `containers with incomplete status: [${incomplete.join(' ')}]`)
      : condition(prevConditions, 'Initialized', 'True', now),
    condition(prevConditions, 'Ready', containersReady ? 'True' : 'False', now, containersReady ? undefined : terminal ? 'PodCompleted' : 'ContainersNotReady', containersReady || terminal ? undefined : readyMessage),
    condition(prevConditions, 'ContainersReady', containersReady ? 'True' : 'False', now, containersReady ? undefined : terminal ? 'PodCompleted' : 'ContainersNotReady', containersReady || terminal ? undefined : readyMessage),
  ];
  // PodScheduled belongs to the scheduler; carry it over as the API has it.
  const scheduled = prevConditions?.find((c) => c.type === 'PodScheduled');
  if (scheduled) conditions.push(scheduled);
  const status: PodStatus = {
    phase,
    conditions,
    hostIP: o.hostIP,
    hostIPs: [{ ip: o.hostIP }],
    startTime: prev.startTime ?? now,
    containerStatuses: statuses,
    ...(initSpecs.length ? { initContainerStatuses: initStatuses } : {}),
    qosClass: qosClass(o.pod),
  };
  if (o.podIP) {
    status.podIP = o.podIP;
    status.podIPs = [{ ip: o.podIP }];
  } else if (prev.podIP && terminal) {
    // A finished pod keeps reporting the IP it had (its sandbox is gone).
    status.podIP = prev.podIP;
    if (prev.podIPs) status.podIPs = prev.podIPs;
  }
  return status;
}
