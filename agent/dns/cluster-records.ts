// The cluster's DNS records, as CoreDNS's kubernetes plugin serves them (the schema of
// Kubernetes' DNS specification), from the agent's Service and EndpointSlice caches:
//   <svc>.<ns>.svc.<zone>               A: the cluster IP; headless: each ready endpoint
//   _<port>._<proto>.<svc>.<ns>.svc.<zone>  SRV per named port (a bare service name: every port)
//   <host>.<svc>.<ns>.svc.<zone>        A: the endpoint whose hostname (or dashed IP) it is
//   <a-b-c-d>.<ns>.pod.<zone>           A: a.b.c.d (CoreDNS's `pods insecure`, k3s's default)
//   ExternalName Services               CNAME to spec.externalName
//   <d.c.b.a>.in-addr.arpa              PTR for cluster IPs and headless endpoints; other
//                                       addresses are not ours (they are forwarded)
// Every answer has TTL 5 s. A name in the zone that does not exist is NXDOMAIN, a name that
// exists without records of the asked type is NODATA; both carry the zone's SOA.

import type { EndpointSlice, Service } from '../../api/service-types.js';
import { CLASS_IN, RCODE, TYPE, type Question, type ResourceRecord, type SoaData } from './wire.js';

export const DNS_TTL = 5;
const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

export interface LocalAnswer {
  rcode: number;
  answers: ResourceRecord[];
  authorities: ResourceRecord[];
  additionals: ResourceRecord[];
}

interface Endpoint {
  ip: string;
  /** The pod's hostname when the pod set hostname and subdomain = the Service's name. */
  hostname?: string;
  /** The ports its slice lists (a named targetPort resolved for this pod). */
  ports: PortRecord[];
}

interface PortRecord {
  name: string;
  protocol: string;
  port: number;
}

type SliceEndpoint = NonNullable<EndpointSlice['endpoints']>[number];

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export class ClusterRecords {
  private readonly services = new Map<string, Service>();
  /** Service key (ns/name) → slice name → slice. */
  private readonly slices = new Map<string, Map<string, EndpointSlice>>();
  private readonly zone: string;
  /** The SOA serial: the time of the last change, in seconds (as CoreDNS). */
  private serial = Math.floor(Date.now() / 1000);

  constructor(
    clusterDomain: string,
    /** The address this server answers on: the zone's NS record points at it. */
    private readonly nameserverIP: string,
  ) {
    this.zone = clusterDomain.replace(/\.$/, '').toLowerCase();
  }

  // ---- cache upkeep (informer handlers) ----

  setService(svc: Service): void {
    this.services.set(`${svc.metadata.namespace}/${svc.metadata.name}`, svc);
    this.touch();
  }
  deleteService(svc: Service): void {
    this.services.delete(`${svc.metadata.namespace}/${svc.metadata.name}`);
    this.touch();
  }
  setSlice(slice: EndpointSlice): void {
    const key = sliceServiceKey(slice);
    if (!key) return;
    let m = this.slices.get(key);
    if (!m) this.slices.set(key, (m = new Map()));
    m.set(slice.metadata.name!, slice);
    this.touch();
  }
  deleteSlice(slice: EndpointSlice): void {
    const key = sliceServiceKey(slice);
    const m = key ? this.slices.get(key) : undefined;
    if (!m) return;
    m.delete(slice.metadata.name!);
    if (m.size === 0) this.slices.delete(key!);
    this.touch();
  }
  private touch(): void {
    this.serial = Math.max(this.serial, Math.floor(Date.now() / 1000));
  }

  // ---- answers ----

  /** True when the name is in a zone this server is the authority for. */
  isLocal(name: string): boolean {
    const n = name.toLowerCase().replace(/\.$/, '');
    return n === this.zone || n.endsWith(`.${this.zone}`);
  }

  /** The answer to a question, or undefined when the name is not ours (forward it). */
  answer(q: Question): LocalAnswer | undefined {
    const name = q.name.toLowerCase().replace(/\.$/, '');
    if (name.endsWith('.in-addr.arpa')) return this.reverse(q, name);
    if (!this.isLocal(name)) return undefined;
    const rest = name === this.zone ? [] : name.slice(0, -(this.zone.length + 1)).split('.');
    const kind = rest.at(-1);
    if (rest.length === 0) return this.apex(q);
    if (rest.join('.') === 'ns.dns') return this.records(q, [], [this.a(q.name, this.nameserverIP)]);
    if (kind === 'svc') return this.service(q, rest.slice(0, -1));
    if (kind === 'pod') return this.pod(q, rest.slice(0, -1));
    return this.nxdomain();
  }

  private apex(q: Question): LocalAnswer {
    if (q.type === TYPE.SOA) return { rcode: RCODE.NOERROR, answers: [this.soa()], authorities: [], additionals: [] };
    if (q.type === TYPE.NS) {
      const ns = `ns.dns.${this.zone}`;
      return { rcode: RCODE.NOERROR, answers: [{ name: this.zone, type: TYPE.NS, class: CLASS_IN, ttl: DNS_TTL, data: ns }], authorities: [], additionals: [this.a(ns, this.nameserverIP)] };
    }
    return this.nodata();
  }

  /** labels: what stands before `svc.<zone>`, e.g. ["web", "default"]. */
  private service(q: Question, labels: string[]): LocalAnswer {
    if (labels.length === 0) return this.nodata();
    const ns = labels.at(-1)!;
    if (labels.length === 1) return [...this.services.keys()].some((k) => k.startsWith(`${ns}/`)) ? this.nodata() : this.nxdomain();
    const svcName = labels.at(-2)!;
    const svc = this.services.get(`${ns}/${svcName}`);
    if (!svc) return this.nxdomain();
    const fqdn = `${svcName}.${ns}.svc.${this.zone}`;
    const prefix = labels.slice(0, -2);
    if (svc.spec.type === 'ExternalName') {
      if (prefix.length > 0 || !svc.spec.externalName) return this.nxdomain();
      return this.records(q, [], [{ name: q.name, type: TYPE.CNAME, class: CLASS_IN, ttl: DNS_TTL, data: svc.spec.externalName }], true);
    }
    const headless = svc.spec.clusterIP === 'None';
    const endpoints = this.endpoints(`${ns}/${svcName}`);
    if (prefix.length === 1) {
      // An endpoint by its hostname or dashed address.
      const ep = endpoints.find((e) => endpointLabel(e) === prefix[0]);
      return ep ? this.records(q, [], [this.a(q.name, ep.ip)]) : this.nxdomain();
    }
    if (prefix.length > 2) return this.nxdomain();
    // `_port._proto.` picks the ports of that name and protocol; a bare name takes them all.
    let wanted = (_p: PortRecord) => true;
    if (prefix.length === 2) {
      const [port, proto] = prefix as [string, string];
      if (!port.startsWith('_') || !proto.startsWith('_')) return this.nxdomain();
      wanted = (p) => p.name === port.slice(1) && p.protocol === proto.slice(1);
    }
    if (!headless) {
      const ip = svc.spec.clusterIP;
      const ports = (svc.spec.ports ?? []).map(portRecord).filter(wanted);
      if (!ip || !IPV4.test(ip) || (prefix.length === 2 && ports.length === 0)) return this.nxdomain();
      const srv = ports.map((p) => ({ target: fqdn, port: p.port }));
      return this.records(q, srv, [this.a(q.name, ip)], false, [this.a(fqdn, ip)]);
    }
    // Headless: the ready endpoints, on the ports they serve; none at all is NXDOMAIN, as in CoreDNS.
    const srv: { target: string; port: number }[] = [];
    const extra: ResourceRecord[] = [];
    const ips = new Set<string>();
    for (const e of endpoints) {
      const target = `${endpointLabel(e)}.${fqdn}`;
      const ports = e.ports.filter(wanted);
      if (prefix.length === 2 && ports.length === 0) continue;
      for (const p of ports) srv.push({ target, port: p.port });
      extra.push(this.a(target, e.ip));
      ips.add(e.ip);
    }
    if (ips.size === 0) return this.nxdomain();
    return this.records(q, srv, [...ips].map((ip) => this.a(q.name, ip)), false, extra);
  }

  private pod(q: Question, labels: string[]): LocalAnswer {
    if (labels.length !== 2) return labels.length === 1 ? this.nodata() : this.nxdomain();
    const ip = labels[0]!.replace(/-/g, '.');
    if (!IPV4.test(ip)) return this.nxdomain();
    return this.records(q, [], [this.a(q.name, ip)]);
  }

  private reverse(q: Question, name: string): LocalAnswer | undefined {
    const octets = name.slice(0, -'.in-addr.arpa'.length).split('.');
    if (octets.length !== 4) return undefined;
    const ip = octets.reverse().join('.');
    if (!IPV4.test(ip)) return undefined;
    for (const [key, svc] of this.services) {
      const [ns, svcName] = key.split('/') as [string, string];
      const fqdn = `${svcName}.${ns}.svc.${this.zone}`;
      let target: string | undefined;
      if (svc.spec.clusterIP === ip) target = fqdn;
      else if (svc.spec.clusterIP === 'None') {
        const ep = this.endpoints(key).find((e) => e.ip === ip);
        if (ep) target = `${endpointLabel(ep)}.${fqdn}`;
      }
      if (target) return this.records(q, [], [], false, [], { name: q.name, type: TYPE.PTR, class: CLASS_IN, ttl: DNS_TTL, data: target });
    }
    return undefined;
  }

  /** Ready endpoints of a Service across its slices (readiness unset counts as ready), by IP. */
  private endpoints(key: string): Endpoint[] {
    const out = new Map<string, Endpoint>();
    for (const slice of this.slices.get(key)?.values() ?? []) {
      if (slice.addressType !== 'IPv4') continue;
      const ports = (slice.ports ?? []).filter((p) => p.port !== undefined).map((p) => portRecord({ name: p.name, protocol: p.protocol, port: p.port! }));
      for (const ep of (slice.endpoints ?? []) as SliceEndpoint[]) {
        if (ep.conditions?.ready === false) continue;
        for (const ip of ep.addresses ?? []) {
          if (out.has(ip)) continue;
          out.set(ip, ep.hostname ? { ip, hostname: ep.hostname.toLowerCase(), ports } : { ip, ports });
        }
      }
    }
    return [...out.values()].sort((a, b) => compareIPs(a.ip, b.ip));
  }

  /**
   * The records for the asked type: A from `a`, SRV from `srv`, a PTR or CNAME when given,
   * else NODATA. `any` answers the CNAME whatever the type (ExternalName).
   */
  private records(q: Question, srv: { target: string; port: number }[], a: ResourceRecord[], any = false, extra: ResourceRecord[] = [], ptr?: ResourceRecord): LocalAnswer {
    if (any) return { rcode: RCODE.NOERROR, answers: a, authorities: [], additionals: [] };
    if (ptr) return q.type === TYPE.PTR ? { rcode: RCODE.NOERROR, answers: [ptr], authorities: [], additionals: [] } : this.nodata();
    if (q.type === TYPE.A && a.length > 0) return { rcode: RCODE.NOERROR, answers: a, authorities: [], additionals: [] };
    if (q.type === TYPE.SRV && srv.length > 0) {
      // As CoreDNS: equal priority, weights sharing 100 between the records.
      const weight = Math.floor(100 / srv.length);
      const answers = srv.map((s) => ({ name: q.name, type: TYPE.SRV, class: CLASS_IN, ttl: DNS_TTL, data: { priority: 0, weight, port: s.port, target: s.target } }));
      const targets = new Set(srv.map((s) => s.target));
      return { rcode: RCODE.NOERROR, answers, authorities: [], additionals: extra.filter((r) => targets.has(r.name)) };
    }
    return this.nodata();
  }

  private a(name: string, ip: string): ResourceRecord {
    return { name, type: TYPE.A, class: CLASS_IN, ttl: DNS_TTL, data: ip };
  }

  soa(): ResourceRecord {
    const data: SoaData = { mname: `ns.dns.${this.zone}`, rname: `hostmaster.${this.zone}`, serial: this.serial, refresh: 7200, retry: 1800, expire: 86400, minimum: DNS_TTL };
    return { name: this.zone, type: TYPE.SOA, class: CLASS_IN, ttl: DNS_TTL, data };
  }

  private nodata(): LocalAnswer {
    return { rcode: RCODE.NOERROR, answers: [], authorities: [this.soa()], additionals: [] };
  }

  private nxdomain(): LocalAnswer {
    return { rcode: RCODE.NXDOMAIN, answers: [], authorities: [this.soa()], additionals: [] };
  }
}

function sliceServiceKey(slice: EndpointSlice): string | undefined {
  const svc = slice.metadata.labels?.[SERVICE_NAME_LABEL];
  return svc ? `${slice.metadata.namespace}/${svc}` : undefined;
}

/** The endpoint's own DNS label: its hostname, else its address with dashes (as CoreDNS). */
function endpointLabel(e: Endpoint): string {
  return e.hostname ?? e.ip.replace(/\./g, '-');
}

function portRecord(p: { name?: string | undefined; protocol?: string | undefined; port: number }): PortRecord {
  return { name: (p.name ?? '').toLowerCase(), protocol: (p.protocol ?? 'TCP').toLowerCase(), port: p.port };
}

function compareIPs(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 4; i++) if (pa[i] !== pb[i]) return pa[i]! - pb[i]!;
  return 0;
}
