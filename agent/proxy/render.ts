// The pure half of the proxier: (service ports, endpoints, node facts) → every Skiff-owned
// chain's rules, table by table, plus the jump rules the built-in chains need. No I/O: the
// restore planner turns this into iptables-restore text, and golden tests pin it down.
//
// Packet paths (kube-proxy's iptables mode, with SKIFF- chains):
//   nat PREROUTING/OUTPUT → SKIFF-SERVICES: cluster IP → SKIFF-SVC-X; external IP,
//     LoadBalancer IP (the node's own IPs, as clusters without a cloud expose them) →
//     SKIFF-EXT-X; any local address → SKIFF-NODEPORTS → SKIFF-EXT-X.
//   SKIFF-EXT-X: marks for masquerade (policy Cluster) or keeps the client address and picks
//     only this node's endpoints (policy Local); then SKIFF-SVC-X or the SEP chains.
//   SKIFF-SVC-X: affinity (recent) first, then one endpoint by random probability: DNAT
//     to ip:port.
//   nat POSTROUTING → SKIFF-POSTROUTING: SKIFF-HAIRPIN masquerades a pod that reached
//     itself (source = destination), then marked packets are masqueraded.
//   filter: REJECT Services without endpoints, ACCEPT forwarded service traffic under
//     Docker's DROP policy, and the guard: REJECT whatever is still addressed to the
//     service range (no rule translated it), so it never leaves the machine.

import { CHAIN, affinityList, externalChain, hairpinChain, serviceChain } from './chain-names.js';
import { usableEndpoints, type EndpointInfo, type ServicePortInfo } from './service-info.js';

export interface RenderConfig {
  /** The service range (--service-cidr): the guard rejects what is still addressed to it. */
  serviceCIDR: string;
  /** This node's pod range: traffic to a cluster IP from elsewhere is masqueraded. */
  podCIDR?: string;
  /** This node's IPs: where LoadBalancer Services are exposed. */
  nodeIPs: string[];
  /**
   * Cluster IPs this node serves itself on a local address (the node-local DNS server on
   * the kube-dns IP): no DNAT or REJECT for them, and the guard lets them through while
   * they are local, so the packet is delivered to the server here.
   */
  localServiceIPs?: string[];
}

export type Table = 'nat' | 'filter';

/** A jump from a built-in chain into ours; `rule` is everything after "-A CHAIN". */
export interface JumpRule {
  table: Table;
  chain: 'PREROUTING' | 'OUTPUT' | 'POSTROUTING' | 'INPUT' | 'FORWARD';
  rule: string;
  target: string;
}

export interface Ruleset {
  /** Chain name → rule lines ("-A CHAIN …"), in the order they are written. */
  nat: Map<string, string[]>;
  filter: Map<string, string[]>;
}

/** Bit 14, as kube-proxy's --iptables-masquerade-bit default. */
export const MASQ_MARK = '0x4000';
/** Set on traffic entering through a node port or external IP, so FORWARD lets it pass. */
export const FORWARD_MARK = '0x8000';

/** Jumps into the top-level chains, in the order they should stand at the top of each built-in chain. */
export const JUMPS: readonly JumpRule[] = [
  { table: 'nat', chain: 'PREROUTING', target: CHAIN.services, rule: `-m comment --comment "skiff service portals" -j ${CHAIN.services}` },
  { table: 'nat', chain: 'OUTPUT', target: CHAIN.services, rule: `-m comment --comment "skiff service portals" -j ${CHAIN.services}` },
  { table: 'nat', chain: 'POSTROUTING', target: CHAIN.postrouting, rule: `-m comment --comment "skiff postrouting rules" -j ${CHAIN.postrouting}` },
  { table: 'filter', chain: 'INPUT', target: CHAIN.externalServices, rule: `-m conntrack --ctstate NEW -m comment --comment "skiff externally-visible service portals" -j ${CHAIN.externalServices}` },
  { table: 'filter', chain: 'FORWARD', target: CHAIN.guard, rule: `-m comment --comment "skiff service range guard" -j ${CHAIN.guard}` },
  { table: 'filter', chain: 'FORWARD', target: CHAIN.services, rule: `-m conntrack --ctstate NEW -m comment --comment "skiff service portals" -j ${CHAIN.services}` },
  { table: 'filter', chain: 'FORWARD', target: CHAIN.externalServices, rule: `-m conntrack --ctstate NEW -m comment --comment "skiff externally-visible service portals" -j ${CHAIN.externalServices}` },
  { table: 'filter', chain: 'FORWARD', target: CHAIN.forward, rule: `-m comment --comment "skiff forwarding rules" -j ${CHAIN.forward}` },
  { table: 'filter', chain: 'OUTPUT', target: CHAIN.guard, rule: `-m comment --comment "skiff service range guard" -j ${CHAIN.guard}` },
  { table: 'filter', chain: 'OUTPUT', target: CHAIN.services, rule: `-m conntrack --ctstate NEW -m comment --comment "skiff service portals" -j ${CHAIN.services}` },
];

/** "-p tcp -m tcp --dport 80" pieces for a protocol. */
function proto(p: ServicePortInfo): { p: string; m: string } {
  const lc = p.protocol.toLowerCase();
  return { p: `-p ${lc}`, m: `-m ${lc}` };
}

/** kube-proxy's format: ten decimals, so a count of endpoints renders the same text every time. */
export function probability(n: number): string {
  return (1 / n).toFixed(10);
}

class ChainWriter {
  readonly chains = new Map<string, string[]>();
  chain(name: string): string[] {
    let rules = this.chains.get(name);
    if (!rules) this.chains.set(name, (rules = []));
    return rules;
  }
  add(name: string, rule: string): void {
    this.chain(name).push(`-A ${name} ${rule}`);
  }
}

function comment(text: string): string {
  return `-m comment --comment "${text.replace(/"/g, "'")}"`;
}

/**
 * The rules that send to one of `eps`: affinity first, then a random choice, each a DNAT
 * straight to the endpoint. kube-proxy puts each endpoint in a chain of its own; here
 * there are none, because with the nft backend a restore costs about as much per chain as
 * per few rules, and a chain per endpoint made a 1000-Service sync twice as slow.
 */
function balance(nat: ChainWriter, from: string, svc: ServicePortInfo, eps: readonly EndpointInfo[]): void {
  const { p, m } = proto(svc);
  const targets = eps.map((ep) => ({ ep, to: `${ep.ip}:${ep.port}`, list: affinityList(svc.name, svc.protocol, `${ep.ip}:${ep.port}`) }));
  const recent = (list: string, op: string) => `-m recent ${op} --name ${list} --mask 255.255.255.255 --rsource`;
  if (svc.affinitySeconds > 0) {
    for (const { to, list } of targets) {
      nat.add(from, `${p} ${comment(`${svc.name} -> ${to}`)} ${recent(list, `--rcheck --seconds ${svc.affinitySeconds} --reap`)} ${recent(list, '--set')} ${m} -j DNAT --to-destination ${to}`);
    }
  }
  targets.forEach(({ to, list }, i) => {
    const left = targets.length - i;
    const pick = left > 1 ? ` -m statistic --mode random --probability ${probability(left)}` : '';
    const remember = svc.affinitySeconds > 0 ? ` ${recent(list, '--set')}` : '';
    nat.add(from, `${p} ${comment(`${svc.name} -> ${to}`)}${pick}${remember} ${m} -j DNAT --to-destination ${to}`);
  });
}

/**
 * Hairpin: a pod reaching itself through its Service must see the reply come from the VIP,
 * so the connection is masqueraded. After DNAT such a packet has its own address as both
 * source and destination, which is what SKIFF-HAIRPIN matches in POSTROUTING: one rule per
 * local endpoint address (shared by all its Services), instead of a chain per endpoint.
 * SKIFF-HAIRPIN sends each /26 to a chain of its own, so a pod coming or going rewrites
 * at most 64 rules, not one rule per pod of the node.
 */
function hairpin(nat: ChainWriter, eps: readonly EndpointInfo[]): void {
  for (const ep of eps) if (ep.local) nat.add(CHAIN.hairpin, `-s ${ep.ip}/32 -d ${ep.ip}/32 -j MASQUERADE`);
}

/** Destinations other than the cluster IP: external IPs, LoadBalancer IPs (and the node's IPs for them). */
export function externalDestinations(svc: ServicePortInfo, cfg: RenderConfig): { ip: string; what: string }[] {
  const out = svc.externalIPs.map((ip) => ({ ip, what: 'external IP' }));
  if (svc.type === 'LoadBalancer') {
    const seen = new Set<string>();
    for (const ip of [...svc.loadBalancerIPs, ...cfg.nodeIPs]) {
      if (seen.has(ip)) continue;
      seen.add(ip);
      out.push({ ip, what: 'loadbalancer IP' });
    }
  }
  return out;
}

export interface ServiceEndpoints {
  svc: ServicePortInfo;
  endpoints: readonly EndpointInfo[];
}

/**
 * One service port's share of the ruleset: its own chains (SVC, SEP, EXT) and its lines in
 * the shared chains (SKIFF-SERVICES, SKIFF-NODEPORTS, the filter chains). The proxier keeps
 * a fragment until its Service or endpoints change, so a sync re-renders only those.
 */
export interface ServiceFragment {
  nat: Map<string, string[]>;
  filter: Map<string, string[]>;
}

export function renderService(svc: ServicePortInfo, endpoints: readonly EndpointInfo[], cfg: RenderConfig): ServiceFragment {
  const nat = new ChainWriter();
  const filter = new ChainWriter();
  const { p, m } = proto(svc);
  const usable = usableEndpoints(endpoints);
  const local = usable.filter((e) => e.local);
  const externals = externalDestinations(svc, cfg);
  const hasExternal = svc.nodePort > 0 || externals.length > 0;
  const svcChain = serviceChain(svc.name, svc.protocol);
  const extChain = externalChain(svc.name, svc.protocol);
  const reject = `-j REJECT --reject-with icmp-port-unreachable`;
  const done = () => ({ nat: nat.chains, filter: filter.chains });
  if (cfg.localServiceIPs?.includes(svc.clusterIP)) return done();

  if (usable.length === 0) {
    // Refused at once (ICMP port unreachable → ECONNREFUSED), never a timeout.
    filter.add(CHAIN.services, `-d ${svc.clusterIP}/32 ${p} ${comment(`${svc.name} has no endpoints`)} ${m} --dport ${svc.port} ${reject}`);
    for (const d of externals) filter.add(CHAIN.externalServices, `-d ${d.ip}/32 ${p} ${comment(`${svc.name} has no endpoints`)} ${m} --dport ${svc.port} ${reject}`);
    if (svc.nodePort > 0) filter.add(CHAIN.externalServices, `${p} ${comment(`${svc.name} has no endpoints`)} -m addrtype --dst-type LOCAL ${m} --dport ${svc.nodePort} ${reject}`);
    return done();
  }

  nat.add(CHAIN.services, `-d ${svc.clusterIP}/32 ${p} ${comment(`${svc.name} cluster IP`)} ${m} --dport ${svc.port} -j ${svcChain}`);
  nat.chain(svcChain);
  hairpin(nat, usable);
  balance(nat, svcChain, svc, usable);

  if (!hasExternal) return done();
  for (const d of externals) nat.add(CHAIN.services, `-d ${d.ip}/32 ${p} ${comment(`${svc.name} ${d.what}`)} ${m} --dport ${svc.port} -j ${extChain}`);
  if (svc.nodePort > 0) nat.add(CHAIN.nodePorts, `${p} ${comment(svc.name)} ${m} --dport ${svc.nodePort} -j ${extChain}`);
  // Forwarded to a pod under Docker's FORWARD DROP policy: SKIFF-FORWARD lets it through.
  nat.add(extChain, `${comment('forwarded service traffic')} -j MARK --or-mark ${FORWARD_MARK}`);
  if (!svc.externalLocal) {
    nat.add(extChain, `${comment('masquerade traffic for ' + svc.name + ' external destinations')} -j ${CHAIN.markMasq}`);
    nat.add(extChain, `-j ${svcChain}`);
    return done();
  }
  // externalTrafficPolicy Local: the client address is kept and only this node's
  // endpoints serve. Pods and the node itself still get the whole Service.
  if (cfg.podCIDR) nat.add(extChain, `-s ${cfg.podCIDR} ${comment('pod traffic for ' + svc.name + ' external destinations')} -j ${svcChain}`);
  nat.add(extChain, `${comment('masquerade LOCAL traffic for ' + svc.name + ' external destinations')} -m addrtype --src-type LOCAL -j ${CHAIN.markMasq}`);
  nat.add(extChain, `${comment('route LOCAL traffic for ' + svc.name + ' external destinations')} -m addrtype --src-type LOCAL -j ${svcChain}`);
  if (local.length === 0) {
    for (const d of externals) filter.add(CHAIN.externalServices, `-d ${d.ip}/32 ${p} ${comment(`${svc.name} has no local endpoints`)} ${m} --dport ${svc.port} -j DROP`);
    if (svc.nodePort > 0) filter.add(CHAIN.externalServices, `${p} ${comment(`${svc.name} has no local endpoints`)} -m addrtype --dst-type LOCAL ${m} --dport ${svc.nodePort} -j DROP`);
    return done();
  }
  balance(nat, extChain, svc, local);
  return done();
}

/** Service port order: by name, then protocol, so equal input gives equal text. */
export function compareServicePorts(a: ServicePortInfo, b: ServicePortInfo): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : a.protocol < b.protocol ? -1 : a.protocol > b.protocol ? 1 : 0;
}

/** The whole ruleset, rendering every service port. */
export function renderRuleset(services: readonly ServiceEndpoints[], cfg: RenderConfig): Ruleset {
  const sorted = [...services].sort((a, b) => compareServicePorts(a.svc, b.svc));
  return assembleRuleset(sorted.map(({ svc, endpoints }) => renderService(svc, endpoints, cfg)), cfg);
}

const SHARED = new Set<string>(Object.values(CHAIN));

function compareSubnets(a: string, b: string): number {
  const n = (s: string) => s.split('/')[0]!.split('.').reduce((acc, p) => acc * 256 + Number(p), 0);
  return n(a) - n(b);
}

/** "10.42.0.77" → "10.42.0.64/26". */
function slash26(ip: string): string {
  const parts = ip.split('.');
  return `${parts[0]}.${parts[1]}.${parts[2]}.${Number(parts[3]) & 0xc0}/26`;
}

/**
 * The whole ruleset from fragments already in service port order. A fragment's own chains
 * are taken as they are (the same arrays), so an unchanged Service costs nothing to diff.
 */
export function assembleRuleset(fragments: readonly ServiceFragment[], cfg: RenderConfig): Ruleset {
  const nat = new ChainWriter();
  const filter = new ChainWriter();
  // Fixed chains first, so they exist (even empty) whatever the Services.
  for (const c of [CHAIN.services, CHAIN.nodePorts, CHAIN.postrouting, CHAIN.markMasq, CHAIN.hairpin]) nat.chain(c);
  for (const c of [CHAIN.services, CHAIN.externalServices, CHAIN.forward, CHAIN.guard]) filter.chain(c);

  nat.add(CHAIN.postrouting, `${comment('a pod reaching itself through a Service')} -j ${CHAIN.hairpin}`);
  nat.add(CHAIN.postrouting, `-m mark ! --mark ${MASQ_MARK}/${MASQ_MARK} -j RETURN`);
  // Clear the bit so a packet that is routed again (hairpin through another bridge) is not masqueraded twice.
  nat.add(CHAIN.postrouting, `-j MARK --xor-mark ${MASQ_MARK}`);
  nat.add(CHAIN.postrouting, `${comment('skiff service traffic requiring SNAT')} -j MASQUERADE`);
  nat.add(CHAIN.markMasq, `-j MARK --or-mark ${MASQ_MARK}`);
  // Traffic to a cluster IP from outside the pod range (the node itself, other hosts) is
  // masqueraded, so replies come back through this node: one rule for the whole range
  // rather than one per Service (kube-proxy's), which keeps a sync's rule count down.
  if (cfg.podCIDR) nat.add(CHAIN.services, `! -s ${cfg.podCIDR} -d ${cfg.serviceCIDR} ${comment('cluster IP traffic from outside the pod range')} -j ${CHAIN.markMasq}`);

  // An endpoint address serving several Services needs its hairpin rule once.
  const hairpins = new Map<string, Set<string>>();
  for (const f of fragments) {
    for (const [table, w] of [['nat', nat], ['filter', filter]] as const) {
      for (const [chain, rules] of f[table]) {
        if (chain === CHAIN.hairpin) {
          for (const r of rules) {
            const subnet = slash26(/ -s (\S+)\/32/.exec(r)![1]!);
            let set = hairpins.get(subnet);
            if (!set) hairpins.set(subnet, (set = new Set()));
            set.add(r);
          }
        } else if (SHARED.has(chain)) w.chain(chain).push(...rules);
        else w.chains.set(chain, rules);
      }
    }
  }
  for (const subnet of [...hairpins.keys()].sort(compareSubnets)) {
    const chain = hairpinChain(subnet);
    nat.add(CHAIN.hairpin, `-d ${subnet} -j ${chain}`);
    nat.chains.set(chain, [...hairpins.get(subnet)!].map((r) => `-A ${chain} ${r.slice(`-A ${CHAIN.hairpin} `.length)}`));
  }

  // Node ports on every local address but loopback (DNAT from 127/8 needs route_localnet).
  nat.add(CHAIN.services, `! -d 127.0.0.0/8 ${comment('skiff service nodeports; NOTE: this must be the last rule in this chain')} -m addrtype --dst-type LOCAL -j ${CHAIN.nodePorts}`);

  filter.add(CHAIN.forward, `${comment('skiff forwarding rules')} -m mark --mark ${MASQ_MARK}/${MASQ_MARK} -j ACCEPT`);
  filter.add(CHAIN.forward, `${comment('skiff forwarding rules')} -m mark --mark ${FORWARD_MARK}/${FORWARD_MARK} -j ACCEPT`);
  filter.add(CHAIN.forward, `${comment('skiff forwarding conntrack rule')} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`);
  for (const ip of cfg.localServiceIPs ?? []) filter.add(CHAIN.guard, `-d ${ip}/32 ${comment('served on this node')} -m addrtype --dst-type LOCAL -j RETURN`);
  filter.add(CHAIN.guard, `-d ${cfg.serviceCIDR} ${comment('service traffic no rule translated')} -j REJECT --reject-with icmp-port-unreachable`);
  return { nat: nat.chains, filter: filter.chains };
}
