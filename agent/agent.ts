// `skiff agent`: join the cluster (verify the server's CA against the join token before any
// secret is sent), connect the container runtime, register the Node, get a pod range, and
// run the kubelet and the node heartbeats until stopped. Pods keep running when the agent
// stops: the next agent adopts them.

import { setMaxListeners } from 'node:events';
import { shutdownNodeIfStopping, SystemdShutdownDetector, type ShutdownDetector, type ShutdownPeriods } from './node/node-shutdown.js';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { ApiClient } from '../api/client.js';
import { createRecorder } from '../api/events.js';
import { caHashOfPem, fetchVerifiedCA, parseJoinToken } from '../api/join-token.js';
import { NodeManager, type NodeStatusSource } from './node/node-manager.js';
import { nodeCredential } from './node/credentials.js';
import { collectSystemInfo, nodeCapacity, type CapacityOptions, type Reserved } from './node/system-info.js';
import { Kubelet } from './kubelet/kubelet.js';
import { readCachedPodCIDR, savePodCIDR } from './node/pod-cidr-cache.js';
import { createImageManagement, type ImageOptions } from './images/images.js';
import type { DnsSettings } from './kubelet/pod-identity/dns.js';
import { DEFAULT_CLUSTER_DOMAIN, DEFAULT_RESOLV_CONF } from './kubelet/pod-identity/pod-identity.js';
import { DEFAULT_CONTAINERD_SOCKET } from './runtime/cri/default-socket.js';
import type { ContainerRuntime } from './runtime/runtime.js';
import { runtimeChoice } from './runtime/runtime-choice.js';
import { AgentError } from './errors.js';
import { TunnelClient } from './streaming/tunnel-client.js';
import { SummaryProvider } from './stats/summary-provider.js';
import { EvictionManager } from './eviction/eviction-manager.js';
import { observe } from './eviction/observations.js';
import { DEFAULT_EVICTION_HARD, parseEvictionHard, type Threshold } from './eviction/thresholds.js';

const NO_PRESSURE = { memory: false, disk: false, pid: false };
import { runProxy } from './proxy/proxy-server.js';
import { ServiceInformers } from './proxy/service-informers.js';
import { runNodeDns } from './dns/node-dns.js';
import { runNodeRoutes } from './network/node-routes-controller.js';
import type { PodNetworkBackend } from './network/routes.js';

export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';

export interface AgentOptions {
  /** --shutdown-grace-period(-critical-pods): pods stopped when the machine goes down; none: left running. */
  shutdown?: ShutdownPeriods;
  /** How a machine shutdown is told from an agent stop (systemd's state by default). */
  shutdownDetector?: ShutdownDetector;
  server: string;
  /** The join token (K10<ca-hash>::node:<secret>) or a bare secret with a CA already in dataDir. */
  token: string;
  nodeName: string;
  dataDir: string;
  runtime: 'docker' | 'containerd' | 'auto';
  runtimeEndpoint?: string | undefined;
  nodeIP?: string | undefined;
  logger: Logger;
  version: string;
  /** The service proxy (iptables); omitted or disabled: this agent programs no Service rules. */
  proxy?: AgentProxyOptions;
  /** Allocatable and eviction; omitted: the kubelet's defaults. */
  resources?: AgentResourceOptions;
  /** --pod-manifest-path: static pods; omitted: none. */
  podManifestPath?: string | undefined;
  /** Image GC thresholds and pull progress; omitted: the kubelet's defaults (85 % / 80 %, 2 m, every 5 m). */
  images?: ImageOptions;
  /** Pods' DNS (--cluster-dns, --cluster-domain, --resolv-conf); omitted: no cluster DNS, cluster.local, /etc/resolv.conf. */
  dns?: Partial<DnsSettings>;
  /** Serve cluster DNS on this node, on the first --cluster-dns address (agent/dns/). */
  dnsServer?: boolean;
  /** How pods reach pods on other nodes (agent/network/); omitted: host-gw. */
  podNetworkBackend?: PodNetworkBackend;
}

export interface AgentResourceOptions {
  evictionHard: Threshold[];
  /** kube-reserved + system-reserved. */
  reserved: Reserved;
  maxPods: number;
  /** How often eviction signals are read (the kubelet's housekeeping interval). */
  evictionIntervalMs: number;
  evictionPressureTransitionPeriodMs: number;
}

/** What allocatable keeps back for the hard eviction thresholds, as the kubelet does. */
function capacityOptions(r: AgentResourceOptions | undefined): CapacityOptions {
  if (!r) return {};
  const memory = r.evictionHard.find((t) => t.signal === 'memory.available');
  const nodefs = r.evictionHard.find((t) => t.signal === 'nodefs.available');
  return {
    maxPods: r.maxPods,
    reserved: r.reserved,
    evictionHard: { memoryBytes: memory?.quantity ?? 0, ephemeralStorageFraction: nodefs?.percentage ?? 0 },
  };
}

export interface AgentProxyOptions {
  enabled: boolean;
  /** The control server's --service-cidr: the proxy rejects what no rule translated into it. */
  serviceCIDR: string;
  minSyncIntervalMs: number;
  syncPeriodMs: number;
}

export type RuntimeKind = 'docker' | 'containerd';

/** containerd sockets tried in order: Skiff's own (scripts/host-setup.sh), then the usual one. */
export const CONTAINERD_SOCKETS = [DEFAULT_CONTAINERD_SOCKET, '/run/containerd/containerd.sock'];

/**
 * Only the runtime in use is loaded: the containerd one brings gRPC and the CRI protocol
 * (~4.6 MiB of RSS, measured), which a Docker node on a Raspberry Pi should not carry.
 */
async function createRuntime(kind: RuntimeKind, socketPath: string, o: AgentOptions, logger: Logger): Promise<ContainerRuntime> {
  if (kind === 'containerd') {
    const { ContainerdRuntime, defaultLogRoot } = await import('./runtime/cri/containerd-runtime.js');
    return new ContainerdRuntime({ socketPath, nodeName: o.nodeName, logRoot: defaultLogRoot(o.dataDir), logger });
  }
  const { DockerRuntime } = await import('./runtime/docker/docker-runtime.js');
  return new DockerRuntime({ socketPath, nodeName: o.nodeName, stateDir: join(o.dataDir, 'pod-network'), logger });
}

const INSTALL_HINT: Record<RuntimeKind, string> = {
  docker: 'install and start Docker (Debian: apt-get install -y docker.io)',
  containerd: 'install and start containerd (Debian: apt-get install -y containerd; scripts/host-setup.sh starts one for Skiff)',
};

/**
 * Finds the runtime socket, or fails with the one line a user needs. auto takes Docker
 * when its socket is there (what Skiff always used), else containerd; with an endpoint,
 * auto means Docker for a socket named docker.sock and containerd for any other.
 */
export function resolveRuntime(o: Pick<AgentOptions, 'runtime' | 'runtimeEndpoint'>): { kind: RuntimeKind; socketPath: string } {
  const endpoint = o.runtimeEndpoint?.replace(/^unix:\/\//, '');
  const fail = (kind: RuntimeKind | 'auto', tried: string[]) =>
    new AgentError(
      'NoRuntime',
      `no container runtime socket at ${tried.join(' or ')}: ${kind === 'auto' ? `${INSTALL_HINT.docker}, or ${INSTALL_HINT.containerd},` : INSTALL_HINT[kind]} or point --runtime-endpoint at a running one`,
    );
  if (endpoint) {
    const kind: RuntimeKind = o.runtime === 'auto' ? (/(^|\/)docker\.sock$/.test(endpoint) ? 'docker' : 'containerd') : o.runtime;
    if (!existsSync(endpoint)) throw fail(kind, [endpoint]);
    return { kind, socketPath: endpoint };
  }
  const candidates: Array<{ kind: RuntimeKind; socketPath: string }> = [];
  if (o.runtime !== 'containerd') candidates.push({ kind: 'docker', socketPath: DEFAULT_DOCKER_SOCKET });
  if (o.runtime !== 'docker') candidates.push(...CONTAINERD_SOCKETS.map((socketPath) => ({ kind: 'containerd' as const, socketPath })));
  const found = candidates.find((c) => existsSync(c.socketPath));
  if (!found) throw fail(o.runtime, candidates.map((c) => c.socketPath));
  return found;
}

function hashOrUndefined(pem: string): string | undefined {
  try {
    return caHashOfPem(pem);
  } catch {
    return undefined;
  }
}

async function trustedCA(o: AgentOptions): Promise<{ caPem: string; secret: string }> {
  const token = parseJoinToken(o.token);
  const caPath = join(o.dataDir, 'ca.crt');
  if (token.caHash) {
    // A CA saved by an earlier start that matches the token needs no control server.
    const saved = existsSync(caPath) ? await readFile(caPath, 'utf8') : undefined;
    if (saved && hashOrUndefined(saved) === token.caHash) return { caPem: saved, secret: token.secret };
    const caPem = await fetchVerifiedCA(o.server, token.caHash);
    await writeFile(caPath, caPem, { mode: 0o644 });
    return { caPem, secret: token.secret };
  }
  if (existsSync(caPath)) return { caPem: await readFile(caPath, 'utf8'), secret: token.secret };
  throw new AgentError('NoCA', `the token has no CA hash and ${caPath} does not exist: use the full token from the control server's node-token file`);
}

function statusSource(nodeName: string, runtimeVersion: string, nodeIP: string | undefined, version: string, dataDir: string, capacity0: CapacityOptions): Promise<NodeStatusSource> {
  return collectSystemInfo({ rootDir: dataDir }).then((info) => {
    const hostIP = nodeIP ?? info.internalIP;
    if (!hostIP) throw new AgentError('NoNodeIP', 'could not find this host\'s IPv4 address: pass --node-ip');
    const { capacity, allocatable } = nodeCapacity(info, capacity0);
    return {
      labels: () => ({
        'kubernetes.io/hostname': nodeName,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': info.architecture,
        'beta.kubernetes.io/os': 'linux',
        'beta.kubernetes.io/arch': info.architecture,
      }),
      status: async () => ({
        capacity,
        allocatable,
        addresses: [
          { type: 'InternalIP' as const, address: hostIP },
          { type: 'Hostname' as const, address: nodeName },
        ],
        daemonEndpoints: { kubeletEndpoint: { Port: 0 } },
        nodeInfo: {
          machineID: info.machineID,
          systemUUID: info.systemUUID,
          bootID: info.bootID,
          kernelVersion: info.kernelVersion,
          osImage: info.osImage,
          containerRuntimeVersion: runtimeVersion,
          kubeletVersion: `v1.33.0+skiff${version}`,
          kubeProxyVersion: '',
          operatingSystem: 'linux',
          architecture: info.architecture,
        },
      }),
    };
  });
}

export async function runAgent(o: AgentOptions, stop: AbortSignal): Promise<void> {
  const log = o.logger;
  // Every component runs on `signal`, aborted once the agent's own stop work is done: a
  // node going down first stops its pods (node-shutdown.ts); a plain stop goes at once.
  const inner = new AbortController();
  setMaxListeners(200, inner.signal);
  const signal = inner.signal;
  let beforeStop: () => Promise<void> = async () => undefined;
  const onStop = () => void beforeStop().finally(() => inner.abort());
  if (stop.aborted) inner.abort();
  else stop.addEventListener('abort', onStop, { once: true });
  const target = resolveRuntime(o);
  const candidates = [{ kind: 'docker' as const, socketPath: DEFAULT_DOCKER_SOCKET }, ...CONTAINERD_SOCKETS.map((socketPath) => ({ kind: 'containerd' as const, socketPath }))];
  log.info({ runtime: target.kind, socket: target.socketPath }, `container runtime chosen: ${runtimeChoice({ requested: o.runtime, endpoint: o.runtimeEndpoint?.replace(/^unix:\/\//, ''), chosen: target, candidates, exists: existsSync })}`);
  await mkdir(o.dataDir, { recursive: true, mode: 0o700 });
  const { caPem } = await trustedCA(o);
  // From here on the agent speaks as system:node:<name>, with its own saved credential.
  const secret = await nodeCredential({ server: o.server, caPem, token: parseJoinToken(o.token), nodeName: o.nodeName, dataDir: o.dataDir });
  const client = new ApiClient({ server: o.server, token: secret, caPem, userAgent: `skiff-agent/${o.nodeName}` });
  const runtimeLog = log.child({ component: 'runtime' });
  const runtime = await createRuntime(target.kind, target.socketPath, o, runtimeLog);
  try {
    const rv = await runtime.version();
    log.info({ runtime: rv.runtimeName, version: rv.runtimeVersion, socket: target.socketPath, requested: o.runtime }, 'container runtime connected');
    const source = await statusSource(o.nodeName, `${rv.scheme}://${rv.runtimeVersion}`, o.nodeIP, o.version, o.dataDir, capacityOptions(o.resources));
    const hostIP = (await source.status()).addresses!.find((a) => a.type === 'InternalIP')!.address;
    let eviction: EvictionManager | undefined;
    const nodes = new NodeManager({ client, nodeName: o.nodeName, source, pressure: () => eviction?.pressure() ?? NO_PRESSURE, logger: log.child({ component: 'node' }) });
    // A restart goes on with the saved pod range while registration waits for the control
    // server, so static pods run without it; a first start waits for the range.
    const registered = nodes.register(signal).then(() => nodes.waitForPodCIDR(signal));
    const savedCIDR = await readCachedPodCIDR(o.dataDir);
    const podCIDR = savedCIDR ?? (await registered);
    const registration = registered.then(async (assigned) => {
      if (assigned !== savedCIDR) await savePodCIDR(o.dataDir, assigned);
      if (savedCIDR && assigned !== savedCIDR) log.warn({ saved: savedCIDR, assigned }, 'the control server assigned another pod range: restart the agent to use it');
    });
    registration.catch(() => undefined);
    await runtime.ensurePodNetwork(podCIDR);
    log.info({ node: o.nodeName, podCIDR, hostIP }, 'node ready');
    const record = createRecorder(client, { component: 'kubelet', host: o.nodeName }, log);
    const images = createImageManagement({ client, runtime, nodeName: o.nodeName, record, logger: log, options: o.images });
    const kubelet = new Kubelet({
      client,
      runtime,
      nodeName: o.nodeName,
      hostIP,
      logger: log.child({ component: 'kubelet' }),
      record,
      imagePuller: images.puller,
      dataDir: o.dataDir,
      podManifestPath: o.podManifestPath,
      dns: {
        clusterDNS: o.dns?.clusterDNS ?? [],
        clusterDomain: o.dns?.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN,
        resolvConf: o.dns?.resolvConf ?? DEFAULT_RESOLV_CONF,
      },
    });
    // logs/exec reach this node over its own outbound connection (no inbound port).
    const summaries = new SummaryProvider({ runtime });
    const thresholds = o.resources?.evictionHard ?? parseEvictionHard(DEFAULT_EVICTION_HARD);
    eviction = new EvictionManager({
      thresholds,
      observe: () => observe(o.dataDir),
      activePods: () => kubelet.activePods(),
      usage: () => summaries.summary(),
      evict: (pod, message) => kubelet.evictPod(pod, message),
      onPressureChange: () => nodes.pokeStatus(),
      logger: log.child({ component: 'eviction' }),
      ...(o.resources ? { intervalMs: o.resources.evictionIntervalMs, transitionPeriodMs: o.resources.evictionPressureTransitionPeriodMs } : {}),
    });
    const tunnel = new TunnelClient({ server: o.server, token: secret, caPem, nodeName: o.nodeName, runtime, summaries, logger: log.child({ component: 'streaming' }) });
    const dnsIP = o.dnsServer ? o.dns?.clusterDNS?.[0] : undefined;
    // One Service/EndpointSlice watch for the proxy and the DNS server.
    const informers = o.proxy?.enabled || dnsIP ? new ServiceInformers(client, log.child({ component: 'services' })) : undefined;
    const dns = dnsIP && informers
      ? runNodeDns({ informers, address: dnsIP, clusterDomain: o.dns?.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN, resolvConf: o.dns?.resolvConf ?? DEFAULT_RESOLV_CONF, logger: log.child({ component: 'dns' }) }, signal)
      : Promise.resolve();
    const proxy = o.proxy?.enabled
      ? runProxy(
          {
            client,
            informers,
            nodeName: o.nodeName,
            config: { serviceCIDR: o.proxy.serviceCIDR, podCIDR, nodeIPs: [hostIP], localServiceIPs: dnsIP ? [dnsIP] : [] },
            minSyncIntervalMs: o.proxy.minSyncIntervalMs,
            syncPeriodMs: o.proxy.syncPeriodMs,
            logger: log.child({ component: 'proxy' }),
          },
          signal,
        )
      : Promise.resolve();
    beforeStop = async () => {
      await shutdownNodeIfStopping({
        gracePeriodMs: o.shutdown?.gracePeriodMs ?? 0,
        criticalGracePeriodMs: o.shutdown?.criticalGracePeriodMs ?? 0,
        detector: o.shutdownDetector ?? new SystemdShutdownDetector(),
        stopPods: (critical, seconds) => kubelet.stopPodsForShutdown(critical, seconds),
        markNode: () => nodes.markShuttingDown(),
        logger: log.child({ component: 'node-shutdown' }),
      }).catch((err: Error) => log.error({ err: err.message }, 'stopping pods for node shutdown failed'));
    };
    const backend = o.podNetworkBackend ?? 'host-gw';
    const podRoutes = backend === 'none' ? Promise.resolve() : runNodeRoutes({ client, self: { node: o.nodeName, nodeIP: hostIP, podCIDR }, backend, logger: log.child({ component: 'pod-network' }) }, signal);
    await Promise.all([kubelet.run(signal), registration.then(() => nodes.run(signal), () => undefined), tunnel.run(signal), proxy, eviction.run(signal), images.gc.run(signal), podRoutes, informers?.run(signal), dns]);
  } finally {
    client.close();
    await runtime.close();
  }
}
