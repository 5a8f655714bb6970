// `skiff agent`: join the cluster (verify the server's CA against the join token before any
// secret is sent), connect the container runtime, register the Node, get a pod range, and
// run the kubelet and the node heartbeats until stopped. Pods keep running when the agent
// stops: the next agent adopts them.

import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { ApiClient } from '../api/client.js';
import { createRecorder } from '../api/events.js';
import { fetchVerifiedCA, parseJoinToken } from '../api/join-token.js';
import { NodeManager, type NodeStatusSource } from './node/node-manager.js';
import { collectSystemInfo, nodeCapacity } from './node/system-info.js';
import { Kubelet } from './kubelet/kubelet.js';
import { DockerRuntime } from './runtime/docker/docker-runtime.js';
import type { ContainerRuntime } from './runtime/runtime.js';
import { AgentError } from './errors.js';
import { TunnelClient } from './streaming/tunnel-client.js';
import { runProxy } from './proxy/proxy-server.js';

export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';

export interface AgentOptions {
  server: string;
  /** The join token (K10<ca-hash>::node:<secret>) or a bare secret with a CA already in dataDir. */
  token: string;
  nodeName: string;
  dataDir: string;
  runtime: 'docker' | 'auto';
  runtimeEndpoint?: string | undefined;
  nodeIP?: string | undefined;
  logger: Logger;
  version: string;
  /** The service proxy (iptables); omitted or disabled: this agent programs no Service rules. */
  proxy?: AgentProxyOptions;
}

export interface AgentProxyOptions {
  enabled: boolean;
  /** The control server's --service-cidr: the proxy rejects what no rule translated into it. */
  serviceCIDR: string;
  minSyncIntervalMs: number;
  syncPeriodMs: number;
}

/** Finds the runtime socket, or fails with the one line a user needs. */
export function resolveRuntime(o: Pick<AgentOptions, 'runtime' | 'runtimeEndpoint'>): { kind: 'docker'; socketPath: string } {
  const socketPath = (o.runtimeEndpoint ?? DEFAULT_DOCKER_SOCKET).replace(/^unix:\/\//, '');
  if (!existsSync(socketPath)) {
    throw new AgentError(
      'NoRuntime',
      `no container runtime socket at ${socketPath}: install and start Docker (Debian: apt-get install -y docker.io) or point --runtime-endpoint at a running one`,
    );
  }
  return { kind: 'docker', socketPath };
}

async function trustedCA(o: AgentOptions): Promise<{ caPem: string; secret: string }> {
  const token = parseJoinToken(o.token);
  const caPath = join(o.dataDir, 'ca.crt');
  if (token.caHash) {
    const caPem = await fetchVerifiedCA(o.server, token.caHash);
    await writeFile(caPath, caPem, { mode: 0o644 });
    return { caPem, secret: token.secret };
  }
  if (existsSync(caPath)) return { caPem: await readFile(caPath, 'utf8'), secret: token.secret };
  throw new AgentError('NoCA', `the token has no CA hash and ${caPath} does not exist: use the full token from the control server's node-token file`);
}

function statusSource(nodeName: string, runtimeVersion: string, nodeIP: string | undefined, version: string, dataDir: string): Promise<NodeStatusSource> {
  return collectSystemInfo({ rootDir: dataDir }).then((info) => {
    const hostIP = nodeIP ?? info.internalIP;
    if (!hostIP) throw new AgentError('NoNodeIP', 'could not find this host\'s IPv4 address: pass --node-ip');
    const { capacity, allocatable } = nodeCapacity(info, {});
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

export async function runAgent(o: AgentOptions, signal: AbortSignal): Promise<void> {
  const log = o.logger;
  const target = resolveRuntime(o);
  await mkdir(o.dataDir, { recursive: true, mode: 0o700 });
  const { caPem, secret } = await trustedCA(o);
  const client = new ApiClient({ server: o.server, token: secret, caPem, userAgent: `skiff-agent/${o.nodeName}` });
  const runtime: ContainerRuntime = new DockerRuntime({ socketPath: target.socketPath, nodeName: o.nodeName, stateDir: join(o.dataDir, 'pod-network'), logger: log.child({ component: 'runtime' }) });
  try {
    const rv = await runtime.version();
    log.info({ runtime: rv.runtimeName, version: rv.runtimeVersion, socket: target.socketPath }, 'container runtime connected');
    const source = await statusSource(o.nodeName, `${rv.scheme}://${rv.runtimeVersion}`, o.nodeIP, o.version, o.dataDir);
    const hostIP = (await source.status()).addresses!.find((a) => a.type === 'InternalIP')!.address;
    const nodes = new NodeManager({ client, nodeName: o.nodeName, source, logger: log.child({ component: 'node' }) });
    await nodes.register(signal);
    const podCIDR = await nodes.waitForPodCIDR(signal);
    await runtime.ensurePodNetwork(podCIDR);
    log.info({ node: o.nodeName, podCIDR, hostIP }, 'node ready');
    const kubelet = new Kubelet({
      client,
      runtime,
      nodeName: o.nodeName,
      hostIP,
      logger: log.child({ component: 'kubelet' }),
      record: createRecorder(client, { component: 'kubelet', host: o.nodeName }, log),
      dataDir: o.dataDir,
    });
    // logs/exec reach this node over its own outbound connection (no inbound port).
    const tunnel = new TunnelClient({ server: o.server, token: secret, caPem, nodeName: o.nodeName, runtime, logger: log.child({ component: 'streaming' }) });
    const proxy = o.proxy?.enabled
      ? runProxy(
          {
            client,
            nodeName: o.nodeName,
            config: { serviceCIDR: o.proxy.serviceCIDR, podCIDR, nodeIPs: [hostIP] },
            minSyncIntervalMs: o.proxy.minSyncIntervalMs,
            syncPeriodMs: o.proxy.syncPeriodMs,
            logger: log.child({ component: 'proxy' }),
          },
          signal,
        )
      : Promise.resolve();
    await Promise.all([kubelet.run(signal), nodes.run(signal), tunnel.run(signal), proxy]);
  } finally {
    client.close();
    await runtime.close();
  }
}
