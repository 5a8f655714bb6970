// How the Docker runtime records CRI metadata on Docker objects. Docker containers only
// carry labels, so sandbox/container metadata and annotations travel as labels (the way
// dockershim did), and everything the kubelet did not ask for is stripped on the way back.

import { createHash } from 'node:crypto';
import {
  LABEL_CONTAINER_NAME,
  LABEL_POD_NAME,
  LABEL_POD_NAMESPACE,
  LABEL_POD_UID,
} from '../runtime.js';

/** Values of LABEL_CONTAINER_TYPE, as dockershim wrote them. */
export const TYPE_SANDBOX = 'podsandbox';
export const TYPE_CONTAINER = 'container';

/** On containers: the id of the infra container whose namespaces they join. */
export const LABEL_SANDBOX_ID = 'io.kubernetes.sandbox.id';
/** CRI metadata.attempt of a sandbox or container. */
export const LABEL_ATTEMPT = 'io.skiff.attempt';
/** The host path the kubelet asked the container's log to appear at (CRI log_path). */
export const LABEL_LOG_PATH = 'io.skiff.container.logpath';
/** CRI labels are stored under this prefix, annotations under the next. */
export const LABEL_PREFIX = 'io.skiff.label.';
export const ANNOTATION_PREFIX = 'io.skiff.annotation.';

/**
 * Identity labels the runtime also writes unprefixed (for `docker ps --filter` and for
 * selectors), and reports even when the caller did not pass them.
 */
const IDENTITY = new Set([LABEL_POD_NAME, LABEL_POD_NAMESPACE, LABEL_POD_UID, LABEL_CONTAINER_NAME]);

// Docker merges the image's labels into every container's, so plain container labels
// cannot tell the kubelet's labels from the image author's; the prefix can.
export function encodeLabels(labels: Record<string, string>, annotations: Record<string, string>, own: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = { ...own };
  for (const [k, v] of Object.entries(labels)) out[LABEL_PREFIX + k] = v;
  for (const [k, v] of Object.entries(annotations)) out[ANNOTATION_PREFIX + k] = v;
  return out;
}

export function decodeLabels(all: Record<string, string> | null | undefined): { labels: Record<string, string>; annotations: Record<string, string> } {
  const labels: Record<string, string> = {};
  const annotations: Record<string, string> = {};
  for (const [k, v] of Object.entries(all ?? {})) {
    if (k.startsWith(LABEL_PREFIX)) labels[k.slice(LABEL_PREFIX.length)] = v;
    else if (k.startsWith(ANNOTATION_PREFIX)) annotations[k.slice(ANNOTATION_PREFIX.length)] = v;
  }
  for (const k of IDENTITY) {
    const v = all?.[k];
    if (v !== undefined && !(k in labels)) labels[k] = v;
  }
  return { labels, annotations };
}

/** A CRI label selector as Docker label filters ("key=value"). */
export function labelFilters(selector: Record<string, string>): string[] {
  return Object.entries(selector).map(([k, v]) => `${IDENTITY.has(k) ? k : LABEL_PREFIX + k}=${v}`);
}

export function podLabelsOf(meta: { name: string; namespace: string; uid: string }): Record<string, string> {
  return { [LABEL_POD_NAME]: meta.name, [LABEL_POD_NAMESPACE]: meta.namespace, [LABEL_POD_UID]: meta.uid };
}

export function attemptOf(labels: Record<string, string> | null | undefined): number {
  const n = Number(labels?.[LABEL_ATTEMPT] ?? 0);
  return Number.isInteger(n) && n >= 0 ? n : 0;
}

// ---- names -----------------------------------------------------------------------------

/** Docker network holding this node's pods. */
export function podNetworkName(nodeName: string): string {
  return `skiff-${nodeName}`;
}

/**
 * Linux interface names stop at 15 bytes, node names do not: "sk-" + 8 hex chars of a
 * hash keeps bridges of different nodes on one host apart.
 */
export function podBridgeName(nodeName: string): string {
  return `sk-${createHash('sha256').update(nodeName).digest('hex').slice(0, 8)}`;
}

// Docker names allow [a-zA-Z0-9][a-zA-Z0-9_.-]*; Kubernetes names are already within that,
// but a defensive pass keeps a strange name from failing the create.
function part(s: string): string {
  return s.replace(/[^a-zA-Z0-9_.-]/g, '-');
}

export function sandboxContainerName(meta: { name: string; namespace: string; uid: string; attempt: number }): string {
  return `k8s_POD_${part(meta.name)}_${part(meta.namespace)}_${part(meta.uid)}_${meta.attempt}`;
}

export function containerName(container: { name: string; attempt: number }, pod: { name: string; namespace: string; uid: string }): string {
  return `k8s_${part(container.name)}_${part(pod.name)}_${part(pod.namespace)}_${part(pod.uid)}_${container.attempt}`;
}
