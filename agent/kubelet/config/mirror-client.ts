// Mirror pods: how a static pod shows in the API (the kubelet's mirror_client.go). A mirror
// is a copy of the static pod carrying the config.mirror annotation and a controller
// reference to this Node, so the garbage collector removes it with the Node and no
// workload controller adopts it. The API server gives it its own UID; the static pod and
// its mirror are matched by namespace/name and the manifest hash.

import { isAlreadyExists, isConflict, isNotFound } from '../../../api/errors.js';
import type { ApiClient } from '../../../api/client.js';
import { resources } from '../../../api/resources.js';
import type { Node, Pod } from '../../../api/types.js';
import { CONFIG_HASH_ANNOTATION, CONFIG_MIRROR_ANNOTATION } from './static-pod.js';

export class MirrorClient {
  constructor(
    private readonly client: ApiClient,
    private readonly nodeName: string,
  ) {}

  /**
   * Creates the mirror of a static pod. Returns false when there is no Node to own it
   * (not registered yet, or being deleted): the kubelet then creates no mirror either.
   */
  async createMirrorPod(pod: Pod): Promise<boolean> {
    // Read the Node each time: a Node deleted and registered again has a new UID, and a
    // mirror owned by the old one would be collected as soon as it was made.
    let node: Node;
    try {
      node = await this.client.get<Node>(resources.nodes, this.nodeName);
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
    if (node.metadata.deletionTimestamp) return false;
    const hash = pod.metadata.annotations?.[CONFIG_HASH_ANNOTATION] ?? '';
    const { uid: _uid, resourceVersion: _rv, ...meta } = pod.metadata;
    const mirror: Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        ...meta,
        annotations: { ...(pod.metadata.annotations ?? {}), [CONFIG_MIRROR_ANNOTATION]: hash },
        ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: this.nodeName, uid: node.metadata.uid!, controller: true }],
      },
      spec: structuredClone(pod.spec),
    };
    try {
      await this.client.create(resources.pods, mirror);
    } catch (err) {
      // One with this name is there already: the next sync compares its hash.
      if (!isAlreadyExists(err)) throw err;
    }
    return true;
  }

  /** Deletes a mirror pod at once (grace 0), only if it is still the one with this UID. */
  async deleteMirrorPod(mirror: Pod): Promise<void> {
    try {
      await this.client.delete(resources.pods, mirror.metadata.name!, mirror.metadata.namespace, { gracePeriodSeconds: 0, preconditions: { uid: mirror.metadata.uid! } });
    } catch (err) {
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
  }
}
