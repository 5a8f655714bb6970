// The node's pod network as a CNI network configuration list, for a runtime that calls
// the CNI plugins itself (containerd's CRI plugin): a Linux bridge per node whose
// gateway is the first address of the node's podCIDR, host-local addresses from that
// range, masquerade for traffic leaving the range, portmap for hostPort, and firewall so
// that a host whose FORWARD policy is DROP (Docker sets it) still forwards pod traffic.
// Pure: the
// caller decides where the file goes. Plugins are those of Debian's
// containernetworking-plugins (/usr/lib/cni).
//
// The loopback interface is not in this list: a chain's plugins all work on the pod's
// eth0, so `lo` is its own one-plugin network (loopbackConflist); containerd brings it up
// itself with the loopback plugin from the same directory.

import { createHash } from 'node:crypto';

export const CNI_VERSION = '0.4.0';

export interface PodConflistOptions {
  nodeName: string;
  podCIDR: string;
}

export interface Ipv4Range {
  /** Network address, host bits cleared: "10.42.3.0/24". */
  subnet: string;
  /** First usable address, the bridge's own: "10.42.3.1". */
  gateway: string;
}

export class PodCIDRError extends Error {
  constructor(cidr: string) {
    super(`pod CIDR "${cidr}" is not an IPv4 range between /1 and /30`);
    this.name = 'PodCIDRError';
  }
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

/** Parses an IPv4 CIDR; a pod network needs at least a /30 (gateway + one pod). */
export function parsePodCIDR(cidr: string): Ipv4Range {
  const m = /^([0-9.]+)\/(\d{1,2})$/.exec(cidr.trim());
  const base = m ? toInt(m[1]!) : undefined;
  const bits = m ? Number(m[2]) : NaN;
  if (base === undefined || !(bits >= 1 && bits <= 30)) throw new PodCIDRError(cidr);
  const mask = (0xffffffff << (32 - bits)) >>> 0;
  const network = (base & mask) >>> 0;
  return { subnet: `${toIp(network)}/${bits}`, gateway: toIp(network + 1) };
}

/**
 * Linux interface names stop at 15 bytes, node names do not: "skc-" + 8 hex chars of a
 * hash keeps the bridges of several nodes on one host apart, and apart from the Docker
 * runtime's "sk-" bridges of the same node.
 */
export function cniBridgeName(nodeName: string): string {
  return `skc-${createHash('sha256').update(nodeName).digest('hex').slice(0, 8)}`;
}

/** The CNI network name: it also names host-local's address store (/var/lib/cni/networks/NAME). */
export function cniNetworkName(nodeName: string): string {
  return `skiff-${nodeName}`;
}

export function podConflist(o: PodConflistOptions): object {
  const range = parsePodCIDR(o.podCIDR);
  return {
    cniVersion: CNI_VERSION,
    name: cniNetworkName(o.nodeName),
    plugins: [
      {
        type: 'bridge',
        bridge: cniBridgeName(o.nodeName),
        isGateway: true,
        // Other nodes' pod ranges are exempted ahead of this (agent/network/no-masquerade.ts).
        ipMasq: true,
        // A pod reaching its own hostPort or Service comes back through the bridge port
        // it left by.
        hairpinMode: true,
        ipam: {
          type: 'host-local',
          ranges: [[{ subnet: range.subnet, gateway: range.gateway }]],
          routes: [{ dst: '0.0.0.0/0' }],
        },
      },
      // containerd passes the sandbox's port mappings as the portMappings capability.
      { type: 'portmap', capabilities: { portMappings: true }, snat: true },
      { type: 'firewall', backend: 'iptables' },
    ],
  };
}

export function loopbackConflist(): object {
  return { cniVersion: CNI_VERSION, name: 'cni-loopback', plugins: [{ type: 'loopback' }] };
}

/** The file text, stable for equal input so an unchanged network is not rewritten. */
export function renderConflist(conflist: object): string {
  return `${JSON.stringify(conflist, null, 2)}\n`;
}
