// ContainerRuntime on containerd, through its CRI plugin (CRI v1 over gRPC): containerd
// makes the sandbox (pause container, network namespace, CNI) and the containers itself,
// so this class mostly translates. As with Docker, everything it creates is labelled
// with the node's name and every by-id call checks that label, so several agents can
// share one containerd and objects Skiff did not create are never seen or touched.

import { Readable } from 'node:stream';
import { lstat, mkdir, rm, stat, symlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pino, type Logger } from 'pino';
import { ImageNotFoundError, RuntimeError, RuntimeNotFoundError } from '../errors.js';
import { DEFAULT_PAUSE_IMAGE, ensurePauseImage } from '../pause-image.js';
import {
  LABEL_NODE_NAME,
  type AuthConfig,
  type ImageFsInfo,
  type PullProgress,
  type ContainerConfig,
  type ContainerFilter,
  type ContainerRuntime,
  type ContainerStats,
  type ContainerStatus,
  type ContainerSummary,
  type ExecRequest,
  type ExecSession,
  type ExecSyncResult,
  type Image,
  type LogRequest,
  type PodSandbox,
  type PodSandboxConfig,
  type PodSandboxFilter,
  type PodSandboxStatus,
  type RuntimeEvent,
  type RuntimeVersion,
} from '../runtime.js';
import { ContainerdImageService, containerdRootfsImporter } from './containerd-images.js';
import { pollContainerEvents } from './container-events.js';
import { criContainerStats } from './cri-stats.js';
import { CRI_CONTAINER_STATE, LABEL_LOG_LINK, containerFromCri, containerStatusFromCri, sandboxFromCri, sandboxStatusFromCri } from './convert.js';
import { CriClient, criError, grpcCode, grpcMessage, isGrpcNotFound } from './cri-client.js';
import { readCriLog } from './cri-log-reader.js';
import type { CriContainer, CriContainerStatus, CriPodSandbox, CriPodSandboxStatus } from './cri-types.js';
import { spdyExec } from './cri-exec-spdy.js';
import { deletePodNetwork, ensurePodNetwork } from './pod-network.js';
import { sandboxImageOf } from './plugin-config.js';
import { DEFAULT_LOG_ROTATION, rotateIfNeeded, type LogRotationPolicy } from './log-rotation.js';
import { criContainerConfig, criSandboxConfig, sandboxLogDirectory } from './requests.js';
import { StopDeadlines } from './stop-deadlines.js';

export { DEFAULT_CONTAINERD_SOCKET } from './default-socket.js';

export interface ContainerdRuntimeOptions {
  socketPath: string;
  nodeName: string;
  /** Directory under which containerd writes container logs, one directory per pod. */
  logRoot: string;
  /** The ctr binary used to import images (ships with containerd). */
  ctr?: string;
  /** When container logs are rotated (default 10 MiB, 2 files, checked every 10 s). */
  logRotation?: LogRotationPolicy;
  logRotationIntervalMs?: number;
  /** Where the runtime keeps the deadlines of stops under way (default: beside logRoot). */
  stateDir?: string;
  logger?: Logger;
}

const GRPC_DEADLINE_EXCEEDED = 4;

export class ContainerdRuntime implements ContainerRuntime {
  private readonly cri: CriClient;
  private readonly socketPath: string;
  private readonly nodeName: string;
  private readonly logRoot: string;
  private readonly ctr: string | undefined;
  private readonly log: Logger;
  private readonly images: ContainerdImageService;
  private readonly closing = new AbortController();
  private pauseReady: Promise<void> | undefined;
  private readonly logRotation: LogRotationPolicy;
  private readonly rotationTimer: NodeJS.Timeout;
  private rotating = false;
  private readonly stopDeadlines: StopDeadlines;

  constructor(o: ContainerdRuntimeOptions) {
    this.stopDeadlines = new StopDeadlines(join(o.stateDir ?? join(dirname(o.logRoot), 'containerd-runtime'), 'stop-deadlines'));
    this.socketPath = o.socketPath;
    this.nodeName = o.nodeName;
    this.logRoot = o.logRoot;
    this.ctr = o.ctr;
    this.log = o.logger ?? pino({ enabled: false });
    this.cri = new CriClient(o.socketPath);
    this.images = new ContainerdImageService(this.cri, this.log);
    this.logRotation = o.logRotation ?? DEFAULT_LOG_ROTATION;
    this.rotationTimer = setInterval(() => void this.rotateLogs(), o.logRotationIntervalMs ?? 10_000);
    this.rotationTimer.unref();
  }

  async version(): Promise<RuntimeVersion> {
    try {
      const v = await this.cri.runtime<{ runtime_name: string; runtime_version: string }>('Version', { version: 'v1' }, 10_000);
      return { runtimeName: v.runtime_name, runtimeVersion: v.runtime_version, scheme: 'containerd' };
    } catch (err) {
      throw this.fail(err, 'Unavailable', 'asking containerd for its version');
    }
  }

  ensurePodNetwork(podCIDR: string): Promise<void> {
    return ensurePodNetwork({ cri: this.cri, nodeName: this.nodeName, logger: this.log }, podCIDR);
  }

  /** Removes the node's network (conflist, bridge) when it has no sandbox left; false otherwise. */
  async deletePodNetwork(): Promise<boolean> {
    if ((await this.listPodSandbox()).length > 0) return false;
    await deletePodNetwork({ cri: this.cri, nodeName: this.nodeName, logger: this.log });
    return true;
  }

  async close(): Promise<void> {
    clearInterval(this.rotationTimer);
    this.closing.abort();
    this.cri.close();
  }

  // ---- sandboxes -----------------------------------------------------------------------

  async runPodSandbox(config: PodSandboxConfig): Promise<string> {
    const meta = config.metadata;
    const request = { config: criSandboxConfig(config, this.nodeName, this.logRoot) };
    await this.ensurePauseImage();
    await mkdir(sandboxLogDirectory(this.logRoot, meta), { recursive: true });
    for (let round = 0; ; round++) {
      try {
        const t0 = performance.now();
        const r = await this.cri.runtime<{ pod_sandbox_id: string }>('RunPodSandbox', request, 120_000);
        this.log.debug({ pod: `${meta.namespace}/${meta.name}`, id: r.pod_sandbox_id, runMs: Math.round((performance.now() - t0) * 10) / 10 }, 'pod sandbox started');
        return r.pod_sandbox_id;
      } catch (err) {
        // containerd keeps the name of a sandbox of the same pod and attempt: a stale
        // one of ours (an agent that died midway) is cleared once.
        if (round === 0 && /is reserved for/.test(grpcMessage(err)) && (await this.removeStaleSandbox(config))) continue;
        const msg = grpcMessage(err);
        if (/cni plugin not initialized|no network config found/i.test(msg)) {
          throw new RuntimeError('CreateFailed', `containerd has no pod network: ensurePodNetwork(podCIDR) must run before pods start (${msg})`);
        }
        throw this.fail(err, 'CreateFailed', `creating pod sandbox for ${meta.namespace}/${meta.name}`);
      }
    }
  }

  private async removeStaleSandbox(config: PodSandboxConfig): Promise<boolean> {
    const m = config.metadata;
    const stale = (await this.listPodSandbox()).filter(
      (s) => s.metadata.name === m.name && s.metadata.namespace === m.namespace && s.metadata.uid === m.uid && s.metadata.attempt === m.attempt,
    );
    for (const s of stale) {
      this.log.info({ id: s.id, pod: `${m.namespace}/${m.name}` }, 'removing stale sandbox holding the name');
      await this.removePodSandbox(s.id);
    }
    return stale.length > 0;
  }

  async stopPodSandbox(podSandboxId: string): Promise<void> {
    if (!(await this.ownSandbox(podSandboxId))) return;
    try {
      // containerd kills what still runs in it: the kubelet has given the grace period already.
      await this.cri.runtime('StopPodSandbox', { pod_sandbox_id: podSandboxId }, 120_000);
    } catch (err) {
      if (!isGrpcNotFound(err)) throw this.fail(err, 'Unavailable', `stopping pod sandbox ${podSandboxId}`);
    }
  }

  async removePodSandbox(podSandboxId: string): Promise<void> {
    const sandbox = await this.ownSandbox(podSandboxId);
    if (!sandbox) return;
    const containers = await this.listCri({ pod_sandbox_id: podSandboxId });
    const links = containers.map((c) => c.labels?.[LABEL_LOG_LINK]).filter((l): l is string => !!l);
    try {
      // containerd 1.6 removes only a stopped sandbox.
      await this.cri.runtime('StopPodSandbox', { pod_sandbox_id: podSandboxId }, 120_000);
      await this.cri.runtime('RemovePodSandbox', { pod_sandbox_id: podSandboxId }, 120_000);
    } catch (err) {
      if (!isGrpcNotFound(err)) throw this.fail(err, 'Unavailable', `removing pod sandbox ${podSandboxId}`);
    }
    await Promise.all([...links.map(unlinkLog), ...containers.map((c) => this.stopDeadlines.end(c.id))]);
    // The log directory is the pod's, shared by its sandbox attempts: it goes with the last.
    const m = sandbox.metadata;
    if (m && !(await this.listPodSandbox()).some((s) => s.metadata.uid === m.uid)) {
      await rm(sandboxLogDirectory(this.logRoot, m), { recursive: true, force: true }).catch(() => undefined);
    }
  }

  async podSandboxStatus(podSandboxId: string): Promise<PodSandboxStatus> {
    const s = await this.ownSandbox(podSandboxId);
    if (!s) throw new RuntimeNotFoundError(`pod sandbox ${podSandboxId}`);
    return sandboxStatusFromCri(s);
  }

  async listPodSandbox(filter?: PodSandboxFilter): Promise<PodSandbox[]> {
    const f: Record<string, unknown> = { label_selector: { ...(filter?.labelSelector ?? {}), [LABEL_NODE_NAME]: this.nodeName } };
    if (filter?.state) f['state'] = { state: filter.state === 'ready' ? 'SANDBOX_READY' : 'SANDBOX_NOTREADY' };
    try {
      const r = await this.cri.runtime<{ items: CriPodSandbox[] }>('ListPodSandbox', { filter: f });
      return r.items.filter((s) => s.labels?.[LABEL_NODE_NAME] === this.nodeName).map(sandboxFromCri);
    } catch (err) {
      throw this.fail(err, 'Unavailable', 'listing pod sandboxes');
    }
  }

  // ---- containers ----------------------------------------------------------------------

  async createContainer(podSandboxId: string, config: ContainerConfig, sandboxConfig: PodSandboxConfig): Promise<string> {
    if (!(await this.ownSandbox(podSandboxId))) throw new RuntimeNotFoundError(`pod sandbox ${podSandboxId}`);
    // containerd makes a missing host path into an empty directory; the CRI wants an
    // error (the kubelet's volume manager prepares every path it mounts).
    for (const m of config.mounts ?? []) {
      if (!(await pathExists(m.hostPath))) {
        throw new RuntimeError('CreateFailed', `creating container ${config.metadata.name}: mount source ${m.hostPath} does not exist`);
      }
    }
    const request = {
      pod_sandbox_id: podSandboxId,
      config: criContainerConfig(podSandboxId, config, this.nodeName, sandboxConfig.hostNetwork),
      sandbox_config: criSandboxConfig(sandboxConfig, this.nodeName, this.logRoot),
    };
    try {
      const t0 = performance.now();
      const r = await this.cri.runtime<{ container_id: string }>('CreateContainer', request, 120_000);
      const pod = `${sandboxConfig.metadata.namespace}/${sandboxConfig.metadata.name}`;
      this.log.debug({ pod, container: config.metadata.name, id: r.container_id, createMs: Math.round((performance.now() - t0) * 10) / 10 }, 'container created');
      return r.container_id;
    } catch (err) {
      if (isGrpcNotFound(err) && /image/i.test(grpcMessage(err))) throw new ImageNotFoundError(config.image);
      throw this.fail(err, 'CreateFailed', `creating container ${config.metadata.name}`);
    }
  }

  async startContainer(containerId: string): Promise<void> {
    const c = await this.ownContainer(containerId);
    if (!c) throw new RuntimeNotFoundError(`container ${containerId}`);
    try {
      const t0 = performance.now();
      await this.cri.runtime('StartContainer', { container_id: containerId }, 120_000);
      this.log.debug({ id: containerId, container: c.metadata?.name, startMs: Math.round((performance.now() - t0) * 10) / 10 }, 'container started');
    } catch (err) {
      throw this.fail(err, 'CreateFailed', `starting container ${c.metadata?.name ?? containerId}`);
    }
    const link = c.labels?.[LABEL_LOG_LINK];
    if (link && c.log_path) {
      await linkLog(c.log_path, link).catch((err: unknown) => this.log.warn({ id: containerId, link, err: (err as Error).message }, 'could not link container log'));
    }
  }

  async stopContainer(containerId: string, timeoutSeconds: number): Promise<void> {
    const c = await this.ownContainer(containerId);
    if (!c || c.state !== 'CONTAINER_RUNNING') return;
    // A stop an agent before us began keeps its deadline (see stop-deadlines.ts).
    const plan = await this.stopDeadlines.begin(containerId, Math.max(0, Math.ceil(timeoutSeconds)));
    if (plan.timeoutSeconds < timeoutSeconds) this.log.debug({ id: containerId, timeout: plan.timeoutSeconds, delayMs: plan.delayMs }, 'stopping on the deadline of a stop begun earlier');
    if (plan.delayMs > 0) await new Promise((r) => setTimeout(r, plan.delayMs));
    const timeout = plan.timeoutSeconds;
    try {
      await this.cri.runtime('StopContainer', { container_id: containerId, timeout }, (timeout + 60) * 1000);
    } catch (err) {
      if (!isGrpcNotFound(err)) throw this.fail(err, 'Unavailable', `stopping container ${containerId}`);
    }
    await this.stopDeadlines.end(containerId);
  }

  async removeContainer(containerId: string): Promise<void> {
    const c = await this.ownContainer(containerId);
    if (!c) return;
    try {
      await this.cri.runtime('RemoveContainer', { container_id: containerId }, 120_000);
    } catch (err) {
      if (!isGrpcNotFound(err)) throw this.fail(err, 'Unavailable', `removing container ${containerId}`);
    }
    const link = c.labels?.[LABEL_LOG_LINK];
    if (link) await unlinkLog(link);
    await this.stopDeadlines.end(containerId);
  }

  async listContainers(filter?: ContainerFilter): Promise<ContainerSummary[]> {
    const f: Record<string, unknown> = {};
    if (filter?.podSandboxId) f['pod_sandbox_id'] = filter.podSandboxId;
    if (filter?.state) f['state'] = { state: CRI_CONTAINER_STATE[filter.state] };
    return (await this.listCri(f, filter?.labelSelector)).map(containerFromCri);
  }

  async listContainerStats(): Promise<ContainerStats[]> {
    return criContainerStats(this.cri, await this.listCri({ state: { state: CRI_CONTAINER_STATE.running } }));
  }

  async containerStatus(containerId: string): Promise<ContainerStatus> {
    const c = await this.ownContainer(containerId);
    if (!c) throw new RuntimeNotFoundError(`container ${containerId}`);
    return containerStatusFromCri(c);
  }

  async execSync(containerId: string, cmd: string[], timeoutSeconds: number): Promise<ExecSyncResult> {
    await this.mustOwnContainer(containerId);
    try {
      const r = await this.cri.runtime<{ stdout: Buffer; stderr: Buffer; exit_code: number }>(
        'ExecSync',
        { container_id: containerId, cmd, timeout: Math.max(1, Math.ceil(timeoutSeconds)) },
        (timeoutSeconds + 10) * 1000,
      );
      return { stdout: Buffer.from(r.stdout), stderr: Buffer.from(r.stderr), exitCode: r.exit_code };
    } catch (err) {
      if (grpcCode(err) === GRPC_DEADLINE_EXCEEDED || /timeout|deadline/i.test(grpcMessage(err))) {
        throw new Error(`command timed out after ${timeoutSeconds}s`);
      }
      throw this.fail(err, 'Unavailable', `exec in ${containerId}`);
    }
  }

  async exec(containerId: string, request: ExecRequest): Promise<ExecSession> {
    await this.mustOwnContainer(containerId);
    let url: string;
    try {
      const r = await this.cri.runtime<{ url: string }>('Exec', {
        container_id: containerId,
        cmd: request.cmd,
        tty: request.tty,
        stdin: request.stdin,
        stdout: request.stdout,
        // With a TTY there is only one output stream (the CRI requires stderr false).
        stderr: request.stderr && !request.tty,
      });
      url = r.url;
    } catch (err) {
      throw this.fail(err, 'Unavailable', `exec in ${containerId}`);
    }
    return spdyExec(url, request);
  }

  async containerLogs(containerId: string, request: LogRequest, signal: AbortSignal): Promise<NodeJS.ReadableStream> {
    const c = await this.ownContainer(containerId);
    if (!c) throw new RuntimeNotFoundError(`container ${containerId}`);
    const isRunning = async () => {
      const now = await this.ownContainer(containerId).catch(() => undefined);
      return now?.state === 'CONTAINER_RUNNING';
    };
    return Readable.from(readCriLog({ path: c.log_path, request, signal, isRunning }), { objectMode: false });
  }

  async *events(signal: AbortSignal): AsyncIterable<RuntimeEvent> {
    // Ends on the caller's signal or on close(), whichever comes first.
    const both = AbortSignal.any([signal, this.closing.signal]);
    try {
      yield* pollContainerEvents(() => this.listContainers(), both);
    } catch (err) {
      if (both.aborted) return;
      throw this.fail(err, 'Unavailable', 'following containerd events');
    }
  }

  // ---- images: see containerd-images.ts ------------------------------------------------

  listImages(): Promise<Image[]> {
    return this.images.listImages();
  }

  imageStatus(image: string): Promise<Image | undefined> {
    return this.images.imageStatus(image);
  }

  pullImage(image: string, auth?: AuthConfig, onProgress?: (p: PullProgress) => void): Promise<string> {
    return this.images.pullImage(image, auth, onProgress);
  }

  imageFsInfo(): Promise<ImageFsInfo> {
    return this.images.imageFsInfo();
  }

  async imagesInUse(): Promise<Set<string>> {
    return this.images.imagesInUse((await sandboxImageOf(this.cri).catch(() => undefined)) ?? DEFAULT_PAUSE_IMAGE);
  }

  removeImage(image: string): Promise<void> {
    return this.images.removeImage(image);
  }

  // ---- helpers -------------------------------------------------------------------------

  /** One round of log rotation over this node's running containers (see log-rotation.ts). */
  private async rotateLogs(): Promise<void> {
    if (this.rotating || this.closing.signal.aborted) return;
    this.rotating = true;
    try {
      for (const c of await this.listCri({ state: { state: 'CONTAINER_RUNNING' } })) {
        const status = await this.ownContainer(c.id);
        if (!status?.log_path) continue;
        const reopen = () => this.cri.runtime('ReopenContainerLog', { container_id: c.id }).then(() => undefined);
        if (await rotateIfNeeded(status.log_path, this.logRotation, reopen)) this.log.debug({ id: c.id, log: status.log_path }, 'container log rotated');
      }
    } catch (err) {
      if (!this.closing.signal.aborted) this.log.warn({ err: (err as Error).message }, 'container log rotation failed');
    } finally {
      this.rotating = false;
    }
  }

  private fail(err: unknown, code: RuntimeError['code'], what: string): RuntimeError {
    return criError(this.socketPath, err, code, what);
  }

  /**
   * Makes sure containerd has its sandbox image (its sandbox_image setting, which it uses
   * whatever we say), once per runtime. Skiff's own name gets the pause image built on
   * the node; any other name is pulled, and where that fails (no registry, as on an
   * offline home lab) our pause image is imported under that name: it only has to sleep.
   */
  private ensurePauseImage(): Promise<void> {
    let name = DEFAULT_PAUSE_IMAGE;
    this.pauseReady ??= (async () => {
      name = (await sandboxImageOf(this.cri)) ?? DEFAULT_PAUSE_IMAGE;
      if (await this.images.imageStatus(name)) return;
      const importer = containerdRootfsImporter(this.images, this.socketPath, this.ctr);
      if (name !== DEFAULT_PAUSE_IMAGE) {
        try {
          await this.images.pullImage(name);
          return;
        } catch (err) {
          this.log.warn({ image: name, err: (err as Error).message }, 'cannot pull containerd\'s sandbox image; importing Skiff\'s pause image under its name');
        }
      }
      if (await ensurePauseImage(importer, name)) this.log.info({ image: name }, 'pause image built and imported');
    })().catch((err: unknown) => {
      this.pauseReady = undefined;
      throw this.fail(err, 'CreateFailed', `preparing pause image ${name}`);
    });
    return this.pauseReady;
  }

  private async ownSandbox(id: string): Promise<CriPodSandboxStatus | undefined> {
    if (!id) return undefined;
    try {
      const r = await this.cri.runtime<{ status: CriPodSandboxStatus | null }>('PodSandboxStatus', { pod_sandbox_id: id });
      return r.status?.labels?.[LABEL_NODE_NAME] === this.nodeName ? r.status : undefined;
    } catch (err) {
      if (isGrpcNotFound(err)) return undefined;
      throw this.fail(err, 'Unavailable', `inspecting pod sandbox ${id}`);
    }
  }

  private async ownContainer(id: string): Promise<CriContainerStatus | undefined> {
    if (!id) return undefined;
    try {
      const r = await this.cri.runtime<{ status: CriContainerStatus | null }>('ContainerStatus', { container_id: id });
      return r.status?.labels?.[LABEL_NODE_NAME] === this.nodeName ? r.status : undefined;
    } catch (err) {
      if (isGrpcNotFound(err)) return undefined;
      throw this.fail(err, 'Unavailable', `inspecting container ${id}`);
    }
  }

  /** Exec and logs only ever reach containers this node created. */
  private async mustOwnContainer(id: string): Promise<void> {
    if (!(await this.ownContainer(id))) throw new RuntimeNotFoundError(`container ${id}`);
  }

  private async listCri(filter: Record<string, unknown>, selector: Record<string, string> = {}): Promise<CriContainer[]> {
    try {
      const r = await this.cri.runtime<{ containers: CriContainer[] }>('ListContainers', {
        filter: { ...filter, label_selector: { ...selector, [LABEL_NODE_NAME]: this.nodeName } },
      });
      return r.containers.filter((c) => c.labels?.[LABEL_NODE_NAME] === this.nodeName);
    } catch (err) {
      throw this.fail(err, 'Unavailable', 'listing containers');
    }
  }
}

async function pathExists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

/** CRI log_path on request: a symlink where the kubelet asked, to containerd's file. */
async function linkLog(target: string, link: string): Promise<void> {
  await mkdir(dirname(link), { recursive: true });
  await unlinkLog(link);
  await symlink(target, link);
}

/** Removes link only when it is a symlink: never a file someone else put there. */
async function unlinkLog(link: string): Promise<void> {
  try {
    if ((await lstat(link)).isSymbolicLink()) await rm(link, { force: true });
  } catch {
    // absent: nothing to do
  }
}

export function defaultLogRoot(dataDir: string): string {
  return join(dataDir, 'pod-logs');
}
