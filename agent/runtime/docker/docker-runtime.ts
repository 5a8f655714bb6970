// ContainerRuntime on Docker, the dockershim way: a pod sandbox is an infra container
// running the pause image, attached to the node's pod network through CNI; the pod's
// containers join its network and IPC namespaces. Every object we create carries LABEL_NODE_NAME, and every
// lookup checks it, so several agents can share one dockerd and containers Skiff did not
// create stay invisible.

import { randomBytes } from 'node:crypto';
import type Dockerode from 'dockerode';
import { DockerClient } from './docker-client.js';
import { pino, type Logger } from 'pino';
import { ImageNotFoundError, RuntimeError, RuntimeNotFoundError } from '../errors.js';
import { DEFAULT_PAUSE_IMAGE, ensurePauseImage } from '../pause-image.js';
import {
  LABEL_CONTAINER_NAME,
  LABEL_CONTAINER_TYPE,
  LABEL_NODE_NAME,
  LABEL_POD_NAME,
  LABEL_POD_NAMESPACE,
  type AuthConfig,
  type ImageFsInfo,
  type PullProgress,
  type ContainerConfig,
  type ContainerFilter,
  type ContainerRuntime,
  type ContainerStats,
  type ContainerStatus,
  type ContainerSummary,
  type Image,
  type PodSandbox,
  type PodSandboxConfig,
  type PodSandboxFilter,
  type PodSandboxStatus,
  type ExecRequest,
  type ExecSession,
  type ExecSyncResult,
  type LogRequest,
  type RuntimeEvent,
  type RuntimeVersion,
} from '../runtime.js';
import { dockerExec, dockerExecSync, dockerLogs } from './docker-streams.js';
import { dockerSecurity } from './container-security.js';
import { containerFromInspect, containerFromList, sandboxFromInspect, sandboxFromList } from './convert.js';
import { dockerMessage, isNotFound, statusOf, wrap } from './docker-errors.js';
import { dockerEvents } from './docker-events.js';
import { dockerContainerStats } from './docker-stats.js';
import { linkContainerLog, unlinkContainerLog } from './container-log-link.js';
import { DockerImageService } from './docker-image-service.js';
import { dockerRootfsImporter, hasImage } from './docker-images.js';
import {
  LABEL_ATTEMPT,
  LABEL_LOG_PATH,
  LABEL_SANDBOX_ID,
  TYPE_CONTAINER,
  TYPE_SANDBOX,
  containerName,
  encodeLabels,
  labelFilters,
  podLabelsOf,
  sandboxContainerName,
} from './labels.js';
import { DockerPodNetwork } from './pod-network.js';
import { writeSandboxResolvConf } from './sandbox-dns.js';
import { DEFAULT_CNI_BIN_DIR } from './cni-exec.js';

export interface DockerRuntimeOptions {
  socketPath: string;
  nodeName: string;
  /** Where the pod network keeps its IP leases and per-sandbox state (the agent's data dir). */
  stateDir: string;
  /** Where the CNI plugins are (Debian's containernetworking-plugins: /usr/lib/cni). */
  cniBinDir?: string;
  /** Infra image; the default one is built and imported on first use when absent. */
  pauseImage?: string;
  logger?: Logger;
}

type ObjectType = typeof TYPE_SANDBOX | typeof TYPE_CONTAINER;

/** json-file with rotation: a chatty pod must not fill a Raspberry Pi's SD card. */
const LOG_CONFIG = { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '2' } };

export class DockerRuntime implements ContainerRuntime {
  private readonly docker: Dockerode;
  private readonly socketPath: string;
  private readonly nodeName: string;
  private readonly pauseImage: string;
  private readonly network: DockerPodNetwork;
  private readonly log: Logger;
  private readonly closing = new AbortController();
  private readonly images: DockerImageService;
  private pauseReady: Promise<void> | undefined;

  constructor(o: DockerRuntimeOptions) {
    this.socketPath = o.socketPath;
    this.nodeName = o.nodeName;
    this.pauseImage = o.pauseImage ?? DEFAULT_PAUSE_IMAGE;
    this.log = o.logger ?? pino({ enabled: false });
    this.docker = new DockerClient({ socketPath: o.socketPath });
    this.network = new DockerPodNetwork({ nodeName: o.nodeName, stateDir: o.stateDir, cniBinDir: o.cniBinDir ?? DEFAULT_CNI_BIN_DIR, docker: this.docker, logger: this.log });
    this.images = new DockerImageService(this.docker, o.socketPath, this.log);
  }

  async version(): Promise<RuntimeVersion> {
    try {
      const v = await this.docker.version();
      return { runtimeName: 'docker', runtimeVersion: v.Version, scheme: 'docker' };
    } catch (err) {
      throw this.fail(err, 'Unavailable', 'asking Docker for its version');
    }
  }

  async ensurePodNetwork(podCIDR: string): Promise<void> {
    try {
      await this.network.ensure(podCIDR);
    } catch (err) {
      throw this.fail(err, 'CreateFailed', `setting up the pod network for ${podCIDR}`);
    }
  }

  /** Removes the node's pod bridge and its iptables rules; for cleanup once every sandbox is gone. */
  deletePodNetwork(): Promise<void> {
    return this.network.delete();
  }

  async close(): Promise<void> {
    this.closing.abort();
  }

  // ---- sandboxes -----------------------------------------------------------------------

  async runPodSandbox(config: PodSandboxConfig): Promise<string> {
    const meta = config.metadata;
    const labels = encodeLabels(config.labels, config.annotations, {
      ...podLabelsOf(meta),
      [LABEL_NODE_NAME]: this.nodeName,
      [LABEL_CONTAINER_TYPE]: TYPE_SANDBOX,
      [LABEL_ATTEMPT]: String(meta.attempt),
    });
    const body: Dockerode.ContainerCreateOptions = {
      Image: this.pauseImage,
      Labels: labels,
      HostConfig: {
        // CNI attaches the sandbox once it runs (pod-network.ts); hostPorts are portmap's.
        // On the host's network there is nothing to attach, and the node's hostname stays.
        NetworkMode: config.hostNetwork ? 'host' : 'none',
        RestartPolicy: { Name: 'no' },
        // Containers of the pod join this IPC namespace, which Docker only allows when
        // the owner declares it shareable.
        IpcMode: 'shareable',
        // The infra container needs next to no CPU weight. (dockershim also lowered its
        // oom_score_adj to -998; runc fails to start it where the agent may not lower it,
        // and an OOM-killed pause process only means a new sandbox.)
        CpuShares: 2,
        LogConfig: LOG_CONFIG,
      },
    };
    if (!config.hostNetwork && config.hostname) body.Hostname = config.hostname;
    const name = sandboxContainerName(meta);
    for (let round = 0; ; round++) {
      await this.ensurePauseImage();
      try {
        const t0 = performance.now();
        const id = await this.create(name, body);
        const t1 = performance.now();
        await this.start(id, 'pod sandbox');
        const t2 = performance.now();
        await this.attachNetwork(id, config);
        // Timings for bench/run.ts, which reads them back from the debug log.
        this.log.debug(
          { pod: `${meta.namespace}/${meta.name}`, id, createMs: ms(t1 - t0), startMs: ms(t2 - t1), networkMs: ms(performance.now() - t2) },
          'pod sandbox started',
        );
        return id;
      } catch (err) {
        // Someone removed the pause image since we last looked: make it again, once.
        if (round === 0 && isNotFound(err) && /no such image/i.test(dockerMessage(err))) {
          this.pauseReady = undefined;
          continue;
        }
        throw this.fail(err, 'CreateFailed', `creating pod sandbox for ${meta.namespace}/${meta.name}`);
      }
    }
  }

  /**
   * CNI ADD for a started sandbox, and the pod's resolv.conf (which its containers share);
   * a sandbox that cannot be set up is removed again.
   */
  private async attachNetwork(id: string, config: PodSandboxConfig): Promise<void> {
    try {
      const info = await this.docker.getContainer(id).inspect();
      if (!config.hostNetwork) await this.network.setUp(id, info.State.Pid, config.portMappings);
      if (config.dnsConfig) await writeSandboxResolvConf(info.ResolvConfPath, config.dnsConfig);
    } catch (err) {
      await this.network.tearDown(id, 0).catch(() => undefined);
      await this.remove(id, undefined).catch(() => undefined);
      throw err;
    }
  }

  /** CNI DEL while the sandbox's network namespace still exists (when it does). */
  private async detachNetwork(sandbox: Dockerode.ContainerInspectInfo): Promise<void> {
    try {
      await this.network.tearDown(sandbox.Id, sandbox.State.Running ? sandbox.State.Pid : 0);
    } catch (err) {
      throw this.fail(err, 'Unavailable', `detaching pod sandbox ${sandbox.Id.slice(0, 12)} from the pod network`);
    }
  }

  async stopPodSandbox(podSandboxId: string): Promise<void> {
    const sandbox = await this.inspectOwn(podSandboxId, TYPE_SANDBOX);
    if (!sandbox) return;
    await this.detachNetwork(sandbox);
    const running = await this.listOwn(TYPE_CONTAINER, {}, false, { [LABEL_SANDBOX_ID]: sandbox.Id });
    // The kubelet has given the containers their grace period already; what is left is killed.
    await Promise.all(running.map((c) => this.stop(c.Id, 0)));
    await this.stop(sandbox.Id, 0);
  }

  async removePodSandbox(podSandboxId: string): Promise<void> {
    const sandbox = await this.inspectOwn(podSandboxId, TYPE_SANDBOX);
    if (!sandbox) return;
    await this.detachNetwork(sandbox);
    const members = await this.listOwn(TYPE_CONTAINER, {}, true, { [LABEL_SANDBOX_ID]: sandbox.Id });
    await Promise.all(members.map((c) => this.remove(c.Id, c.Labels?.[LABEL_LOG_PATH])));
    await this.remove(sandbox.Id, undefined);
  }

  async podSandboxStatus(podSandboxId: string): Promise<PodSandboxStatus> {
    const sandbox = await this.inspectOwn(podSandboxId, TYPE_SANDBOX);
    if (!sandbox) throw new RuntimeNotFoundError(`pod sandbox ${podSandboxId}`);
    return sandboxFromInspect(sandbox, sandbox.State.Running ? await this.network.ip(sandbox.Id) : '');
  }

  async listPodSandbox(filter?: PodSandboxFilter): Promise<PodSandbox[]> {
    const list = (await this.listOwn(TYPE_SANDBOX, filter?.labelSelector ?? {}, true)).map(sandboxFromList);
    return filter?.state ? list.filter((s) => s.state === filter.state) : list;
  }

  // ---- containers ----------------------------------------------------------------------

  async createContainer(podSandboxId: string, config: ContainerConfig, sandboxConfig: PodSandboxConfig): Promise<string> {
    const t0 = performance.now();
    const sandbox = await this.inspectOwn(podSandboxId, TYPE_SANDBOX);
    if (!sandbox) throw new RuntimeNotFoundError(`pod sandbox ${podSandboxId}`);
    const own: Record<string, string> = {
      ...podLabelsOf(sandboxConfig.metadata),
      [LABEL_CONTAINER_NAME]: config.metadata.name,
      [LABEL_NODE_NAME]: this.nodeName,
      [LABEL_CONTAINER_TYPE]: TYPE_CONTAINER,
      [LABEL_SANDBOX_ID]: sandbox.Id,
      [LABEL_ATTEMPT]: String(config.metadata.attempt),
    };
    if (config.logPath) own[LABEL_LOG_PATH] = config.logPath;
    const r = config.resources;
    const hostConfig: Dockerode.HostConfig = {
      NetworkMode: `container:${sandbox.Id}`,
      IpcMode: `container:${sandbox.Id}`,
      RestartPolicy: { Name: 'no' },
      LogConfig: LOG_CONFIG,
    };
    if (r.cpuShares !== undefined) hostConfig.CpuShares = r.cpuShares;
    if (r.cpuPeriod !== undefined) hostConfig.CpuPeriod = r.cpuPeriod;
    if (r.cpuQuota !== undefined) hostConfig.CpuQuota = r.cpuQuota;
    if (r.memoryLimitInBytes !== undefined && r.memoryLimitInBytes > 0) {
      hostConfig.Memory = r.memoryLimitInBytes;
      // No swap on top of the limit, as Kubernetes means it: going over is an OOM kill.
      hostConfig.MemorySwap = r.memoryLimitInBytes;
    }
    const security = dockerSecurity(config);
    Object.assign(hostConfig, security.hostConfig);
    const body: Dockerode.ContainerCreateOptions = {
      Image: config.image,
      Env: config.envs.map((e) => `${e.key}=${e.value}`),
      Labels: encodeLabels(config.labels, config.annotations, own),
      HostConfig: hostConfig,
    };
    if (security.user !== undefined) body.User = security.user;
    if (config.command !== undefined) body.Entrypoint = config.command;
    if (config.args !== undefined) body.Cmd = config.args;
    if (config.workingDir) body.WorkingDir = config.workingDir;
    try {
      const id = await this.create(containerName(config.metadata, sandboxConfig.metadata), body);
      const pod = `${sandboxConfig.metadata.namespace}/${sandboxConfig.metadata.name}`;
      this.log.debug({ pod, container: config.metadata.name, id, createMs: ms(performance.now() - t0) }, 'container created');
      return id;
    } catch (err) {
      if (isNotFound(err) && /no such image/i.test(dockerMessage(err))) throw new ImageNotFoundError(config.image);
      throw this.fail(err, 'CreateFailed', `creating container ${config.metadata.name}`);
    }
  }

  async startContainer(containerId: string): Promise<void> {
    const t0 = performance.now();
    const c = await this.inspectOwn(containerId, TYPE_CONTAINER);
    if (!c) throw new RuntimeNotFoundError(`container ${containerId}`);
    const labels = c.Config.Labels ?? {};
    try {
      await this.start(c.Id, `container ${labels[LABEL_CONTAINER_NAME] ?? ''}`);
    } catch (err) {
      throw this.fail(err, 'CreateFailed', `starting container ${labels[LABEL_CONTAINER_NAME] ?? c.Id}`);
    }
    const pod = `${labels[LABEL_POD_NAMESPACE] ?? ''}/${labels[LABEL_POD_NAME] ?? ''}`;
    this.log.debug({ pod, container: labels[LABEL_CONTAINER_NAME], id: c.Id, startMs: ms(performance.now() - t0) }, 'container started');
    const logPath = labels[LABEL_LOG_PATH];
    if (logPath) {
      try {
        // Docker sets LogPath only when the container starts: inspect again.
        await linkContainerLog((await this.docker.getContainer(c.Id).inspect()).LogPath, logPath);
      } catch (err) {
        this.log.warn({ id: c.Id, logPath, err: (err as Error).message }, 'could not link container log');
      }
    }
  }

  async stopContainer(containerId: string, timeoutSeconds: number): Promise<void> {
    const c = await this.inspectOwn(containerId, TYPE_CONTAINER);
    if (!c || !c.State.Running) return;
    await this.stop(c.Id, timeoutSeconds);
  }

  async removeContainer(containerId: string): Promise<void> {
    const c = await this.inspectOwn(containerId, TYPE_CONTAINER);
    if (!c) return;
    await this.remove(c.Id, c.Config.Labels?.[LABEL_LOG_PATH]);
  }

  async listContainers(filter?: ContainerFilter): Promise<ContainerSummary[]> {
    const own = filter?.podSandboxId ? { [LABEL_SANDBOX_ID]: filter.podSandboxId } : {};
    const list = (await this.listOwn(TYPE_CONTAINER, filter?.labelSelector ?? {}, true, own)).map(containerFromList);
    return filter?.state ? list.filter((c) => c.state === filter.state) : list;
  }

  async containerStatus(containerId: string): Promise<ContainerStatus> {
    const c = await this.inspectOwn(containerId, TYPE_CONTAINER);
    if (!c) throw new RuntimeNotFoundError(`container ${containerId}`);
    return containerFromInspect(c);
  }

  async execSync(containerId: string, cmd: string[], timeoutSeconds: number): Promise<ExecSyncResult> {
    await this.ownContainer(containerId);
    return dockerExecSync(this.docker, containerId, cmd, timeoutSeconds);
  }

  async exec(containerId: string, request: ExecRequest): Promise<ExecSession> {
    await this.ownContainer(containerId);
    return dockerExec(this.docker, containerId, request);
  }

  async containerLogs(containerId: string, request: LogRequest, signal: AbortSignal): Promise<NodeJS.ReadableStream> {
    await this.ownContainer(containerId);
    return dockerLogs(this.docker, containerId, request, signal);
  }

  /** Running containers' counters; one that stops meanwhile is left out. */
  async listContainerStats(): Promise<ContainerStats[]> {
    const running = await this.listOwn(TYPE_CONTAINER, {}, false);
    const all = await Promise.all(running.map((c) => dockerContainerStats(this.docker, c).catch(() => undefined)));
    return all.filter((s): s is ContainerStats => s !== undefined);
  }

  /** Exec and logs only ever reach containers this node created. */
  private async ownContainer(containerId: string): Promise<void> {
    if (!(await this.inspectOwn(containerId, TYPE_CONTAINER))) throw new RuntimeNotFoundError(`container ${containerId}`);
  }

  async *events(signal: AbortSignal): AsyncIterable<RuntimeEvent> {
    // Ends on the caller's signal or on close(), whichever comes first.
    const both = new AbortController();
    const abort = () => both.abort();
    signal.addEventListener('abort', abort, { once: true });
    this.closing.signal.addEventListener('abort', abort, { once: true });
    if (signal.aborted || this.closing.signal.aborted) both.abort();
    try {
      yield* dockerEvents(this.docker, this.nodeName, both.signal);
    } catch (err) {
      throw this.fail(err, 'Unavailable', 'following Docker events');
    } finally {
      signal.removeEventListener('abort', abort);
      this.closing.signal.removeEventListener('abort', abort);
    }
  }

  // ---- images: see docker-image-service.ts --------------------------------------------

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

  /** The pause image counts even with no sandbox left: the next pod needs it, and it cannot be pulled. */
  async imagesInUse(): Promise<Set<string>> {
    const ids = await this.images.imagesInUse();
    const pause = await this.images.imageStatus(this.pauseImage);
    if (pause) ids.add(pause.id);
    return ids;
  }

  removeImage(image: string): Promise<void> {
    return this.images.removeImage(image);
  }

  // ---- helpers -------------------------------------------------------------------------

  private fail(err: unknown, code: RuntimeError['code'], what: string): RuntimeError {
    return wrap(this.socketPath, err, code, what);
  }

  /** Builds and imports the pause image once per runtime, when it is missing. */
  private ensurePauseImage(): Promise<void> {
    this.pauseReady ??= (async () => {
      if (this.pauseImage === DEFAULT_PAUSE_IMAGE) {
        if (await ensurePauseImage(dockerRootfsImporter(this.docker), this.pauseImage)) {
          this.log.info({ image: this.pauseImage }, 'pause image built and imported');
        }
      } else if (!(await hasImage(this.docker, this.pauseImage))) {
        // A pause image the operator named: it comes from their registry.
        await this.pullImage(this.pauseImage);
      }
    })().catch((err: unknown) => {
      this.pauseReady = undefined;
      throw this.fail(err, 'CreateFailed', `preparing pause image ${this.pauseImage}`);
    });
    return this.pauseReady;
  }

  /**
   * Inspects id and returns it only when it is ours (this node) and of the right type;
   * anything else is as good as absent.
   */
  private async inspectOwn(id: string, type: ObjectType): Promise<Dockerode.ContainerInspectInfo | undefined> {
    if (!id) return undefined;
    let info: Dockerode.ContainerInspectInfo;
    try {
      info = await this.docker.getContainer(id).inspect();
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw this.fail(err, 'Unavailable', `inspecting ${id}`);
    }
    const labels = info.Config?.Labels ?? {};
    if (labels[LABEL_NODE_NAME] !== this.nodeName || labels[LABEL_CONTAINER_TYPE] !== type) return undefined;
    return info;
  }

  /** Our objects of one type; `selector` is a CRI label selector, `own` runtime labels. */
  private async listOwn(type: ObjectType, selector: Record<string, string>, all: boolean, own: Record<string, string> = {}): Promise<Dockerode.ContainerInfo[]> {
    const label = [`${LABEL_NODE_NAME}=${this.nodeName}`, `${LABEL_CONTAINER_TYPE}=${type}`, ...labelFilters(selector)];
    for (const [k, v] of Object.entries(own)) label.push(`${k}=${v}`);
    try {
      return await this.docker.listContainers({ all, filters: { label } });
    } catch (err) {
      throw this.fail(err, 'Unavailable', 'listing containers');
    }
  }

  /** Creates a container; a name left over from an earlier attempt of ours is cleared. */
  private async create(name: string, body: Dockerode.ContainerCreateOptions): Promise<string> {
    let tryName = name;
    for (let round = 0; round < 3; round++) {
      try {
        const c = await this.docker.createContainer({ ...body, name: tryName });
        return c.id;
      } catch (err) {
        if (statusOf(err) !== 409) throw err;
        const holder = /by container "?([0-9a-f]{12,64})/.exec(dockerMessage(err))?.[1];
        const own = holder ? await this.inspectOwn(holder, (body.Labels?.[LABEL_CONTAINER_TYPE] ?? TYPE_CONTAINER) as ObjectType) : undefined;
        if (own) {
          // Same name, same node: a stale attempt the kubelet has given up on.
          this.log.info({ name: tryName, id: own.Id }, 'removing stale container holding the name');
          await this.remove(own.Id, own.Config.Labels?.[LABEL_LOG_PATH]);
        } else {
          // Not ours: names are cosmetic (metadata lives in labels), so step aside.
          tryName = `${name}_${randomBytes(4).toString('hex')}`;
        }
      }
    }
    throw new RuntimeError('CreateFailed', `container name ${name} stays in use`);
  }

  private async start(id: string, what: string): Promise<void> {
    try {
      await this.docker.getContainer(id).start();
    } catch (err) {
      if (statusOf(err) === 304) return; // already running
      // Do not leave a half-made object behind for a sandbox; containers are kept so the
      // kubelet can report the failure (Docker records it in State.Error).
      if (what === 'pod sandbox') await this.remove(id, undefined).catch(() => undefined);
      throw err;
    }
  }

  /** `docker stop -t`: the stop signal, then SIGKILL after timeoutSeconds. */
  private async stop(id: string, timeoutSeconds: number): Promise<void> {
    try {
      await this.docker.getContainer(id).stop({ t: Math.max(0, Math.ceil(timeoutSeconds)) });
    } catch (err) {
      const s = statusOf(err);
      if (s === 304 || s === 404) return;
      throw this.fail(err, 'Unavailable', `stopping ${id}`);
    }
  }

  private async remove(id: string, logPath: string | undefined): Promise<void> {
    try {
      await this.docker.getContainer(id).remove({ force: true, v: true });
    } catch (err) {
      const s = statusOf(err);
      // 409: a removal of it is already in progress.
      if (s !== 404 && !(s === 409 && /in progress/i.test(dockerMessage(err)))) {
        throw this.fail(err, 'Unavailable', `removing ${id}`);
      }
    }
    if (logPath) await unlinkContainerLog(logPath);
  }
}

/** Milliseconds, rounded to 0.1, for timing fields in the debug log. */
function ms(v: number): number {
  return Math.round(v * 10) / 10;
}
