// Docker's view of a container (list entry or inspect answer) → the CRI shapes.

import type Dockerode from 'dockerode';
import { LABEL_CONTAINER_NAME, LABEL_POD_NAME, LABEL_POD_NAMESPACE, LABEL_POD_UID } from '../runtime.js';
import type { ContainerState, ContainerStatus, ContainerSummary, PodSandbox, PodSandboxStatus } from '../runtime.js';
import { LABEL_SANDBOX_ID, attemptOf, decodeLabels } from './labels.js';

const RFC3339 = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/;

/**
 * Docker's RFC3339Nano timestamps as nanoseconds since the epoch. Go's zero time
 * ("0001-01-01T00:00:00Z", Docker's "never") and anything unparsable become 0n.
 */
export function parseDockerTime(s: string | undefined | null): bigint {
  if (!s) return 0n;
  const m = RFC3339.exec(s);
  if (!m) return 0n;
  const whole = Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${m[8]}`);
  if (!Number.isFinite(whole) || whole <= 0) return 0n;
  const frac = BigInt((m[7] ?? '').slice(0, 9).padEnd(9, '0'));
  return BigInt(whole) * 1_000_000n + frac;
}

/** Docker's State.Status (created|running|paused|restarting|removing|exited|dead). */
export function containerStateOf(status: string | undefined): ContainerState {
  switch (status) {
    case 'created':
      return 'created';
    case 'running':
    case 'paused':
    case 'restarting':
      return 'running';
    case 'exited':
    case 'dead':
      return 'exited';
    default:
      return 'unknown';
  }
}

function sandboxMetadata(labels: Record<string, string>): PodSandbox['metadata'] {
  return {
    name: labels[LABEL_POD_NAME] ?? '',
    namespace: labels[LABEL_POD_NAMESPACE] ?? '',
    uid: labels[LABEL_POD_UID] ?? '',
    attempt: attemptOf(labels),
  };
}

export function sandboxFromList(c: Dockerode.ContainerInfo): PodSandbox {
  const { labels, annotations } = decodeLabels(c.Labels);
  return {
    id: c.Id,
    metadata: sandboxMetadata(c.Labels ?? {}),
    state: c.State === 'running' ? 'ready' : 'notready',
    createdAt: BigInt(c.Created) * 1_000_000_000n,
    labels,
    annotations,
  };
}

/** ip: what the pod network gave the sandbox (Docker does not know it: CNI attached it). */
export function sandboxFromInspect(c: Dockerode.ContainerInspectInfo, ip: string): PodSandboxStatus {
  const all = c.Config.Labels ?? {};
  const { labels, annotations } = decodeLabels(all);
  const ready = c.State.Running;
  return {
    id: c.Id,
    metadata: sandboxMetadata(all),
    state: ready ? 'ready' : 'notready',
    createdAt: parseDockerTime(c.Created),
    labels,
    annotations,
    ip,
  };
}

export function containerFromList(c: Dockerode.ContainerInfo): ContainerSummary {
  const all = c.Labels ?? {};
  const { labels, annotations } = decodeLabels(all);
  return {
    id: c.Id,
    podSandboxId: all[LABEL_SANDBOX_ID] ?? '',
    metadata: { name: all[LABEL_CONTAINER_NAME] ?? '', attempt: attemptOf(all) },
    image: c.Image,
    imageRef: c.ImageID,
    state: containerStateOf(c.State),
    createdAt: BigInt(c.Created) * 1_000_000_000n,
    labels,
    annotations,
  };
}

/** The CRI's reason: only an exited container has one. */
export function exitReason(state: Dockerode.ContainerInspectInfo['State']): string {
  if (containerStateOf(state.Status) !== 'exited') return '';
  if (state.OOMKilled) return 'OOMKilled';
  return state.ExitCode === 0 ? 'Completed' : 'Error';
}

function notBefore(finished: bigint, started: bigint): bigint {
  return finished !== 0n && finished < started ? started : finished;
}

export function containerFromInspect(c: Dockerode.ContainerInspectInfo): ContainerStatus {
  const all = c.Config.Labels ?? {};
  const { labels, annotations } = decodeLabels(all);
  return {
    id: c.Id,
    podSandboxId: all[LABEL_SANDBOX_ID] ?? '',
    metadata: { name: all[LABEL_CONTAINER_NAME] ?? '', attempt: attemptOf(all) },
    image: c.Config.Image,
    imageRef: c.Image,
    state: containerStateOf(c.State.Status),
    createdAt: parseDockerTime(c.Created),
    labels,
    annotations,
    startedAt: parseDockerTime(c.State.StartedAt),
    // Docker stamps StartedAt once the start call returns, which for a process that exits
    // at once can be after FinishedAt; a run never lasts less than nothing.
    finishedAt: notBefore(parseDockerTime(c.State.FinishedAt), parseDockerTime(c.State.StartedAt)),
    exitCode: c.State.ExitCode,
    reason: exitReason(c.State),
    message: c.State.Error ?? '',
  };
}
