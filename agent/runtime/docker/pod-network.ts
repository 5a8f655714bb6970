// The node's pod network on Docker: one user-defined bridge network per node, whose subnet
// is the node's podCIDR, so every sandbox gets a pod IP from the range the control plane
// gave this node. Only networks labelled with our node name are ever changed; Docker's
// own networks and iptables chains are left alone (Docker manages the bridge's NAT).

import type Dockerode from 'dockerode';
import type { Logger } from 'pino';
import { RuntimeError } from '../errors.js';
import { LABEL_NODE_NAME } from '../runtime.js';
import { statusOf, wrap } from './docker-errors.js';
import { podBridgeName, podNetworkName } from './labels.js';

export interface Ipv4Range {
  /** Network address, host bits cleared: "10.42.3.0/24". */
  subnet: string;
  /** First usable address, the bridge's own: "10.42.3.1". */
  gateway: string;
}

function toInt(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    n = n * 256 + Number(p);
  }
  return n;
}

function toIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** Parses an IPv4 CIDR; the pod network needs at least a /30 (gateway + one pod). */
export function parsePodCIDR(cidr: string): Ipv4Range {
  const m = /^([0-9.]+)\/(\d{1,2})$/.exec(cidr.trim());
  const base = m ? toInt(m[1]!) : undefined;
  const bits = m ? Number(m[2]) : NaN;
  if (base === undefined || !(bits >= 1 && bits <= 30)) {
    throw new RuntimeError('CreateFailed', `pod CIDR "${cidr}" is not an IPv4 range between /1 and /30`);
  }
  const mask = (0xffffffff << (32 - bits)) >>> 0;
  const network = (base & mask) >>> 0;
  return { subnet: `${toIp(network)}/${bits}`, gateway: toIp(network + 1) };
}

export interface PodNetworkOptions {
  docker: Dockerode;
  socketPath: string;
  nodeName: string;
  logger: Logger;
}

async function findByName(docker: Dockerode, name: string): Promise<Dockerode.NetworkInspectInfo | undefined> {
  // The name filter matches substrings; keep the exact name only.
  const list = await docker.listNetworks({ filters: { name: [name] } });
  const hit = list.find((n) => n.Name === name);
  if (!hit) return undefined;
  try {
    // The list answer has no attached containers; inspect does.
    return (await docker.getNetwork(hit.Id).inspect()) as Dockerode.NetworkInspectInfo;
  } catch (err) {
    if (statusOf(err) === 404) return undefined;
    throw err;
  }
}

function subnetOf(n: Dockerode.NetworkInspectInfo): string | undefined {
  return n.IPAM?.Config?.[0]?.Subnet;
}

/** Creates or fixes up the node's pod network; safe to call on every start. */
export async function ensurePodNetwork(o: PodNetworkOptions, podCIDR: string): Promise<void> {
  const want = parsePodCIDR(podCIDR);
  const name = podNetworkName(o.nodeName);
  const log = o.logger.child({ network: name });
  try {
    for (let round = 0; round < 3; round++) {
      const existing = await findByName(o.docker, name);
      if (existing) {
        if (existing.Labels?.[LABEL_NODE_NAME] !== o.nodeName) {
          throw new RuntimeError('CreateFailed', `Docker network ${name} exists but was not created by Skiff for node ${o.nodeName}; remove or rename it`);
        }
        if (subnetOf(existing) === want.subnet) return;
        const attached = Object.keys(existing.Containers ?? {}).length;
        if (attached > 0) {
          throw new RuntimeError(
            'CreateFailed',
            `pod network ${name} has subnet ${subnetOf(existing) ?? '?'} but the node's podCIDR is ${want.subnet}, and ${attached} container(s) are still attached; remove those pods first`,
          );
        }
        log.info({ from: subnetOf(existing), to: want.subnet }, 'pod CIDR changed, recreating pod network');
        try {
          await o.docker.getNetwork(existing.Id).remove();
        } catch (err) {
          if (statusOf(err) !== 404) throw err;
        }
      }
      try {
        await o.docker.createNetwork({
          Name: name,
          Driver: 'bridge',
          CheckDuplicate: true,
          IPAM: { Driver: 'default', Config: [{ Subnet: want.subnet, Gateway: want.gateway }] },
          Options: {
            'com.docker.network.bridge.name': podBridgeName(o.nodeName),
            'com.docker.network.bridge.enable_ip_masquerade': 'true',
            'com.docker.network.bridge.enable_icc': 'true',
          },
          Labels: { [LABEL_NODE_NAME]: o.nodeName },
        });
        log.info({ subnet: want.subnet, bridge: podBridgeName(o.nodeName) }, 'pod network created');
        return;
      } catch (err) {
        // Another caller created it between our look and our create: look again.
        if (statusOf(err) === 409) continue;
        throw err;
      }
    }
    throw new RuntimeError('CreateFailed', `pod network ${name} kept changing while it was being set up`);
  } catch (err) {
    throw wrap(o.socketPath, err, 'CreateFailed', `setting up pod network ${name} for ${want.subnet}`);
  }
}
