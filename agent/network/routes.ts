// What the pod network across hosts needs, computed from the Node objects alone (pure, so
// it is unit-tested): which other nodes are peers, and for each the route to its pod range.
// host-gw (flannel's host-gw backend): `PODCIDR via NODE-IP`, so every node must be on
// one L2 with the others. vxlan (flannel's vxlan backend): `PODCIDR via VTEP dev skiff.1
// onlink`, with a permanent neighbour entry VTEP → MAC and an FDB entry MAC → NODE-IP, so
// the kernel encapsulates towards the right host and no learning or flooding is needed.
// The VTEP address is the network address of the peer's pod range (flannel uses the same),
// and its MAC is derived from the peer's InternalIP, so nothing has to be published on the
// Node for peers to find it.

import { formatIPv4, parseCidr, parseIPv4 } from '../../api/cidr.js';
import type { Node } from '../../api/types.js';

export type PodNetworkBackend = 'host-gw' | 'vxlan' | 'none';
export const POD_NETWORK_BACKENDS: readonly PodNetworkBackend[] = ['host-gw', 'vxlan', 'none'];

/** The VXLAN network identifier and UDP port, those of flannel's vxlan backend. */
export const VXLAN_VNI = 1;
export const VXLAN_PORT = 8472;
export const VXLAN_DEVICE = `skiff.${VXLAN_VNI}`;
/**
 * Routes this agent installs carry this protocol number (`ip route ... proto 91`, unused
 * in iproute2's rt_protos), so a resync finds and removes its own routes, and only those.
 */
export const ROUTE_PROTOCOL = 91;

export interface Peer {
  node: string;
  nodeIP: string;
  podCIDR: string;
}

export interface Self {
  node: string;
  nodeIP: string;
  podCIDR: string;
}

export interface PodRoute {
  /** The peer's pod range. */
  dst: string;
  via: string;
  /** Set for vxlan: the route goes out of the vxlan device, marked onlink. */
  dev?: string;
}

export interface VxlanPeerEntry {
  /** The peer's VTEP address (its pod range's network address). */
  vtep: string;
  mac: string;
  /** Where the encapsulated frames go: the peer's InternalIP. */
  nodeIP: string;
}

function internalIP(n: Node): string | undefined {
  return n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
}

function isIPv4Cidr(s: string | undefined): s is string {
  if (!s) return false;
  try {
    parseCidr(s);
    return true;
  } catch {
    return false;
  }
}

function isIPv4(s: string | undefined): s is string {
  if (!s) return false;
  try {
    parseIPv4(s);
    return true;
  } catch {
    return false;
  }
}

/**
 * The nodes this one routes to: every other node with a pod range and an InternalIP. A node
 * sharing this node's InternalIP is on this very host (several agents on one machine, as
 * the single-host tests run them): its pods are on a local bridge already, and a route via
 * our own address would only break that. A node claiming our own pod range is skipped too.
 */
export function peersOf(self: Self, nodes: readonly Node[]): Peer[] {
  const out: Peer[] = [];
  for (const n of nodes) {
    const name = n.metadata.name;
    const podCIDR = n.spec?.podCIDR;
    const ip = internalIP(n);
    if (!name || name === self.node) continue;
    if (!isIPv4Cidr(podCIDR) || !isIPv4(ip)) continue;
    if (ip === self.nodeIP || podCIDR === self.podCIDR) continue;
    out.push({ node: name, nodeIP: ip, podCIDR: normalise(podCIDR) });
  }
  return out.sort((a, b) => (a.node < b.node ? -1 : a.node > b.node ? 1 : 0));
}

function normalise(cidr: string): string {
  const c = parseCidr(cidr);
  return `${formatIPv4(c.base)}/${c.prefix}`;
}

/** The VTEP address of a pod range: its network address (10.42.3.0 for 10.42.3.0/24). */
export function vtepAddress(podCIDR: string): string {
  return formatIPv4(parseCidr(podCIDR).base);
}

/**
 * A VTEP's MAC from its node's InternalIP: locally administered, unicast (0e:5f:…), and
 * the same on every node that computes it.
 */
export function vtepMac(nodeIP: string): string {
  const n = parseIPv4(nodeIP);
  const bytes = [0x0e, 0x5f, n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}

export function podRoutes(backend: PodNetworkBackend, peers: readonly Peer[]): PodRoute[] {
  if (backend === 'none') return [];
  if (backend === 'host-gw') return peers.map((p) => ({ dst: p.podCIDR, via: p.nodeIP }));
  return peers.map((p) => ({ dst: p.podCIDR, via: vtepAddress(p.podCIDR), dev: VXLAN_DEVICE }));
}

export function vxlanEntries(peers: readonly Peer[]): VxlanPeerEntry[] {
  return peers.map((p) => ({ vtep: vtepAddress(p.podCIDR), mac: vtepMac(p.nodeIP), nodeIP: p.nodeIP }));
}

export interface RouteChanges {
  /** `ip route replace` these. */
  replace: PodRoute[];
  /** `ip route del` these destinations (ours, no longer wanted). */
  remove: string[];
  /** Wanted, but a route of someone else's holds the destination: left alone. */
  conflicts: string[];
}

/** A route as `ip -j route show` lists it, reduced to what matters here. */
export interface InstalledRoute {
  dst: string;
  gateway?: string | undefined;
  dev?: string | undefined;
  protocol?: string | number | undefined;
}

/**
 * The smallest change from the routes installed to the routes wanted. Only routes with our
 * protocol are ever removed or replaced; a destination someone else routes (a local
 * bridge, a static route) is reported as a conflict, never overwritten.
 */
export function routeChanges(wanted: readonly PodRoute[], installed: readonly InstalledRoute[]): RouteChanges {
  const ours = (r: InstalledRoute) => String(r.protocol) === String(ROUTE_PROTOCOL);
  const byDst = new Map<string, InstalledRoute[]>();
  for (const r of installed) byDst.set(r.dst, [...(byDst.get(r.dst) ?? []), r]);
  const replace: PodRoute[] = [];
  const conflicts: string[] = [];
  for (const w of wanted) {
    const here = byDst.get(w.dst) ?? [];
    if (here.some((r) => !ours(r))) {
      conflicts.push(w.dst);
      continue;
    }
    const same = here.some((r) => r.gateway === w.via && (w.dev === undefined || r.dev === w.dev));
    if (!same) replace.push(w);
  }
  const wantedDst = new Set(wanted.map((w) => w.dst));
  const remove = [...new Set(installed.filter((r) => ours(r) && (!wantedDst.has(r.dst) || conflicts.includes(r.dst))).map((r) => r.dst))];
  return { replace, remove, conflicts };
}
