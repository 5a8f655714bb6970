// The node's pod network on Docker, the dockershim way: sandboxes start with Docker's
// "none" network and the agent attaches them through CNI (bridge + host-local for the
// node's podCIDR, portmap for hostPorts). Forwarding and masquerading are three node-wide
// rules (pod-network-rules.ts) rather than per-pod CNI rules. Docker's own networks are
// never used or changed, and a sandbox on "none" starts sooner than on a user-defined
// Docker network (see bench/run.ts).
//
// What CNI handed out is kept in one small file per sandbox in the agent's data dir: the
// pod IP must survive an agent restart, and DEL needs the ADD result back.

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type Dockerode from 'dockerode';
import type { Logger } from 'pino';
import { writeFileAtomic } from '../../../api/atomic-file.js';
import { RuntimeError } from '../errors.js';
import { LABEL_NODE_NAME, type PortMapping } from '../runtime.js';
import { parsePodCIDR as parseCniRange, PodCIDRError, type Ipv4Range } from '../cni/pod-conflist.js';
import { cniAdd, cniDel, ipv4Of, type CniConfList, type CniResult } from './cni-exec.js';
import { ensurePodNetworkRules, removePodNetworkRules } from './pod-network-rules.js';
import { podBridgeName, podNetworkName } from './labels.js';

const run = promisify(execFile);

/** The CNI runtime's parser (cni/pod-conflist.ts), failing as the kubelet expects: CreateFailed. */
export function parsePodCIDR(cidr: string): Ipv4Range {
  try {
    return parseCniRange(cidr);
  } catch (err) {
    if (err instanceof PodCIDRError) throw new RuntimeError('CreateFailed', err.message);
    throw err;
  }
}

/** The CNI configuration list for one node's pods. */
export function podNetworkConfList(nodeName: string, range: Ipv4Range, ipamDir: string): CniConfList {
  return {
    cniVersion: '1.0.0',
    name: podNetworkName(nodeName),
    plugins: [
      {
        type: 'bridge',
        bridge: podBridgeName(nodeName),
        isGateway: true,
        // Masquerade is one node-wide rule (pod-network-rules.ts), not a chain per pod.
        ipMasq: false,
        // A pod reaching itself through its Service's IP comes back in on its own port.
        hairpinMode: true,
        ipam: {
          type: 'host-local',
          ranges: [[{ subnet: range.subnet, gateway: range.gateway }]],
          routes: [{ dst: '0.0.0.0/0' }],
          dataDir: ipamDir,
        },
      },
      { type: 'portmap', capabilities: { portMappings: true }, snat: true },
    ],
  };
}

/** portmap's runtimeConfig entry. */
interface CniPortMapping {
  hostPort: number;
  containerPort: number;
  protocol: string;
  hostIP: string;
}

interface SandboxNetwork {
  ip: string;
  result: CniResult;
  /** DEL must be given the same mappings as ADD: portmap removes nothing otherwise. */
  portMappings: CniPortMapping[];
}

export interface PodNetworkOptions {
  nodeName: string;
  /** Where IPAM leases and per-sandbox results live (the agent's data dir). */
  stateDir: string;
  cniBinDir: string;
  docker: Dockerode;
  logger: Logger;
}

export class DockerPodNetwork {
  private confList: CniConfList | undefined;
  private readonly sandboxDir: string;
  private readonly ipamDir: string;
  private readonly cidrFile: string;

  constructor(private readonly o: PodNetworkOptions) {
    this.sandboxDir = join(o.stateDir, 'sandboxes');
    this.ipamDir = join(o.stateDir, 'ipam');
    this.cidrFile = join(o.stateDir, 'pod-cidr');
  }

  /** Prepares the network for podCIDR; safe to call on every start. */
  async ensure(podCIDR: string): Promise<void> {
    const range = parsePodCIDR(podCIDR);
    // Checked here, at agent start, so a missing package is one clear line, not a pod failure later.
    const missing = ['bridge', 'host-local', 'portmap'].filter((p) => !existsSync(join(this.o.cniBinDir, p)));
    if (missing.length) {
      throw new RuntimeError('CreateFailed', `CNI plugins ${missing.join(', ')} not found in ${this.o.cniBinDir}: install them (Debian: apt-get install -y containernetworking-plugins)`);
    }
    await mkdir(this.sandboxDir, { recursive: true });
    const before = (await readFile(this.cidrFile, 'utf8').catch(() => '')).trim();
    if (before && before !== range.subnet) {
      const attached = (await readdir(this.sandboxDir)).filter((f) => f.endsWith('.json')).length;
      if (attached > 0) {
        throw new RuntimeError(
          'CreateFailed',
          `the pod network has subnet ${before} but the node's podCIDR is ${range.subnet}, and ${attached} pod sandbox(es) are still attached; remove those pods first`,
        );
      }
      this.o.logger.info({ from: before, to: range.subnet }, 'pod CIDR changed, recreating the pod bridge');
      await this.delete();
      await rm(this.ipamDir, { recursive: true, force: true });
    }
    await this.removeLegacyDockerNetwork();
    await ensurePodNetworkRules(this.o.nodeName, range.subnet);
    await writeFileAtomic(this.cidrFile, `${range.subnet}\n`, 0o644);
    this.confList = podNetworkConfList(this.o.nodeName, range, this.ipamDir);
  }

  /** Attaches a started sandbox (its pause process is pid) and returns the pod IP. */
  async setUp(sandboxId: string, pid: number, portMappings: PortMapping[]): Promise<string> {
    const list = this.requireConfList();
    const cniPorts = portMappings
      .filter((m) => m.hostPort > 0)
      .map((m) => ({ hostPort: m.hostPort, containerPort: m.containerPort, protocol: m.protocol.toLowerCase(), hostIP: m.hostIp ?? '' }));
    const result = await cniAdd(this.o.cniBinDir, list, {
      containerId: sandboxId,
      netns: `/proc/${pid}/ns/net`,
      ifName: 'eth0',
      runtimeConfig: { portMappings: cniPorts },
    });
    const ip = ipv4Of(result);
    const state: SandboxNetwork = { ip, result, portMappings: cniPorts };
    await writeFileAtomic(this.stateFile(sandboxId), JSON.stringify(state), 0o644);
    return ip;
  }

  /** The pod IP CNI gave the sandbox, '' when it has none (torn down or never set up). */
  async ip(sandboxId: string): Promise<string> {
    return (await this.state(sandboxId))?.ip ?? '';
  }

  /** Detaches the sandbox and releases its IP; idempotent. pid 0: the netns is gone. */
  async tearDown(sandboxId: string, pid: number): Promise<void> {
    const state = await this.state(sandboxId);
    if (!state) return;
    // The CNI config of this boot may not be known yet (ensure() runs after the node has its
    // podCIDR); DEL only needs the plugin chain, which the recorded result's range gives.
    const list = this.confList ?? podNetworkConfList(this.o.nodeName, rangeOfResult(state.result), this.ipamDir);
    await cniDel(this.o.cniBinDir, list, {
      containerId: sandboxId,
      netns: pid > 0 ? `/proc/${pid}/ns/net` : '',
      ifName: 'eth0',
      runtimeConfig: { portMappings: state.portMappings ?? [] },
    }, state.result);
    await unlink(this.stateFile(sandboxId)).catch(() => undefined);
  }

  /** Removes the node's bridge device and iptables rules (cleanup after the last pod is gone). */
  async delete(): Promise<void> {
    await removePodNetworkRules(this.o.nodeName);
    await run('ip', ['link', 'delete', podBridgeName(this.o.nodeName), 'type', 'bridge']).catch(() => undefined);
  }

  private requireConfList(): CniConfList {
    if (!this.confList) throw new RuntimeError('CreateFailed', 'the pod network is not set up: ensurePodNetwork(podCIDR) must run before pods start');
    return this.confList;
  }

  private stateFile(sandboxId: string): string {
    return join(this.sandboxDir, `${sandboxId.replace(/[^0-9a-zA-Z]/g, '')}.json`);
  }

  private async state(sandboxId: string): Promise<SandboxNetwork | undefined> {
    try {
      return JSON.parse(await readFile(this.stateFile(sandboxId), 'utf8')) as SandboxNetwork;
    } catch {
      return undefined;
    }
  }

  /** Earlier Skiff versions put pods on a Docker network of this name: drop it once empty. */
  private async removeLegacyDockerNetwork(): Promise<void> {
    const name = podNetworkName(this.o.nodeName);
    try {
      const nets = await this.o.docker.listNetworks({ filters: { name: [name], label: [`${LABEL_NODE_NAME}=${this.o.nodeName}`] } });
      for (const n of nets.filter((x) => x.Name === name)) await this.o.docker.getNetwork(n.Id).remove();
    } catch (err) {
      this.o.logger.warn({ network: name, err: (err as Error).message }, 'could not remove the Docker network earlier versions used');
    }
  }
}

/** The /24-or-whatever range a recorded result's address and gateway came from. */
function rangeOfResult(result: CniResult): Ipv4Range {
  const ip = result.ips?.[0];
  const cidr = ip?.address ?? '0.0.0.0/30';
  const range = parsePodCIDR(cidr);
  return ip?.gateway ? { subnet: range.subnet, gateway: ip.gateway } : range;
}
