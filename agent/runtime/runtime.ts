// The container runtime seam, shaped after the CRI (RuntimeService + ImageService) so that
// Docker (an infra "pause" container holds the pod's network namespace, as dockershim did)
// and containerd (CRI over gRPC) are interchangeable under the kubelet.
//
// Every sandbox and container an implementation creates is labelled with the node name it
// was constructed with (LABEL_NODE_NAME), and every list/inspect/stop/remove only ever sees
// objects carrying that label: several agents can share one daemon (tests do), and objects
// Skiff did not create are never touched.

export const LABEL_POD_NAME = 'io.kubernetes.pod.name';
export const LABEL_POD_NAMESPACE = 'io.kubernetes.pod.namespace';
export const LABEL_POD_UID = 'io.kubernetes.pod.uid';
export const LABEL_CONTAINER_NAME = 'io.kubernetes.container.name';
export const LABEL_NODE_NAME = 'io.skiff.node.name';
/** Set on sandboxes ("podsandbox") and containers ("container") by the runtime, as dockershim did. */
export const LABEL_CONTAINER_TYPE = 'io.kubernetes.docker.type';
/** Annotations the kubelet keeps on containers so a restarted agent can carry on. */
export const ANNOTATION_RESTART_COUNT = 'io.kubernetes.container.restartCount';
export const ANNOTATION_POD_SANDBOX_ATTEMPT = 'io.kubernetes.sandbox.attempt';

export interface PodSandboxMetadata {
  name: string;
  namespace: string;
  uid: string;
  attempt: number;
}

export interface PortMapping {
  protocol: 'TCP' | 'UDP' | 'SCTP';
  containerPort: number;
  hostPort: number;
  hostIp?: string;
}

/** CRI DNSConfig: what the sandbox's /etc/resolv.conf says. */
export interface DNSConfig {
  servers: string[];
  searches: string[];
  options: string[];
}

export interface PodSandboxConfig {
  metadata: PodSandboxMetadata;
  /** '' on the host's network: the node's own hostname. */
  hostname: string;
  /** The pod's resolver settings; undefined leaves the runtime's default (the node's resolv.conf). */
  dnsConfig?: DNSConfig;
  /** spec.hostNetwork: the sandbox shares the node's network namespace (no CNI, no pod IP of its own). */
  hostNetwork?: boolean;
  /** A container of the pod is privileged: CRI runtimes refuse one in a sandbox that is not. */
  privileged?: boolean;
  /** Only hostPort mappings (hostPort > 0) need to be given. */
  portMappings: PortMapping[];
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export type PodSandboxState = 'ready' | 'notready';

export interface PodSandbox {
  id: string;
  metadata: PodSandboxMetadata;
  state: PodSandboxState;
  /** Nanoseconds since epoch, as the CRI reports it. */
  createdAt: bigint;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface PodSandboxStatus extends PodSandbox {
  /** The pod's IP address on the node's pod network ('' when not ready). */
  ip: string;
}

export interface ContainerMetadata {
  name: string;
  attempt: number;
}

export interface KeyValuePair {
  key: string;
  value: string;
}

export interface LinuxContainerResources {
  /** CPU shares (relative weight), from requests.cpu: millicores * 1024 / 1000, min 2. */
  cpuShares?: number;
  /** CFS period in microseconds (100000 when a limit is set). */
  cpuPeriod?: number;
  /** CFS quota in microseconds per period, from limits.cpu. */
  cpuQuota?: number;
  /** Memory limit in bytes, from limits.memory. */
  memoryLimitInBytes?: number;
}

/** CRI MountPropagation: rprivate, rslave and rshared in Linux terms. */
export type MountPropagation = 'private' | 'hostToContainer' | 'bidirectional';

/**
 * CRI Mount: a host path bind-mounted into the container. The host path must exist (the
 * kubelet's volume manager prepares it); a symlink is followed. Memory-backed volumes
 * (emptyDir medium Memory) need nothing more here: the kubelet mounts a tmpfs at the host
 * path first, as Kubernetes does, so every container of the pod shares the same one.
 */
export interface Mount {
  containerPath: string;
  hostPath: string;
  readonly?: boolean;
  /** Default 'private'. */
  propagation?: MountPropagation;
}

/** CRI Capability. Names as in the pod spec ("NET_RAW", no CAP_ prefix), or "ALL". */
export interface Capability {
  addCapabilities?: string[];
  dropCapabilities?: string[];
}

/** CRI LinuxContainerSecurityContext (the part Skiff maps). */
export interface LinuxContainerSecurityContext {
  capabilities?: Capability;
  privileged?: boolean;
  runAsUser?: number;
  /** Only together with runAsUser; a runtime must refuse it alone (as the CRI says). */
  runAsGroup?: number;
  readonlyRootfs?: boolean;
  /** Groups added to the first process, besides its primary group (fsGroup lands here). */
  supplementalGroups?: number[];
  /** Sets no_new_privs (allowPrivilegeEscalation: false). */
  noNewPrivs?: boolean;
}

/** CRI LinuxContainerConfig, without resources (kept in ContainerConfig.resources). */
export interface LinuxContainerConfig {
  securityContext?: LinuxContainerSecurityContext;
}

export interface ContainerConfig {
  metadata: ContainerMetadata;
  image: string;
  /** Entrypoint override (Kubernetes `command`); undefined keeps the image's. */
  command?: string[];
  /** Cmd override (Kubernetes `args`); undefined keeps the image's. */
  args?: string[];
  workingDir?: string;
  envs: KeyValuePair[];
  labels: Record<string, string>;
  annotations: Record<string, string>;
  resources: LinuxContainerResources;
  /** Path on the host where the runtime keeps this container's log (CRI log_path). */
  logPath?: string;
  /** Volumes, in the order given; a later mount may sit inside an earlier one. */
  mounts?: Mount[];
  linux?: LinuxContainerConfig;
}

export type ContainerState = 'created' | 'running' | 'exited' | 'unknown';

export interface ContainerSummary {
  id: string;
  podSandboxId: string;
  metadata: ContainerMetadata;
  image: string;
  /** Resolved image reference, e.g. sha256:… */
  imageRef: string;
  state: ContainerState;
  createdAt: bigint;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface ContainerStatus extends ContainerSummary {
  /** Nanoseconds since epoch; 0n when not yet started / finished. */
  startedAt: bigint;
  finishedAt: bigint;
  exitCode: number;
  /** Short CamelCase reason, e.g. OOMKilled, Error, Completed. */
  reason: string;
  message: string;
}

export interface ContainerFilter {
  podSandboxId?: string;
  state?: ContainerState;
  labelSelector?: Record<string, string>;
}

export interface PodSandboxFilter {
  state?: PodSandboxState;
  labelSelector?: Record<string, string>;
}

export interface Image {
  id: string;
  repoTags: string[];
  repoDigests: string[];
  size: number;
}

export interface AuthConfig {
  username?: string;
  password?: string;
  auth?: string;
  serverAddress?: string;
}

export interface RuntimeVersion {
  /** e.g. "docker" or "containerd" */
  runtimeName: string;
  runtimeVersion: string;
  /** The containerID / imageID scheme in pod status: "docker" → docker://<id>. */
  scheme: string;
}

/** A lifecycle hint from the runtime's own event stream (the PLEG also relists). */
export interface RuntimeEvent {
  containerId: string;
  podUid?: string;
  type: 'created' | 'started' | 'stopped' | 'deleted';
}

export interface ExecSyncResult {
  stdout: Buffer;
  stderr: Buffer;
  exitCode: number;
}

export interface ExecRequest {
  cmd: string[];
  tty: boolean;
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
}

/** A running exec session (CRI Exec, streaming): the caller pumps the streams. */
export interface ExecSession {
  /** Present when the request asked for stdin. Ending it closes the process's stdin. */
  stdin?: NodeJS.WritableStream;
  /** With tty, stderr is merged into stdout. */
  stdout?: NodeJS.ReadableStream;
  stderr?: NodeJS.ReadableStream;
  resize(width: number, height: number): Promise<void>;
  /** Drops the connection to the process (the client went away); the process may live on. */
  close?(): void;
  /** Resolves with the process's exit code once it has ended and output is drained. */
  exitCode(): Promise<number>;
}

export interface LogRequest {
  follow: boolean;
  /** Only the last N lines. */
  tailLines?: number;
  /** Only lines written at or after this time. */
  since?: Date;
  /** Prefix each line with its RFC3339Nano timestamp (kubectl logs --timestamps). */
  timestamps: boolean;
  /** Stop after this many bytes. */
  limitBytes?: number;
}

/** One sample of a running container's usage (CRI ContainerStats, cut down). */
export interface ContainerStats {
  id: string;
  /** The labels the kubelet gave the container (pod name, namespace, uid, container name). */
  labels: Record<string, string>;
  /** When the runtime read the counters, nanoseconds since the epoch. */
  timestamp: bigint;
  /** CPU time used since the container started, nanoseconds (a counter: rates come from two samples). */
  usageCoreNanoSeconds: bigint;
  /** Memory in use less the inactive file cache the kernel can drop at once. */
  workingSetBytes: number;
}

export interface RuntimeService {
  version(): Promise<RuntimeVersion>;

  runPodSandbox(config: PodSandboxConfig): Promise<string>;
  /** Stops every container of the sandbox and the sandbox itself; idempotent. */
  stopPodSandbox(podSandboxId: string): Promise<void>;
  /** Removes the sandbox and any containers left in it; idempotent. */
  removePodSandbox(podSandboxId: string): Promise<void>;
  podSandboxStatus(podSandboxId: string): Promise<PodSandboxStatus>;
  listPodSandbox(filter?: PodSandboxFilter): Promise<PodSandbox[]>;

  createContainer(podSandboxId: string, config: ContainerConfig, sandboxConfig: PodSandboxConfig): Promise<string>;
  startContainer(containerId: string): Promise<void>;
  /** SIGTERM, then SIGKILL after timeoutSeconds; idempotent on stopped containers. */
  stopContainer(containerId: string, timeoutSeconds: number): Promise<void>;
  removeContainer(containerId: string): Promise<void>;
  listContainers(filter?: ContainerFilter): Promise<ContainerSummary[]>;
  containerStatus(containerId: string): Promise<ContainerStatus>;

  /** Runs cmd in the container and waits (probes, hooks); times out after timeoutSeconds. */
  execSync(containerId: string, cmd: string[], timeoutSeconds: number): Promise<ExecSyncResult>;
  /** Starts an interactive exec (kubectl exec). */
  exec(containerId: string, request: ExecRequest): Promise<ExecSession>;
  /** The container's log (stdout and stderr interleaved, as kubectl logs shows them). */
  containerLogs(containerId: string, request: LogRequest, signal: AbortSignal): Promise<NodeJS.ReadableStream>;

  /** Streams runtime events until signal aborts; may end early (the PLEG relists anyway). */
  events(signal: AbortSignal): AsyncIterable<RuntimeEvent>;
}

/** How far a pull has come, summed over the image's layers (what Docker's pull stream tells). */
export interface PullProgress {
  /** Bytes of layer data downloaded so far. */
  downloadedBytes: number;
  /** Bytes of every layer whose size is known yet (a layer's size arrives with its first progress). */
  totalBytes: number;
  layers: number;
  /** Layers downloaded (or already present). */
  layersDone: number;
}

/** The filesystem holding the runtime's images (CRI ImageFsInfo): the kubelet statfs()es its mount point. */
export interface ImageFsInfo {
  /** A directory on that filesystem (Docker's data root; containerd's snapshotter root). */
  mountpoint: string;
}

export interface ImageService {
  listImages(): Promise<Image[]>;
  /** undefined when the image is not present on the node. */
  imageStatus(image: string): Promise<Image | undefined>;
  /**
   * Pulls image; resolves to its image id. onProgress, when the runtime reports progress at
   * all (Docker does, the CRI does not), is called for every step of the pull stream.
   */
  pullImage(image: string, auth?: AuthConfig, onProgress?: (p: PullProgress) => void): Promise<string>;
  removeImage(image: string): Promise<void>;
  imageFsInfo(): Promise<ImageFsInfo>;
  /**
   * The ids of images that any container on the runtime uses, running or not, sandboxes
   * included, whoever created it, and the sandbox (pause) image always (the kubelet pins
   * it): image garbage collection must never remove those.
   */
  imagesInUse(): Promise<Set<string>>;
}

export interface ContainerRuntime extends RuntimeService, ImageService {
  /** A reading of every running container's counters (metrics.k8s.io, node pressure). */
  listContainerStats(): Promise<ContainerStats[]>;
  /** Sets up what the pod network needs on this node (e.g. the bridge for podCIDR). */
  ensurePodNetwork(podCIDR: string): Promise<void>;
  close(): Promise<void>;
}
