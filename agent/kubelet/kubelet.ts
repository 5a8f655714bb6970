// The kubelet's sync loop: it only dispatches. Pod changes from the API watch, runtime
// events and the PLEG's relist, and a periodic resync all end up as "sync pod X" for the
// pod's worker; the work itself is syncPod / killPod. Until the first list of this node's
// pods has arrived nothing is killed, so a restarted agent adopts what is running instead
// of mistaking it for orphans.

import type { Logger } from 'pino';
import type { ApiClient } from '../../api/client.js';
import { Informer } from '../../api/informer.js';
import { resources } from '../../api/resources.js';
import type { Node, Pod } from '../../api/types.js';
import { LABEL_POD_UID, type ContainerRuntime } from '../runtime/runtime.js';
import { StaticPods } from './config/static-pods.js';
import { isMirrorPod, isStaticPod } from './config/static-pod.js';
import { Pleg } from './pleg.js';
import { ProberManager } from './prober/prober-manager.js';
import { PodWorkers } from './pod-workers.js';
import type { DnsSettings } from './pod-identity/dns.js';
import { PodIdentity } from './pod-identity/pod-identity.js';
import { StatusManager } from './status-manager.js';
import { isCriticalPod, NODE_SHUTDOWN_MESSAGE, NODE_SHUTDOWN_REASON } from '../node/node-shutdown.js';
import { metaTime } from '../../api/time.js';
import { PodSyncer, type EventRecorder } from './sync-pod.js';
import type { ImagePuller } from '../images/image-puller.js';
import { ConfigObjectCache, type ConfigObjectKind, type ConfigObjects } from './volumes/config-objects.js';
import { referencesObject } from './volumes/references.js';
import { podDir } from './volumes/paths.js';
import { VolumeManager } from './volumes/volume-manager.js';

export interface KubeletOptions {
  client: ApiClient;
  runtime: ContainerRuntime;
  nodeName: string;
  hostIP: string;
  logger: Logger;
  record: EventRecorder;
  /** The agent's data dir: pod volumes live under <dataDir>/pods/<uid>/volumes. */
  dataDir: string;
  /** How often every pod is synced even without events. */
  resyncMs?: number;
  /** How often the PLEG relists the runtime. */
  relistMs?: number;
  /** Builds the image puller on the kubelet's Secret cache (pull secrets); none: pulls without credentials. */
  imagePuller?: (objects: ConfigObjects) => ImagePuller;
  /** --pod-manifest-path: static pods; none: no static pods. */
  podManifestPath?: string | undefined;
  /** --cluster-dns, --cluster-domain, --resolv-conf: pods' resolv.conf, hostname domain and /etc/hosts. */
  dns: DnsSettings;
}

/**
 * Every pod is synced at least this often (the kubelet's --sync-frequency, 1 minute).
 * Changes arrive sooner through the API watch, runtime events, the PLEG relist, probe
 * results and backoff timers; this only catches what all of those missed. At 10 s it cost
 * an idle agent with 30 pods about 1 % of a core in Docker calls.
 */
const RESYNC_MS = 60_000;

export class Kubelet {
  private readonly informer: Informer<Pod>;
  private readonly workers: PodWorkers<Pod | undefined>;
  private readonly statusManager: StatusManager;
  private readonly objects: ConfigObjectCache;
  private readonly volumes: VolumeManager;
  private syncer!: PodSyncer;
  private prober!: ProberManager;
  private allocatable: Record<string, string> | undefined;
  /** The last pod object seen for each uid (kept after API deletion until it is killed). */
  private readonly pods = new Map<string, Pod>();
  /** Pods the eviction manager chose, with the message their status will carry. */
  private readonly evictions = new Map<string, string>();
  private readonly staticPods: StaticPods;
  /** Set once the node is shutting down: no pod is synced (so none restarts) again. */
  private shuttingDown = false;

  constructor(private readonly options: KubeletOptions) {
    this.informer = new Informer<Pod>(options.client, resources.pods, {
      fieldSelector: `spec.nodeName=${options.nodeName}`,
      logger: options.logger,
    });
    this.statusManager = new StatusManager(options.client, options.logger.child({ component: 'status-manager' }));
    this.workers = new PodWorkers<Pod | undefined>(
      (uid, pod) => this.syncPod(uid, pod),
      (uid, err) => options.logger.warn({ uid, err: (err as Error).message }, 'pod sync failed'),
    );
    this.objects = new ConfigObjectCache(options.client, options.logger, (kind, ns, name) => this.onConfigObjectChange(kind, ns, name));
    this.volumes = new VolumeManager({ dataDir: options.dataDir, objects: this.objects, logger: options.logger.child({ component: 'volume-manager' }) });
    this.staticPods = new StaticPods({
      client: options.client,
      nodeName: options.nodeName,
      logger: options.logger.child({ component: 'static-pods' }),
      manifestPath: options.podManifestPath,
      host: {
        update: (uid, pod) => {
          if (pod) this.pods.set(uid, pod);
          this.workers.update(uid, pod);
        },
        poke: (uid) => this.workers.poke(uid),
        apiSynced: () => this.informer.hasSynced(),
        setStatus: (mirror, status) => this.statusManager.setStatus(mirror, status),
        forgetStatus: (uid) => this.statusManager.forget(uid),
        reportInvalid: (file, message) =>
          options.record({ apiVersion: 'v1', kind: 'Node', metadata: { name: options.nodeName, uid: options.nodeName } } as unknown as Pod, 'Warning', 'InvalidStaticPodManifest', `Could not process manifest file "${file}": ${message}`),
      },
    });
    this.informer.addHandlers({
      onAdd: (pod) => this.onPodUpdate(pod),
      onUpdate: (_old, pod) => this.onPodUpdate(pod),
      onDelete: (pod) => this.onPodDelete(pod),
    });
  }

  private onPodUpdate(pod: Pod): void {
    if (isMirrorPod(pod)) return this.staticPods.onMirrorUpdate(pod); // never run: its static pod runs
    const uid = pod.metadata.uid!;
    const previous = this.pods.get(uid);
    this.pods.set(uid, pod);
    // As the kubelet's config source: a change of status alone (most often our own write
    // coming back) is no reason to sync. Syncing on it made every status write a sync, so a
    // container that fails to be created retried in a tight loop instead of after its backoff.
    if (previous && this.workers.has(uid) && sameDesiredState(previous, pod)) {
      this.workers.setDesired(uid, pod);
      this.statusManager.observe(pod);
      return;
    }
    this.workers.update(uid, pod);
  }

  /** A ConfigMap or Secret changed: sync the pods that read it (volumes follow, env waits end). */
  private onConfigObjectChange(kind: ConfigObjectKind, namespace: string, name: string): void {
    if (!this.informer.hasSynced()) return;
    for (const [uid, pod] of this.pods) {
      if (this.workers.has(uid) && referencesObject(pod, kind, namespace, name)) this.workers.poke(uid);
    }
  }

  private onPodDelete(pod: Pod): void {
    if (isMirrorPod(pod)) return this.staticPods.onMirrorDelete(pod); // recreated, the static pod untouched
    this.evictions.delete(pod.metadata.uid ?? '');
    // Deleted from the API (forced, or after we finished it): make sure nothing is left.
    this.workers.update(pod.metadata.uid!, undefined);
  }

  async run(signal: AbortSignal): Promise<void> {
    const { runtime, logger } = this.options;
    const version = await runtime.version();
    // A changed probe result is a reason to sync the pod now: its status (ready) or its
    // containers (liveness kill) must follow promptly.
    this.prober = new ProberManager(runtime, this.options.record, (uid) => this.workers.poke(uid));
    this.syncer = new PodSyncer({
      prober: this.prober,
      allocatable: () => this.allocatable,
      volumes: this.volumes,
      objects: this.objects,
      ...(this.options.imagePuller ? { images: this.options.imagePuller(this.objects) } : {}),
      identity: new PodIdentity({ ...this.options.dns, podDir: (uid) => podDir(this.options.dataDir, uid) }),
      runtime,
      nodeName: this.options.nodeName,
      hostIP: this.options.hostIP,
      scheme: version.scheme,
      logger,
      record: this.options.record,
    });
    const pleg = new Pleg(runtime, logger.child({ component: 'pleg' }), this.options.relistMs ?? 1_000);
    pleg.onPodChanged((uid) => {
      if (this.workers.has(uid)) this.workers.poke(uid);
      else if (this.informer.hasSynced()) this.workers.update(uid, undefined); // an orphan: its pod is not ours (any more)
    });
    // Static pods start before (and without) the API: their manifests are read first, so
    // their containers are never taken for orphans, and the PLEG restarts them while the
    // control server is away.
    const staticDone = (await this.staticPods.start(signal)).done;
    const plegDone = pleg.run(signal);
    const informerDone = this.informer.run(signal);
    const statusDone = this.statusManager.run(signal);
    const objectsDone = this.objects.run(signal);
    // Pods are synced only once ConfigMaps and Secrets are listed too: before that, a
    // missing one would be reported that merely has not arrived yet.
    await Promise.race([Promise.all([this.informer.synced, this.objects.synced]), stopped(signal)]);
    if (signal.aborted) return this.finish([informerDone, statusDone, objectsDone, plegDone, staticDone]);
    await this.readAllocatable();
    logger.info({ pods: this.informer.list().length }, 'pods listed, starting pod workers');
    await this.cleanupOrphanedPodDirs();
    // Orphans are judged only now: the PLEG reports every pod once more.
    pleg.resync();
    // Mirror pods can be made (or found) now, and those left by removed manifests go.
    this.staticPods.uids().forEach((uid) => this.workers.poke(uid));
    void this.staticPods.cleanupOrphanedMirrorPods();
    const resync = setInterval(() => {
      this.workers.keys().forEach((uid) => this.workers.poke(uid));
      void this.staticPods.cleanupOrphanedMirrorPods();
    }, this.options.resyncMs ?? RESYNC_MS);
    resync.unref();
    await stopped(signal);
    clearInterval(resync);
    await this.finish([informerDone, statusDone, plegDone, objectsDone, staticDone]);
  }

  /**
   * Pod directories (volumes) whose pod is no longer bound here, e.g. deleted while the
   * agent was down: their pods are killed like orphans, which tears the volumes down.
   */
  private async cleanupOrphanedPodDirs(): Promise<void> {
    const bound = new Set(this.informer.list().map((p) => p.metadata.uid));
    for (const uid of await this.volumes.podUids().catch(() => [])) {
      if (!bound.has(uid) && !this.workers.has(uid)) this.workers.update(uid, undefined);
    }
  }

  /** Read once at start: the node's allocatable only changes when the agent restarts. */
  private async readAllocatable(): Promise<void> {
    try {
      const node = await this.options.client.get<Node>(resources.nodes, this.options.nodeName);
      this.allocatable = node.status?.allocatable;
    } catch (err) {
      this.options.logger.warn({ err: (err as Error).message }, 'could not read node allocatable');
    }
  }

  private async finish(loops: Promise<unknown>[]): Promise<void> {
    await Promise.allSettled(loops);
    // Pods keep running across an agent restart; only in-flight syncs are waited for.
    await this.workers.drain();
  }

  /** Pods bound here that still run: what eviction may choose from. */
  activePods(): Pod[] {
    // Mirror pods are not evicted: their static pods are critical, as the kubelet's are.
    return this.informer
      .list()
      .filter((p) => !isMirrorPod(p) && !p.metadata.deletionTimestamp && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed' && !this.evictions.has(p.metadata.uid ?? ''));
  }

  /** Hard eviction: the pod's containers are killed at once and it ends Failed/Evicted. */
  async evictPod(pod: Pod, message: string): Promise<void> {
    const uid = pod.metadata.uid!;
    this.evictions.set(uid, message);
    this.options.record(pod, 'Warning', 'Evicted', message);
    this.workers.poke(uid);
  }

  /**
   * Node shutdown: stops every pod of one class (critical or not) within graceSeconds and
   * records it Failed with the kubelet's reason, as the kubelet's shutdown manager does.
   * From the first call on, no pod is synced again, so nothing is restarted meanwhile.
   */
  async stopPodsForShutdown(critical: boolean, graceSeconds: number): Promise<void> {
    this.shuttingDown = true;
    await this.workers.drain();
    const pods = [...this.pods.values()].filter((p) => !isMirrorPod(p) && isCriticalPod(p) === critical && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed');
    await Promise.all(
      pods.map(async (pod) => {
        const uid = pod.metadata.uid!;
        this.prober.removePod(uid);
        await this.syncer.killPod(uid, Math.min(pod.spec.terminationGracePeriodSeconds ?? 30, graceSeconds), pod);
        if (isStaticPod(pod)) return;
        const now = metaTime();
        const conditions = [
          ...(pod.status?.conditions ?? []).filter((c) => c.type !== 'DisruptionTarget' && c.type !== 'Ready' && c.type !== 'ContainersReady'),
          { type: 'Ready', status: 'False', lastProbeTime: null, lastTransitionTime: now },
          { type: 'ContainersReady', status: 'False', lastProbeTime: null, lastTransitionTime: now },
          { type: 'DisruptionTarget', status: 'True', reason: 'TerminationByKubelet', message: NODE_SHUTDOWN_MESSAGE, lastProbeTime: null, lastTransitionTime: now },
        ] as NonNullable<NonNullable<Pod['status']>['conditions']>;
        this.statusManager.setStatus(pod, { ...(pod.status ?? {}), phase: 'Failed', reason: NODE_SHUTDOWN_REASON, message: NODE_SHUTDOWN_MESSAGE, conditions });
      }),
    );
    await this.statusManager.flush(5_000);
  }

  private async syncPod(uid: string, pod: Pod | undefined): Promise<{ requeueAfterMs?: number } | void> {
    const { logger } = this.options;
    if (this.shuttingDown) return;
    if (!pod) {
      const last = this.pods.get(uid);
      const grace = last?.metadata.deletionGracePeriodSeconds ?? last?.spec.terminationGracePeriodSeconds ?? 30;
      logger.info({ uid, pod: last ? `${last.metadata.namespace}/${last.metadata.name}` : undefined }, 'removing pod no longer bound to this node');
      this.prober.removePod(uid);
      await this.syncer.killPod(uid, grace, last);
      if (last && isStaticPod(last)) await this.staticPods.podRemoved(last);
      this.pods.delete(uid);
      this.statusManager.forget(uid);
      this.workers.forget(uid);
      return;
    }
    if (pod.metadata.deletionTimestamp) {
      const grace = remainingGrace(pod, Date.now());
      this.prober.removePod(uid);
      await this.syncer.killPod(uid, grace, pod);
      const status = { ...(pod.status ?? {}) };
      this.statusManager.finishDeletion(pod, status);
      return;
    }
    const evicted = this.evictions.get(uid) ?? (pod.status?.phase === 'Failed' && pod.status.reason === 'Evicted' ? (pod.status.message ?? '') : undefined);
    if (evicted !== undefined) {
      // A finished pod in the syncer's eyes: its sandbox (and with it every container) is
      // stopped now, containers are kept for logs, volumes given back; never restarted.
      this.prober.removePod(uid);
      const result = await this.syncer.syncPod({ ...pod, status: { ...(pod.status ?? {}), phase: 'Failed' } });
      this.statusManager.setStatus(pod, { ...result.status, phase: 'Failed', reason: 'Evicted', message: evicted });
      return;
    }
    this.prober.adopt(pod);
    const result = await this.syncer.syncPod(pod);
    const apiPhase = pod.status?.phase;
    if ((apiPhase === 'Succeeded' || apiPhase === 'Failed') && result.status.phase !== 'Succeeded' && result.status.phase !== 'Failed') {
      // A terminal phase never goes back, as the kubelet's status manager refuses it: a pod
      // that ended (its containers since removed, e.g. by a node shutdown) keeps the status
      // it ended with instead of reading as Pending.
      result.status = pod.status!;
    }
    const s = result.status;
    const phase = s.phase;
    if (phase === 'Succeeded' || phase === 'Failed') this.prober.removePod(uid);
    else this.prober.observe(pod, s.podIP ?? '', [...(s.initContainerStatuses ?? []), ...(s.containerStatuses ?? [])]);
    let requeueAfterMs = result.requeueAfterMs;
    if (isStaticPod(pod)) {
      const retry = await this.staticPods.syncMirrorPod(pod, s);
      if (retry !== undefined) requeueAfterMs = Math.min(requeueAfterMs ?? retry, retry);
    } else this.statusManager.setStatus(pod, s);
    return requeueAfterMs !== undefined ? { requeueAfterMs } : undefined;
  }

  /** Pod uids the runtime has containers for (for the PLEG's orphan check). */
  static podUidOf(labels: Record<string, string>): string | undefined {
    return labels[LABEL_POD_UID];
  }
}

/**
 * The grace period left for a pod being deleted. deletionTimestamp is when it runs out, so
 * an agent restarted in the middle of a termination does not start the full period over;
 * one second of slack covers the timestamp's truncation to whole seconds.
 */
export function remainingGrace(pod: Pod, nowMs: number): number {
  const full = pod.metadata.deletionGracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 30;
  const deadline = pod.metadata.deletionTimestamp ? Date.parse(pod.metadata.deletionTimestamp) : NaN;
  if (!Number.isFinite(deadline)) return full;
  return Math.max(0, Math.min(full, Math.ceil((deadline - nowMs) / 1000) + 1));
}

function stopped(signal: AbortSignal): Promise<void> {
  return new Promise((r) => (signal.aborted ? r() : signal.addEventListener('abort', () => r(), { once: true })));
}

/** The same pod to run: spec and metadata equal apart from what every write changes. */
function sameDesiredState(a: Pod, b: Pod): boolean {
  const meta = (p: Pod) => {
    const { resourceVersion: _rv, managedFields: _mf, ...rest } = p.metadata as Pod['metadata'] & { managedFields?: unknown };
    return rest;
  };
  return JSON.stringify(meta(a)) === JSON.stringify(meta(b)) && JSON.stringify(a.spec) === JSON.stringify(b.spec);
}
