// syncPod and killPod: the kubelet's per-pod reconcile (kuberuntime_manager.go's
// computePodActions + SyncPod). Level-triggered: each call looks at what the runtime has
// for the pod now and does the next steps toward the spec; calling it twice is harmless.
// Restart counts and backoff are derived from the containers themselves (annotations and
// timestamps), so a restarted agent carries on exactly where the previous one stopped.

import type { Logger } from 'pino';
import type { Container, Pod, PodStatus, RestartPolicy } from '../../api/types.js';
import { ImagePuller } from '../images/image-puller.js';
import { RuntimeError } from '../runtime/errors.js';
import { LABEL_POD_UID, type ContainerConfig, type ContainerRuntime, type ContainerStatus, type PodSandbox, type PodSandboxConfig } from '../runtime/runtime.js';
import { ContainerConfigError, containerConfig, sandboxConfig, type PodContext } from './container-config.js';
import { POST_START_TIMEOUT_SECONDS, runHook } from './lifecycle-hooks.js';
import { isHostNetwork, type PodIdentity } from './pod-identity/pod-identity.js';
import { attemptsOf, computePodStatus, restartCountOf, type ContainerWaiting, type ObservedPod } from './pod-status.js';
import type { ProberManager } from './prober/prober-manager.js';
import { lifecycleOf, probeOf } from './prober/probe-types.js';
import type { ConfigObjects } from './volumes/config-objects.js';
import { containerMounts } from './volumes/container-mounts.js';
import { PodVolumesError, type PodVolumes, type VolumeManager } from './volumes/volume-manager.js';

export type EventRecorder = (pod: Pod, type: 'Normal' | 'Warning', reason: string, message: string) => void;

export interface SyncContext {
  runtime: ContainerRuntime;
  nodeName: string;
  hostIP: string;
  scheme: string;
  logger: Logger;
  record: EventRecorder;
  /** Probe results (ready, started, liveness failures); none means no probes run. */
  prober?: ProberManager;
  /** The node's allocatable resources (for resourceFieldRef of containers without limits). */
  allocatable?: () => Record<string, string> | undefined;
  /** Prepares pod volumes before containers start; none means pods get no volumes. */
  volumes?: VolumeManager;
  /** ConfigMaps and Secrets for env (configMapKeyRef, secretKeyRef, envFrom). */
  objects?: ConfigObjects;
  /** Pulls images (policy, back-off, pull secrets, events); none: one without credentials. */
  images?: ImagePuller;
  /** Hostname, DNS and /etc/hosts of pods; none: the runtime's defaults. */
  identity?: PodIdentity;
  now?: () => Date;
}

/** A pod whose volumes failed is tried again after 0.5 s, doubling to about 2 min (as the kubelet's mount retries). */
const VOLUME_RETRY_INITIAL_MS = 500;
const VOLUME_RETRY_MAX_MS = 122_000;

export interface SyncResult {
  status: PodStatus;
  /** Sync again after this long (a backoff ends), if set. */
  requeueAfterMs?: number;
}

/** CrashLoopBackOff: 10 s doubling to 5 min; a container that ran 10 min cleanly resets it. */
export const BACKOFF_INITIAL_MS = 10_000;
export const BACKOFF_MAX_MS = 300_000;
export const BACKOFF_RESET_MS = 600_000;

export function restartBackoffMs(restartCount: number, ranMs: number): number {
  if (restartCount === 0 || ranMs >= BACKOFF_RESET_MS) return 0;
  return Math.min(BACKOFF_INITIAL_MS * 2 ** (restartCount - 1), BACKOFF_MAX_MS);
}

type ContainerKind = 'init' | 'sidecar' | 'app';
type ContainerSyncState = 'running' | 'waiting' | 'completed' | 'failed';

interface ContainerStep {
  pod: Pod;
  sandbox: PodSandbox;
  containers: ContainerStatus[];
  podIP: string;
  waiting: Map<string, ContainerWaiting>;
  requeue: (ms: number) => void;
  log: Logger;
  volumes: PodVolumes;
}

/** The kubelet never gives SIGTERM less than this after a preStop hook ate the grace period. */
const MIN_GRACE_SECONDS = 2;

export function isSidecar(c: Container): boolean {
  return c['restartPolicy'] === 'Always';
}

/** Init containers retry on failure unless the pod says Never; sidecars always restart. */
function containerRestartPolicy(pod: Pod, kind: ContainerKind): RestartPolicy {
  const policy = pod.spec.restartPolicy ?? 'Always';
  if (kind === 'sidecar') return 'Always';
  if (kind === 'init') return policy === 'Never' ? 'Never' : 'OnFailure';
  return policy;
}

function shouldRestart(policy: RestartPolicy, c: ContainerStatus): boolean {
  if (policy === 'Always') return true;
  if (policy === 'OnFailure') return c.exitCode !== 0;
  return false;
}

function podRef(pod: Pod): string {
  return `${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})`;
}

export class PodSyncer {
  /** Consecutive volume setup failures per pod uid (the retry back-off). */
  private readonly mountFailures = new Map<string, number>();

  private readonly images: ImagePuller;

  constructor(private readonly ctx: SyncContext) {
    const now = ctx.now;
    this.images = ctx.images ?? new ImagePuller({ runtime: ctx.runtime, record: ctx.record, ...(now ? { now: () => now().getTime() } : {}) });
  }

  private now(): Date {
    return this.ctx.now?.() ?? new Date();
  }

  async sandboxesOf(uid: string): Promise<PodSandbox[]> {
    const list = await this.ctx.runtime.listPodSandbox({ labelSelector: { [LABEL_POD_UID]: uid } });
    return list.sort((a, b) => b.metadata.attempt - a.metadata.attempt);
  }

  async containersOf(uid: string): Promise<ContainerStatus[]> {
    const list = await this.ctx.runtime.listContainers({ labelSelector: { [LABEL_POD_UID]: uid } });
    const out: ContainerStatus[] = [];
    for (const c of list) {
      try {
        out.push(await this.ctx.runtime.containerStatus(c.id));
      } catch (err) {
        if ((err as RuntimeError).code !== 'NotFound') throw err;
      }
    }
    return out;
  }

  async syncPod(pod: Pod): Promise<SyncResult> {
    const { runtime, logger } = this.ctx;
    const uid = pod.metadata.uid!;
    const log = logger.child({ pod: `${pod.metadata.namespace}/${pod.metadata.name}` });
    const waiting = new Map<string, ContainerWaiting>();
    let requeueAfterMs: number | undefined;
    const requeue = (ms: number) => (requeueAfterMs = requeueAfterMs === undefined ? ms : Math.min(requeueAfterMs, ms));

    let containers = await this.containersOf(uid);
    const sandboxes = await this.sandboxesOf(uid);
    let sandbox = sandboxes.find((s) => s.state === 'ready');
    const finished = this.isFinished(pod, containers);

    if (finished) {
      // Nothing will run again: release the sandbox (and its IP), keep containers for logs,
      // give back the volumes (a Memory emptyDir holds RAM), as the kubelet does.
      for (const s of sandboxes.filter((s) => s.state === 'ready')) await runtime.stopPodSandbox(s.id);
      await this.ctx.volumes?.tearDownPod(uid);
      return { status: this.status(pod, containers, '', false, waiting) };
    }

    // Volumes are ready before anything starts (and refreshed on every sync, so configMap,
    // secret and downwardAPI files follow their sources). A volume that was never set up
    // stops the pod here, as the kubelet's WaitForAttachAndMount does; one that only failed
    // to refresh keeps its last contents. Both are FailedMount events.
    await this.ctx.objects?.register?.(pod);
    let volumes: PodVolumes = new Map();
    if (this.ctx.volumes) {
      try {
        const result = await this.ctx.volumes.setUpPod(pod, this.podContext(''));
        volumes = result.volumes;
        for (const f of result.failures) this.ctx.record(pod, 'Warning', 'FailedMount', `MountVolume.SetUp failed for volume "${f.volume}" : ${f.message}`);
        this.mountFailures.delete(uid);
      } catch (err) {
        if (!(err instanceof PodVolumesError)) throw err;
        for (const f of err.failures) this.ctx.record(pod, 'Warning', 'FailedMount', `MountVolume.SetUp failed for volume "${f.volume}" : ${f.message}`);
        log.info({ err: err.message }, 'volumes not ready');
        const failures = this.mountFailures.get(uid) ?? 0;
        this.mountFailures.set(uid, failures + 1);
        const podIP = sandbox ? this.podIPOf(pod, (await runtime.podSandboxStatus(sandbox.id)).ip) : '';
        return { status: this.status(pod, containers, podIP, !!sandbox, waiting), requeueAfterMs: Math.min(VOLUME_RETRY_INITIAL_MS * 2 ** failures, VOLUME_RETRY_MAX_MS) };
      }
    }

    if (!sandbox) {
      // First start, or the sandbox died: every container must start again in a new one.
      const attempt = sandboxes.length ? sandboxes[0]!.metadata.attempt + 1 : 0;
      let config: PodSandboxConfig;
      try {
        config = await this.podSandboxConfig(pod, attempt, true);
      } catch (err) {
        // An FQDN too long for the kernel, an unreadable --resolv-conf: as the kubelet, the
        // sandbox is not made and the pod says why.
        this.ctx.record(pod, 'Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${(err as Error).message}`);
        return { status: this.status(pod, containers, '', false, waiting), requeueAfterMs: BACKOFF_INITIAL_MS };
      }
      for (const c of containers.filter((c) => c.state === 'running')) await runtime.stopContainer(c.id, 0);
      for (const s of sandboxes) await runtime.removePodSandbox(s.id);
      if (sandboxes.length) log.info({ attempt }, 'sandbox changed, creating a new one');
      const id = await runtime.runPodSandbox(config);
      sandbox = (await this.sandboxesOf(uid)).find((s) => s.id === id);
      containers = await this.containersOf(uid);
      if (!sandbox) throw new RuntimeError('CreateFailed', 'sandbox vanished right after it was created');
    }
    const sandboxStatus = await runtime.podSandboxStatus(sandbox.id);
    const podIP = this.podIPOf(pod, sandboxStatus.ip);
    const step: ContainerStep = { pod, sandbox, containers, podIP, waiting, requeue, log, volumes };

    // Init containers run one at a time, in order, each to completion; a native sidecar
    // (restartPolicy Always) only has to be running before the next one starts. Once the
    // app containers exist in this sandbox the pod stays initialized: completed init
    // containers are never run again, sidecars are kept running.
    const initialized = pod.spec.containers.some((spec) => attemptsOf(containers, spec.name)[0]?.podSandboxId === sandbox!.id);
    let initDone = true;
    for (const spec of pod.spec.initContainers ?? []) {
      const sidecar = isSidecar(spec);
      if (initialized && !sidecar) continue;
      const state = await this.syncContainer(step, spec, sidecar ? 'sidecar' : 'init');
      if (initialized) continue;
      if (sidecar ? state === 'running' && this.started(spec, step) : state === 'completed') continue;
      initDone = false;
      break;
    }
    if (initDone) for (const spec of pod.spec.containers) await this.syncContainer(step, spec, 'app');
    containers = await this.containersOf(uid);
    return { status: this.status(pod, containers, podIP, true, waiting), ...(requeueAfterMs !== undefined ? { requeueAfterMs } : {}) };
  }

  /** A pod on the host's network has the node's IP (the runtime reports none for it). */
  private podIPOf(pod: Pod, sandboxIP: string): string {
    return sandboxIP || (isHostNetwork(pod) ? this.ctx.hostIP : '');
  }

  /** The pod's PodSandboxConfig with its identity; the DNS config (and its warnings) only when the sandbox is made. */
  private async podSandboxConfig(pod: Pod, attempt: number, withDns: boolean): Promise<PodSandboxConfig> {
    const config = sandboxConfig(pod, attempt);
    const identity = this.ctx.identity;
    if (!identity) return config;
    Object.assign(config, identity.sandbox(pod));
    if (withDns) config.dnsConfig = await identity.dnsConfig(pod, (p, reason, message) => this.ctx.record(p, 'Warning', reason, message));
    return config;
  }

  private podContext(podIP: string): PodContext {
    const ctx: PodContext = { nodeName: this.ctx.nodeName, hostIP: this.ctx.hostIP, podIP };
    const allocatable = this.ctx.allocatable?.();
    if (allocatable) ctx.allocatable = allocatable;
    if (this.ctx.objects) ctx.objects = this.ctx.objects;
    return ctx;
  }

  private started(spec: Container, step: ContainerStep): boolean {
    const latest = attemptsOf(step.containers, spec.name)[0];
    return !!latest && (this.ctx.prober?.isStarted(spec, latest.id) ?? true);
  }

  /**
   * One container's next step (computePodActions for a single container): start it if it
   * has never run in this sandbox, kill it if a liveness or startup probe failed, restart
   * it after an exit when its restart policy says so, once its back-off has passed.
   */
  private async syncContainer(step: ContainerStep, spec: Container, kind: ContainerKind): Promise<ContainerSyncState> {
    const { runtime } = this.ctx;
    const { pod, sandbox, podIP, waiting, requeue, log } = step;
    const policy = containerRestartPolicy(pod, kind);
    const attempts = attemptsOf(step.containers, spec.name);
    let latest = attempts[0];
    const inSandbox = latest?.podSandboxId === sandbox.id;
    let forceRestart = false;
    if (latest && inSandbox && (latest.state === 'running' || latest.state === 'created')) {
      if (latest.state === 'created') await runtime.startContainer(latest.id);
      const failed = this.ctx.prober?.failedProbe(latest.id);
      if (!failed) return 'running';
      this.ctx.record(pod, 'Normal', 'Killing', `Container ${spec.name} failed ${failed} probe, will be restarted`);
      const probe = probeOf(spec, failed);
      const grace = probe?.terminationGracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 30;
      await this.killContainer(pod, spec, latest.id, podIP, grace);
      latest = await runtime.containerStatus(latest.id);
      // A probe failure restarts the container whatever its exit code, unless Never.
      if (policy === 'Never') return 'failed';
      forceRestart = true;
    }
    let restartCount = 0;
    if (latest) {
      if (inSandbox && latest.state === 'exited' && !forceRestart) {
        if (kind === 'init' && latest.exitCode === 0) return 'completed';
        if (!shouldRestart(policy, latest)) return latest.exitCode === 0 ? 'completed' : 'failed';
      }
      restartCount = restartCountOf(latest) + 1;
      const ranMs = Number(latest.finishedAt - latest.startedAt) / 1e6;
      const delay = restartBackoffMs(restartCount - 1, ranMs);
      const readyAt = Number(latest.finishedAt / 1_000_000n) + delay;
      const wait = readyAt - this.now().getTime();
      if (delay > 0 && wait > 0) {
        waiting.set(spec.name, {
          reason: 'CrashLoopBackOff',
          message: `back-off ${formatDelay(delay)} restarting failed container=${spec.name} pod=${podRef(pod)}`,
        });
        requeue(wait);
        return 'waiting';
      }
    }
    const pulled = await this.ensureImage(pod, spec, waiting, requeue);
    if (!pulled) return 'waiting';
    const attempt = latest ? latest.metadata.attempt + 1 : 0;
    let config: ContainerConfig;
    try {
      config = containerConfig(pod, spec, this.podContext(podIP), attempt, restartCount);
      config.mounts = await containerMounts(spec, step.volumes, new Map(config.envs.map((e) => [e.key, e.value])));
      const hosts = await this.ctx.identity?.hostsMount(pod, spec, podIP);
      if (hosts) config.mounts.push(hosts);
    } catch (err) {
      if (!(err instanceof ContainerConfigError)) throw err;
      // A missing ConfigMap, Secret or key: retried on backoff, and at once when the
      // object appears (the kubelet syncs the pods that reference it).
      waiting.set(spec.name, { reason: 'CreateContainerConfigError', message: err.message });
      this.ctx.record(pod, 'Warning', 'Failed', `Error: ${err.message}`);
      requeue(BACKOFF_INITIAL_MS);
      return 'waiting';
    }
    let id: string;
    try {
      id = await runtime.createContainer(sandbox.id, config, await this.podSandboxConfig(pod, sandbox.metadata.attempt, false));
      this.ctx.record(pod, 'Normal', 'Created', `Created container ${spec.name}`);
      await runtime.startContainer(id);
      this.ctx.record(pod, 'Normal', 'Started', `Started container ${spec.name}`);
      // Keep one previous attempt (for `logs --previous` and lastState); remove older ones.
      for (const old of attempts.slice(1)) await runtime.removeContainer(old.id);
    } catch (err) {
      const message = (err as Error).message;
      log.warn({ container: spec.name, err: message }, 'container failed to start');
      waiting.set(spec.name, { reason: 'CreateContainerError', message });
      this.ctx.record(pod, 'Warning', 'Failed', `Error: ${message}`);
      requeue(BACKOFF_INITIAL_MS);
      return 'waiting';
    }
    const postStart = lifecycleOf(spec).postStart;
    if (postStart) {
      const failure = await runHook(postStart, { runtime, pod, container: spec, containerId: id, podIP }, POST_START_TIMEOUT_SECONDS);
      if (failure) {
        // As the kubelet: report, kill the container, and let its restart policy decide.
        log.info({ container: spec.name, err: failure }, 'postStart hook failed');
        this.ctx.record(pod, 'Warning', 'FailedPostStartHook', failure);
        await this.killContainer(pod, spec, id, podIP, pod.spec.terminationGracePeriodSeconds ?? 30);
        requeue(0);
        return 'failed';
      }
    }
    return 'running';
  }

  /**
   * Stops one container the kubelet's way: the preStop hook first, bounded by the grace
   * period, then SIGTERM with what is left of it (at least 2 s), then SIGKILL.
   */
  async killContainer(pod: Pod | undefined, spec: Container | undefined, containerId: string, podIP: string, graceSeconds: number): Promise<void> {
    const { runtime } = this.ctx;
    let grace = graceSeconds;
    const preStop = spec ? lifecycleOf(spec).preStop : undefined;
    if (pod && spec && preStop && grace > 0) {
      const started = Date.now();
      const failure = await runHook(preStop, { runtime, pod, container: spec, containerId, podIP }, grace);
      if (failure) this.ctx.record(pod, 'Warning', 'FailedPreStopHook', failure);
      grace = Math.max(MIN_GRACE_SECONDS, Math.ceil(grace - (Date.now() - started) / 1000));
    }
    await runtime.stopContainer(containerId, grace);
  }

  /** A pod whose containers all exited and will not be restarted has finished for good. */
  private isFinished(pod: Pod, containers: ContainerStatus[]): boolean {
    if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return true;
    const policy = pod.spec.restartPolicy ?? 'Always';
    if (policy === 'Always') return false;
    // An init container that failed under restartPolicy Never fails the pod.
    if (policy === 'Never') {
      const initFailed = (pod.spec.initContainers ?? []).some((spec) => {
        const latest = attemptsOf(containers, spec.name)[0];
        return !isSidecar(spec) && latest?.state === 'exited' && latest.exitCode !== 0;
      });
      if (initFailed) return true;
    }
    return pod.spec.containers.every((spec) => {
      const latest = attemptsOf(containers, spec.name)[0];
      return latest?.state === 'exited' && !shouldRestart(policy, latest);
    });
  }

  private async ensureImage(pod: Pod, spec: Container, waiting: Map<string, ContainerWaiting>, requeue: (ms: number) => void): Promise<boolean> {
    const result = await this.images.ensureImageExists(pod, spec);
    if (result.ok) return true;
    waiting.set(spec.name, result.waiting);
    if (result.requeueMs !== undefined) requeue(result.requeueMs);
    return false;
  }

  private status(pod: Pod, containers: ContainerStatus[], podIP: string, sandboxReady: boolean, waiting: Map<string, ContainerWaiting>): PodStatus {
    const o: ObservedPod = { pod, podIP, hostIP: this.ctx.hostIP, sandboxReady, containers, waiting, scheme: this.ctx.scheme, now: this.now() };
    if (this.ctx.prober) o.probes = this.ctx.prober;
    return computePodStatus(o);
  }

  /**
   * Stops every container of the pod (SIGTERM, SIGKILL after the grace period, all in
   * parallel as the kubelet does), then the sandbox, and removes them all.
   */
  async killPod(uid: string, graceSeconds: number, pod?: Pod): Promise<void> {
    const { runtime } = this.ctx;
    const containers = await this.containersOf(uid);
    const running = containers.filter((c) => c.state === 'running' || c.state === 'created');
    if (pod) for (const c of running) this.ctx.record(pod, 'Normal', 'Killing', `Stopping container ${c.metadata.name}`);
    const sandboxes = await this.sandboxesOf(uid);
    const ready = sandboxes.find((s) => s.state === 'ready');
    const sandboxIP = ready ? (await runtime.podSandboxStatus(ready.id).catch(() => undefined))?.ip ?? '' : '';
    const podIP = pod && ready ? this.podIPOf(pod, sandboxIP) : sandboxIP;
    const specs = pod ? [...(pod.spec.initContainers ?? []), ...pod.spec.containers] : [];
    const specOf = (c: ContainerStatus) => specs.find((s) => s.name === c.metadata.name);
    // Sidecars outlive the containers they serve: they are stopped once the others are
    // gone, with what is left of the grace period (kubelet's termination ordering).
    const isSidecarContainer = (c: ContainerStatus) => {
      const spec = specOf(c);
      return !!spec && isSidecar(spec) && (pod?.spec.initContainers ?? []).includes(spec);
    };
    const started = Date.now();
    await Promise.all(running.filter((c) => !isSidecarContainer(c)).map((c) => this.killContainer(pod, specOf(c), c.id, podIP, graceSeconds)));
    const left = Math.max(graceSeconds > 0 ? MIN_GRACE_SECONDS : 0, Math.ceil(graceSeconds - (Date.now() - started) / 1000));
    await Promise.all(running.filter(isSidecarContainer).map((c) => this.killContainer(pod, specOf(c), c.id, podIP, Math.min(graceSeconds, left))));
    for (const s of sandboxes) {
      await runtime.stopPodSandbox(s.id);
      await runtime.removePodSandbox(s.id);
    }
    for (const c of await this.containersOf(uid)) await runtime.removeContainer(c.id);
    this.images.forgetPod(uid);
    // Only now that no container holds them: unmount and remove the pod's volumes.
    await this.ctx.volumes?.tearDownPod(uid);
    this.mountFailures.delete(uid);
  }
}

function formatDelay(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${s % 60}s` : `${s}s`;
}
