// Which names the API server's certificate must carry: every way a client on this host,
// on the LAN, or inside a pod (the `kubernetes` Service) may address the control server.

import { hostname, networkInterfaces } from 'node:os';
import { canonicalIp } from './ip-address.js';
import { PkiError } from './errors.js';

export interface SubjectAltNames {
  /** Lower-case DNS names without a trailing dot. */
  dns: string[];
  /** IPs in canonicalIp() spelling. */
  ips: string[];
}

const DEFAULT_DNS = [
  'localhost',
  'kubernetes',
  'kubernetes.default',
  'kubernetes.default.svc',
  'kubernetes.default.svc.cluster.local',
];
const DEFAULT_IPS = ['127.0.0.1', '::1'];

const LABEL_RE = /^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/;

/** Lower-cased DNS name (wildcard allowed in the first label only), or undefined if `name` is not one. */
export function normalizeDnsName(name: string): string | undefined {
  const dns = name.trim().toLowerCase().replace(/\.$/, '');
  if (dns === '' || dns.length > 253) return undefined;
  const labels = dns.split('.');
  const ok = labels.every((label, i) => LABEL_RE.test(label) || (i === 0 && label === '*' && labels.length > 2));
  return ok ? dns : undefined;
}

/** Non-loopback addresses of this host's interfaces, in canonical spelling. */
export function hostAddresses(): string[] {
  const ips: string[] = [];
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) {
      if (a.internal) continue;
      const ip = canonicalIp(a.address);
      if (ip) ips.push(ip);
    }
  }
  return ips;
}

/** The full SAN set: defaults, the host name, every host address, plus `extraHosts` (DNS names or IPs). */
export function servingSubjectAltNames(extraHosts: readonly string[], host = hostname()): SubjectAltNames {
  const dns = new Set<string>(DEFAULT_DNS);
  const ips = new Set<string>(DEFAULT_IPS.map((ip) => canonicalIp(ip) ?? ip));
  // A host name that is not a valid DNS name (rare, but possible) is left out rather than
  // failing start-up: the addresses still cover it.
  const hostDns = normalizeDnsName(host);
  if (hostDns) dns.add(hostDns);
  for (const ip of hostAddresses()) ips.add(ip);
  for (const extra of extraHosts) {
    if (extra.trim() === '') continue;
    const ip = canonicalIp(extra.trim());
    if (ip) {
      ips.add(ip);
      continue;
    }
    const name = normalizeDnsName(extra);
    if (!name) throw new PkiError('InvalidHost', `${JSON.stringify(extra)} is neither an IP address nor a DNS name`);
    dns.add(name);
  }
  return { dns: [...dns], ips: [...ips] };
}

/** Names from `wanted` that `have` lacks. */
export function missingSubjectAltNames(have: SubjectAltNames, wanted: SubjectAltNames): string[] {
  const dns = new Set(have.dns);
  const ips = new Set(have.ips);
  return [...wanted.dns.filter((d) => !dns.has(d)), ...wanted.ips.filter((i) => !ips.has(i))];
}
