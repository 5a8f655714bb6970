// Static pods and their mirror pods, as both sides of the API see them. The kubelet's
// annotations (pkg/kubelet/types): a static pod carries its source, its manifest hash
// (which is also its UID) and when it was first seen; its mirror pod in the API carries the
// same hash as config.mirror, and a UID of its own.

import type { Pod } from './types.js';

export const CONFIG_SOURCE_ANNOTATION = 'kubernetes.io/config.source';
export const CONFIG_HASH_ANNOTATION = 'kubernetes.io/config.hash';
export const CONFIG_SEEN_ANNOTATION = 'kubernetes.io/config.seen';
export const CONFIG_MIRROR_ANNOTATION = 'kubernetes.io/config.mirror';

export function isMirrorPod(pod: Pod): boolean {
  return pod.metadata?.annotations?.[CONFIG_MIRROR_ANNOTATION] !== undefined;
}

/**
 * The UID the node's containers are labelled with: a mirror pod's containers belong to its
 * static pod, whose UID is the manifest hash the mirror carries.
 */
export function runtimePodUid(pod: Pod): string {
  return pod.metadata?.annotations?.[CONFIG_MIRROR_ANNOTATION] || (pod.metadata?.uid ?? '');
}
