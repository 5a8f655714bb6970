// The agent's image management in one place: the puller the kubelet's pod workers use
// (pull secrets from the kubelet's Secret cache, the ServiceAccount's as a fallback,
// progress events) and the image garbage collector that learns from it which images were
// used last. agent.ts builds this once; the kubelet hands the puller its Secret cache.

import type { Logger } from 'pino';
import type { ApiClient } from '../../api/client.js';
import { ApiError } from '../../api/errors.js';
import { resources } from '../../api/resources.js';
import type { ServiceAccount } from '../../api/service-types.js';
import type { KubeObject } from '../../api/types.js';
import type { ConfigObjects } from '../kubelet/volumes/config-objects.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import { DEFAULT_IMAGE_GC_POLICY, ImageGCManager, type ImageGCPolicy } from './image-gc-manager.js';
import { ImagePuller, type EventRecorder } from './image-puller.js';
import { DEFAULT_PULL_PROGRESS_INTERVAL_MS, PullProgressEvents, apiProgressSink } from './pull-progress-events.js';

/** How long a pull waits for a pull Secret the cache has not listed yet. */
const SECRET_WAIT_MS = 3_000;

export interface ImageOptions {
  gc: ImageGCPolicy;
  /** Least time between two writes of a pull's progress event. */
  pullProgressIntervalMs: number;
}

export const DEFAULT_IMAGE_OPTIONS: ImageOptions = { gc: DEFAULT_IMAGE_GC_POLICY, pullProgressIntervalMs: DEFAULT_PULL_PROGRESS_INTERVAL_MS };

export interface ImageManagement {
  gc: ImageGCManager;
  /** A puller reading pull secrets from the kubelet's cache. */
  puller(objects: ConfigObjects): ImagePuller;
}

export function createImageManagement(o: {
  client: ApiClient;
  runtime: ContainerRuntime;
  nodeName: string;
  record: (obj: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string) => void;
  logger: Logger;
  options?: ImageOptions | undefined;
}): ImageManagement {
  const options = o.options ?? DEFAULT_IMAGE_OPTIONS;
  // Node events carry the node's name as its uid, as the kubelet's nodeRef does.
  const nodeRef: KubeObject = { apiVersion: 'v1', kind: 'Node', metadata: { name: o.nodeName, uid: o.nodeName } };
  const gc = new ImageGCManager({
    runtime: o.runtime,
    policy: options.gc,
    record: (type, reason, message) => o.record(nodeRef, type, reason, message),
    logger: o.logger.child({ component: 'image-gc' }),
  });
  const progress = new PullProgressEvents(apiProgressSink(o.client, { component: 'kubelet', host: o.nodeName }), options.pullProgressIntervalMs, Date.now, o.logger);
  const serviceAccountPullSecrets = async (namespace: string, name: string): Promise<string[]> => {
    try {
      const sa = await o.client.get<ServiceAccount>(resources.serviceaccounts, name, namespace);
      return (sa.imagePullSecrets ?? []).map((r) => r.name ?? '').filter(Boolean);
    } catch (err) {
      if (err instanceof ApiError && err.code === 404) return [];
      throw err;
    }
  };
  const record: EventRecorder = (pod, type, reason, message) => o.record(pod, type, reason, message);
  // The kubelet's cache starts watching a Secret the first time it is asked for and answers
  // "not there" until that watch has listed; the kubelet's secret manager waits for its
  // watch instead, and so does this, for a while, before pulling without the Secret.
  const secret = async (objects: ConfigObjects, namespace: string, name: string) => {
    const deadline = Date.now() + SECRET_WAIT_MS;
    for (;;) {
      const s = objects.secret(namespace, name);
      if (s || Date.now() >= deadline) return s;
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  return {
    gc,
    puller: (objects) =>
      new ImagePuller({
        runtime: o.runtime,
        record,
        secret: (ns, name) => secret(objects, ns, name),
        serviceAccountPullSecrets,
        progress,
        onImageUsed: (id) => gc.markUsed(id),
      }),
  };
}
