// A pod's resolver configuration as the kubelet's DNS configurer makes it
// (pkg/kubelet/network/dns): the base comes from dnsPolicy — ClusterFirst: the cluster DNS
// servers, the cluster search domains before the node's, ndots:5; Default: the node's
// resolv.conf (--resolv-conf); None: nothing — then spec.dnsConfig is merged in and the
// result cut to what resolvers accept. The runtime turns it into the sandbox's
// /etc/resolv.conf (CRI DNSConfig).

import { readFile } from 'node:fs/promises';
import type { Pod } from '../../../api/types.js';
import type { DNSConfig } from '../../runtime/runtime.js';

/** Limits of glibc's resolver that Kubernetes enforces (validation.MaxDNS*). */
export const MAX_DNS_NAMESERVERS = 3;
export const MAX_DNS_SEARCH_PATHS = 32;
export const MAX_DNS_SEARCH_LIST_CHARS = 2048;
/** Longer search domains make some resolvers (glibc 2.28) abort: they are left out. */
const MAX_SEARCH_DOMAIN_LENGTH = 253;
const DEFAULT_DNS_OPTIONS = ['ndots:5'];

export type { DNSConfig };

export interface PodDNSConfig {
  nameservers?: string[];
  searches?: string[];
  options?: Array<{ name?: string; value?: string }>;
}

/** The kubelet's DNS settings (--cluster-dns, --cluster-domain, --resolv-conf). */
export interface DnsSettings {
  /** Cluster DNS server IPs; none: ClusterFirst pods fall back to Default, with a warning. */
  clusterDNS: string[];
  clusterDomain: string;
  /** The node's resolver file; '' means none (pods then ask 127.0.0.1, as the kubelet does). */
  resolvConf: string;
}

export interface DnsWarning {
  reason: 'MissingClusterDNS' | 'DNSConfigForming';
  message: string;
}

/** resolv.conf's lines the kubelet reads: nameservers add up, the last search and options lines win. */
export function parseResolvConf(text: string): DNSConfig {
  const out: DNSConfig = { servers: [], searches: [], options: [] };
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#') || line.startsWith(';')) continue;
    const fields = line.split(/\s+/).filter(Boolean);
    if (fields[0] === 'nameserver' && fields[1]) out.servers.push(fields[1]);
    // The same domain with and without its trailing dot counts once; "." alone is no domain.
    if (fields[0] === 'search') out.searches = fields.slice(1).filter((s) => s !== '.').map((s) => s.replace(/\.$/, ''));
    if (fields[0] === 'options') out.options = fields.slice(1);
  }
  return out;
}

function unique(list: readonly string[]): string[] {
  return [...new Set(list)];
}

/** Options by name; a later one (the pod's dnsConfig) replaces an earlier one of the same name. */
export function mergeDnsOptions(base: readonly string[], extra: PodDNSConfig['options']): string[] {
  const byName = new Map<string, string>();
  for (const op of base) {
    const i = op.indexOf(':');
    if (i >= 0) byName.set(op.slice(0, i), op.slice(i + 1));
    else byName.set(op, '');
  }
  for (const op of extra ?? []) byName.set(op.name ?? '', op.value ?? '');
  return [...byName].map(([name, value]) => (value ? `${name}:${value}` : name));
}

/** spec.dnsConfig appended to the policy's base, duplicates dropped. */
export function appendDnsConfig(base: DNSConfig, pod: PodDNSConfig): DNSConfig {
  return {
    servers: unique([...base.servers, ...(pod.nameservers ?? [])]),
    searches: unique([...base.searches, ...(pod.searches ?? [])]),
    options: mergeDnsOptions(base.options, pod.options),
  };
}

/** At most 3 nameservers and 32 search domains in 2048 characters; what is cut is reported. */
export function fitDnsLimits(config: DNSConfig): { config: DNSConfig; warnings: DnsWarning[] } {
  const warnings: DnsWarning[] = [];
  let servers = config.servers;
  if (servers.length > MAX_DNS_NAMESERVERS) {
    servers = servers.slice(0, MAX_DNS_NAMESERVERS);
    warnings.push({ reason: 'DNSConfigForming', message: `Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: ${servers.join(' ')}` });
  }
  let exceeded = false;
  let searches = config.searches;
  if (searches.length > MAX_DNS_SEARCH_PATHS) {
    searches = searches.slice(0, MAX_DNS_SEARCH_PATHS);
    exceeded = true;
  }
  const kept = searches.filter((s) => s.length <= MAX_SEARCH_DOMAIN_LENGTH);
  if (kept.length !== searches.length) exceeded = true;
  searches = kept;
  // Cut whole domains from the end until the line fits.
  while (searches.join(' ').length > MAX_DNS_SEARCH_LIST_CHARS) {
    searches = searches.slice(0, -1);
    exceeded = true;
  }
  if (exceeded) {
    warnings.push({ reason: 'DNSConfigForming', message: `Search Line limits were exceeded, some search paths have been omitted, the applied search line is: ${searches.join(' ')}` });
  }
  return { config: { servers, searches, options: config.options }, warnings };
}

type PodDNSType = 'cluster' | 'host' | 'none';

/** ClusterFirst on the host's network means Default; ClusterFirstWithHostNet keeps the cluster's. */
function podDNSType(pod: Pod): PodDNSType {
  const hostNetwork = (pod.spec as { hostNetwork?: boolean }).hostNetwork === true;
  switch (pod.spec.dnsPolicy) {
    case 'None':
      return 'none';
    case 'ClusterFirstWithHostNet':
      return 'cluster';
    case 'Default':
      return 'host';
    case 'ClusterFirst':
    default:
      // An unknown policy cannot pass the API server; the kubelet treats it as ClusterFirst.
      return hostNetwork ? 'host' : 'cluster';
  }
}

/** The kubelet's format.Pod: name_namespace(uid). */
function formatPod(pod: Pod): string {
  return `${pod.metadata.name ?? ''}_${pod.metadata.namespace ?? ''}(${pod.metadata.uid ?? ''})`;
}

/**
 * The pod's DNSConfig from the settings and the node's resolver config (parsed; empty
 * when settings.resolvConf is ''). Pure: the caller reads the file and records warnings.
 */
export function podDNS(pod: Pod, settings: DnsSettings, host: DNSConfig): { config: DNSConfig; warnings: DnsWarning[] } {
  const warnings: DnsWarning[] = [];
  let config: DNSConfig = { servers: [...host.servers], searches: [...host.searches], options: [...host.options] };
  let type = podDNSType(pod);
  if (type === 'none') config = { servers: [], searches: [], options: [] };
  if (type === 'cluster') {
    if (settings.clusterDNS.length) {
      const domain = settings.clusterDomain;
      const clusterSearch = domain ? [`${pod.metadata.namespace ?? 'default'}.svc.${domain}`, `svc.${domain}`, domain] : [];
      config = { servers: [...settings.clusterDNS], searches: unique([...clusterSearch, ...host.searches]), options: [...DEFAULT_DNS_OPTIONS] };
    } else {
      const message = 'kubelet does not have ClusterDNS IP configured and cannot create Pod using "ClusterFirst" policy. Falling back to "Default" policy.';
      warnings.push({ reason: 'MissingClusterDNS', message: `pod: "${formatPod(pod)}". ${message}` });
      type = 'host';
    }
  }
  if (type === 'host' && settings.resolvConf === '') {
    // No resolver file: ask the node's own address, as a resolver without nameservers would.
    config = { servers: ['127.0.0.1'], searches: ['.'], options: [] };
  }
  const podConfig = (pod.spec as { dnsConfig?: PodDNSConfig | null }).dnsConfig;
  if (podConfig) config = appendDnsConfig(config, podConfig);
  const fitted = fitDnsLimits(config);
  return { config: fitted.config, warnings: [...warnings, ...fitted.warnings] };
}

/** Reads the node's resolver file (each time: it may change) and computes the pod's DNSConfig. */
export async function readPodDNS(pod: Pod, settings: DnsSettings): Promise<{ config: DNSConfig; warnings: DnsWarning[] }> {
  const host = settings.resolvConf ? parseResolvConf(await readFile(settings.resolvConf, 'utf8')) : { servers: [], searches: [], options: [] };
  return podDNS(pod, settings, host);
}
