// CRI messages ↔ the runtime interface's shapes. The runtime adds labels of its own (the
// node that owns the object; on containers the image as the kubelet named it, the
// sandbox id and the requested log link); they are
// stripped on the way back so callers get exactly the labels they gave.

import { LABEL_NODE_NAME } from '../runtime.js';
import type { ContainerState, ContainerStatus, ContainerSummary, PodSandbox, PodSandboxStatus } from '../runtime.js';
import type { CriContainer, CriContainerState, CriContainerStatus, CriPodSandbox, CriPodSandboxStatus, Labels } from './cri-types.js';

/**
 * The image reference as the kubelet gave it. containerd reports the image's first
 * repo tag instead ("docker.io/library/x:1" for "x:1"), which would make the kubelet see
 * a different image than it asked for.
 */
export const LABEL_IMAGE = 'io.skiff.image';
/** On containers: their sandbox's id, which the CRI's ContainerStatus does not carry. */
export const LABEL_SANDBOX_ID = 'io.skiff.sandbox.id';
/** On containers: where the kubelet asked for a link to the log (ContainerConfig.logPath). */
export const LABEL_LOG_LINK = 'io.skiff.container.loglink';

const OWN_LABELS = new Set([LABEL_NODE_NAME, LABEL_IMAGE, LABEL_SANDBOX_ID, LABEL_LOG_LINK]);

export function withoutOwnLabels(labels: Labels | null | undefined): Labels {
  const out: Labels = {};
  for (const [k, v] of Object.entries(labels ?? {})) if (!OWN_LABELS.has(k)) out[k] = v;
  return out;
}

export function nanos(v: string | number | null | undefined): bigint {
  if (v === null || v === undefined || v === '') return 0n;
  try {
    return BigInt(v);
  } catch {
    return 0n;
  }
}

export function containerStateOf(s: CriContainerState | string): ContainerState {
  switch (s) {
    case 'CONTAINER_CREATED':
      return 'created';
    case 'CONTAINER_RUNNING':
      return 'running';
    case 'CONTAINER_EXITED':
      return 'exited';
    default:
      return 'unknown';
  }
}

export const CRI_CONTAINER_STATE: Record<ContainerState, CriContainerState> = {
  created: 'CONTAINER_CREATED',
  running: 'CONTAINER_RUNNING',
  exited: 'CONTAINER_EXITED',
  unknown: 'CONTAINER_UNKNOWN',
};

export function sandboxFromCri(s: CriPodSandbox): PodSandbox {
  const m = s.metadata;
  return {
    id: s.id,
    metadata: { name: m?.name ?? '', namespace: m?.namespace ?? '', uid: m?.uid ?? '', attempt: m?.attempt ?? 0 },
    state: s.state === 'SANDBOX_READY' ? 'ready' : 'notready',
    createdAt: nanos(s.created_at),
    labels: withoutOwnLabels(s.labels),
    annotations: { ...(s.annotations ?? {}) },
  };
}

export function sandboxStatusFromCri(s: CriPodSandboxStatus): PodSandboxStatus {
  const base = sandboxFromCri(s);
  // A stopped sandbox has given its address back to the network.
  return { ...base, ip: base.state === 'ready' ? (s.network?.ip ?? '') : '' };
}

export function containerFromCri(c: CriContainer): ContainerSummary {
  return {
    id: c.id,
    podSandboxId: c.pod_sandbox_id,
    metadata: { name: c.metadata?.name ?? '', attempt: c.metadata?.attempt ?? 0 },
    image: c.labels?.[LABEL_IMAGE] ?? c.image?.image ?? '',
    imageRef: c.image_ref,
    state: containerStateOf(c.state),
    createdAt: nanos(c.created_at),
    labels: withoutOwnLabels(c.labels),
    annotations: { ...(c.annotations ?? {}) },
  };
}

/** The CRI's reason: only an exited container has one; containerd fills it in, mostly. */
export function exitReason(state: ContainerState, exitCode: number, reported: string): string {
  if (state !== 'exited') return '';
  if (reported) return reported;
  return exitCode === 0 ? 'Completed' : 'Error';
}

export function containerStatusFromCri(c: CriContainerStatus): ContainerStatus {
  const state = containerStateOf(c.state);
  const startedAt = nanos(c.started_at);
  const finishedAt = nanos(c.finished_at);
  return {
    id: c.id,
    podSandboxId: c.labels?.[LABEL_SANDBOX_ID] ?? '',
    metadata: { name: c.metadata?.name ?? '', attempt: c.metadata?.attempt ?? 0 },
    image: c.labels?.[LABEL_IMAGE] ?? c.image?.image ?? '',
    imageRef: c.image_ref,
    state,
    createdAt: nanos(c.created_at),
    labels: withoutOwnLabels(c.labels),
    annotations: { ...(c.annotations ?? {}) },
    startedAt,
    finishedAt: finishedAt !== 0n && finishedAt < startedAt ? startedAt : finishedAt,
    exitCode: c.exit_code,
    reason: exitReason(state, c.exit_code, c.reason),
    message: c.message,
  };
}
