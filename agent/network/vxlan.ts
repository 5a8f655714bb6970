// The VXLAN backend's device, as flannel's vxlan backend makes it: one kernel vxlan device
// per node (`skiff.1`: VNI 1, UDP 8472, nolearning) bound to the node's InternalIP, holding
// the network address of the node's pod range as a /32. Peers are reached through static
// entries only: a permanent neighbour entry (peer VTEP → peer MAC) and an FDB entry (peer
// MAC → peer InternalIP); routes.ts says which.

import type { Logger } from 'pino';
import { bridge, bridgeJson, ip, ipJson } from './ip.js';
import { VXLAN_DEVICE, VXLAN_PORT, VXLAN_VNI, vtepAddress, vtepMac, type Self, type VxlanPeerEntry } from './routes.js';

interface IpLink {
  ifname: string;
  address?: string;
  linkinfo?: { info_kind?: string; info_data?: { id?: number; local?: string; port?: number; learning?: boolean } };
}

interface IpAddr {
  ifname: string;
  addr_info?: Array<{ family?: string; local?: string; prefixlen?: number }>;
}

/** The interface that carries the node's InternalIP: the vxlan device sends out of it. */
async function underlayDevice(nodeIP: string): Promise<string> {
  const addrs = await ipJson<IpAddr>(['-4', 'addr', 'show']);
  const found = addrs.find((a) => a.addr_info?.some((i) => i.local === nodeIP));
  if (!found) throw new Error(`no interface has the node IP ${nodeIP}: the vxlan device needs one to send from`);
  return found.ifname;
}

async function currentDevice(): Promise<IpLink | undefined> {
  const links = await ipJson<IpLink>(['-d', 'link', 'show']);
  return links.find((l) => l.ifname === VXLAN_DEVICE);
}

/** Creates (or re-creates, when its parameters changed) the node's vxlan device. */
export async function ensureVxlanDevice(self: Self, log: Logger): Promise<void> {
  const mac = vtepMac(self.nodeIP);
  const existing = await currentDevice();
  const data = existing?.linkinfo?.info_data;
  const fits = existing?.linkinfo?.info_kind === 'vxlan' && data?.id === VXLAN_VNI && data?.local === self.nodeIP && data?.port === VXLAN_PORT && existing.address === mac;
  if (existing && !fits) {
    log.info({ device: VXLAN_DEVICE }, 'vxlan device parameters changed: re-creating it');
    await ip(['link', 'del', VXLAN_DEVICE]);
  }
  if (!existing || !fits) {
    const dev = await underlayDevice(self.nodeIP);
    await ip(['link', 'add', VXLAN_DEVICE, 'address', mac, 'type', 'vxlan', 'id', String(VXLAN_VNI), 'local', self.nodeIP, 'dev', dev, 'dstport', String(VXLAN_PORT), 'nolearning']);
    log.info({ device: VXLAN_DEVICE, underlay: dev, mac }, 'vxlan device created');
  }
  const vtep = vtepAddress(self.podCIDR);
  const [addrs] = await ipJson<IpAddr>(['-4', 'addr', 'show', 'dev', VXLAN_DEVICE]);
  for (const a of addrs?.addr_info ?? []) {
    if (a.local && a.local !== vtep) await ip(['addr', 'del', `${a.local}/${a.prefixlen ?? 32}`, 'dev', VXLAN_DEVICE]);
  }
  if (!addrs?.addr_info?.some((a) => a.local === vtep)) await ip(['addr', 'add', `${vtep}/32`, 'dev', VXLAN_DEVICE]);
  await ip(['link', 'set', VXLAN_DEVICE, 'up']);
}

export async function removeVxlanDevice(log: Logger): Promise<void> {
  if (!(await currentDevice())) return;
  await ip(['link', 'del', VXLAN_DEVICE]);
  log.info({ device: VXLAN_DEVICE }, 'vxlan device removed');
}

interface Neigh {
  dst: string;
  lladdr?: string;
  state?: string[];
}

interface Fdb {
  mac: string;
  dst?: string;
}

/** Neighbour and FDB entries for exactly the peers given; others on the device go. */
export async function syncVxlanPeers(entries: readonly VxlanPeerEntry[]): Promise<void> {
  const neighs = await ipJson<Neigh>(['neigh', 'show', 'dev', VXLAN_DEVICE]);
  const fdbs = (await bridgeJson<Fdb>(['fdb', 'show', 'dev', VXLAN_DEVICE])).filter((f) => f.dst);
  const wantNeigh = new Map(entries.map((e) => [e.vtep, e.mac]));
  const wantFdb = new Map(entries.map((e) => [e.mac, e.nodeIP]));
  for (const n of neighs) if (wantNeigh.get(n.dst) !== n.lladdr) await ip(['neigh', 'del', n.dst, 'dev', VXLAN_DEVICE]).catch(() => undefined);
  for (const f of fdbs) if (wantFdb.get(f.mac) !== f.dst) await bridge(['fdb', 'del', f.mac, 'dev', VXLAN_DEVICE, 'dst', f.dst!, 'self']).catch(() => undefined);
  for (const e of entries) {
    if (!neighs.some((n) => n.dst === e.vtep && n.lladdr === e.mac && n.state?.includes('PERMANENT'))) {
      await ip(['neigh', 'replace', e.vtep, 'lladdr', e.mac, 'dev', VXLAN_DEVICE, 'nud', 'permanent']);
    }
    if (!fdbs.some((f) => f.mac === e.mac && f.dst === e.nodeIP)) {
      await bridge(['fdb', 'replace', e.mac, 'dev', VXLAN_DEVICE, 'dst', e.nodeIP, 'self', 'permanent']);
    }
  }
}
