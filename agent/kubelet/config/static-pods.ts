// Static pods in the kubelet: the file source's pods are handed to the pod workers like
// any other pod (so they crash-loop, back off and restart the same way), and each one is
// kept mirrored in the API. None of it needs the control server: the manifests are read
// before the API is listed and the pods run while it is away; mirror pods and their
// status catch up once it answers again.
//
// Mirror upkeep follows the kubelet's syncPod: a mirror marked for deletion or with a
// stale hash is deleted (deleting a mirror through the API never stops its static pod)
// and a missing one is created; a mirror without a static pod is deleted.

import type { Logger } from 'pino';
import type { ApiClient } from '../../../api/client.js';
import type { Pod, PodStatus } from '../../../api/types.js';
import { FileSource } from './file-source.js';
import { MirrorClient } from './mirror-client.js';
import { isMirrorPodOf, podFullName } from './static-pod.js';

/** What the static pods need from the kubelet. */
export interface StaticPodHost {
  /** New desired state for the pod's worker (undefined: the pod is gone). */
  update(uid: string, pod: Pod | undefined): void;
  poke(uid: string): void;
  /** The API's pods (and so its mirror pods) have been listed at least once. */
  apiSynced(): boolean;
  /** Status for the API, written to the mirror pod. */
  setStatus(mirror: Pod, status: PodStatus): void;
  forgetStatus(mirrorUid: string): void;
  /** A manifest that cannot be run. */
  reportInvalid(file: string, message: string): void;
}

export interface StaticPodsOptions {
  client: ApiClient;
  nodeName: string;
  logger: Logger;
  /** --pod-manifest-path; none: no static pods (and every mirror pod of this node is an orphan). */
  manifestPath?: string | undefined;
  host: StaticPodHost;
  fileCheckMs?: number;
}

/** After a failed mirror write (control server away), try again this soon. */
const MIRROR_RETRY_MS = 5_000;

export class StaticPods {
  private readonly source: FileSource | undefined;
  private readonly mirrorClient: MirrorClient;
  /** uid → static pod. */
  private readonly pods = new Map<string, Pod>();
  /** namespace/name → the mirror pod the API has (from the kubelet's pod informer). */
  private readonly mirrors = new Map<string, Pod>();

  constructor(private readonly o: StaticPodsOptions) {
    this.mirrorClient = new MirrorClient(o.client, o.nodeName);
    if (o.manifestPath) {
      this.source = new FileSource({
        path: o.manifestPath,
        nodeName: o.nodeName,
        logger: o.logger,
        onInvalid: (file, message) => o.host.reportInvalid(file, message),
        ...(o.fileCheckMs ? { periodMs: o.fileCheckMs } : {}),
      });
      this.source.onUpdate((pods) => this.setPods(pods));
    }
  }

  /** Reads the manifests once (their pods start now), then keeps watching. */
  async start(signal: AbortSignal): Promise<{ done: Promise<void> }> {
    if (!this.source) return { done: Promise.resolve() };
    return this.source.start(signal);
  }

  has(uid: string): boolean {
    return this.pods.has(uid);
  }

  uids(): string[] {
    return [...this.pods.keys()];
  }

  private setPods(pods: Pod[]): void {
    const next = new Map(pods.map((p) => [p.metadata.uid!, p]));
    for (const uid of [...this.pods.keys()]) {
      if (next.has(uid)) continue;
      this.pods.delete(uid);
      this.o.host.update(uid, undefined);
    }
    for (const [uid, pod] of next) {
      if (this.pods.has(uid) && JSON.stringify(this.pods.get(uid)) === JSON.stringify(pod)) continue;
      this.pods.set(uid, pod);
      this.o.host.update(uid, pod);
    }
    void this.cleanupOrphanedMirrorPods();
  }

  private pokeNamed(fullName: string): void {
    for (const [uid, pod] of this.pods) if (podFullName(pod) === fullName) this.o.host.poke(uid);
  }

  onMirrorUpdate(mirror: Pod): void {
    const name = podFullName(mirror);
    this.mirrors.set(name, mirror);
    if ([...this.pods.values()].some((p) => podFullName(p) === name)) this.pokeNamed(name);
    else if (this.o.host.apiSynced()) void this.cleanupOrphanedMirrorPods();
  }

  onMirrorDelete(mirror: Pod): void {
    const name = podFullName(mirror);
    if (this.mirrors.get(name)?.metadata.uid === mirror.metadata.uid) this.mirrors.delete(name);
    this.o.host.forgetStatus(mirror.metadata.uid!);
    this.pokeNamed(name);
  }

  /**
   * After a sync of a static pod: its mirror is made to match it, and gets its status.
   * Returns how soon to sync again when the API could not be reached.
   */
  async syncMirrorPod(pod: Pod, status: PodStatus): Promise<number | undefined> {
    let mirror = this.mirrors.get(podFullName(pod));
    try {
      if (mirror && (mirror.metadata.deletionTimestamp || !isMirrorPodOf(mirror, pod))) {
        this.o.logger.info({ pod: podFullName(pod), mirror: mirror.metadata.uid, deleting: !!mirror.metadata.deletionTimestamp }, 'replacing mirror pod');
        await this.mirrorClient.deleteMirrorPod(mirror);
        mirror = undefined;
      }
      if (!mirror) {
        // Before the first list we cannot know whether a mirror exists: the informer's
        // sync pokes every static pod.
        if (!this.o.host.apiSynced()) return undefined;
        this.o.logger.info({ pod: podFullName(pod) }, 'creating mirror pod');
        return (await this.mirrorClient.createMirrorPod(pod)) ? undefined : MIRROR_RETRY_MS;
      }
      this.o.host.setStatus(mirror, status);
      return undefined;
    } catch (err) {
      this.o.logger.debug({ pod: podFullName(pod), err: (err as Error).message }, 'mirror pod not updated');
      return MIRROR_RETRY_MS;
    }
  }

  /** The static pod was removed and its containers are gone: so goes its mirror. */
  async podRemoved(pod: Pod): Promise<void> {
    const mirror = this.mirrors.get(podFullName(pod));
    if (!mirror || !isMirrorPodOf(mirror, pod)) return;
    await this.mirrorClient.deleteMirrorPod(mirror).catch((err) => this.o.logger.debug({ pod: podFullName(pod), err: (err as Error).message }, 'mirror pod not deleted yet'));
  }

  /** Mirror pods with no static pod of their name (housekeeping; retried on every resync). */
  async cleanupOrphanedMirrorPods(): Promise<void> {
    if (!this.o.host.apiSynced()) return;
    const names = new Set([...this.pods.values()].map(podFullName));
    for (const [name, mirror] of this.mirrors) {
      if (names.has(name)) continue;
      this.o.logger.info({ pod: name }, 'deleting orphaned mirror pod');
      await this.mirrorClient.deleteMirrorPod(mirror).catch((err) => this.o.logger.debug({ pod: name, err: (err as Error).message }, 'orphaned mirror pod not deleted yet'));
    }
  }
}
