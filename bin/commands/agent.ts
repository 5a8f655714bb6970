// `skiff agent`: the node agent.

import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import { runAgent, type AgentProxyOptions, type AgentResourceOptions } from '../../agent/agent.js';
import { DEFAULT_POD_MANIFEST_PATH } from '../../agent/kubelet/config/file-source.js';
import { DEFAULT_EVICTION_HARD, parseEvictionHard } from '../../agent/eviction/thresholds.js';
import { addReserved, parseReserved } from '../../agent/node/reserved.js';
import { cleanupProxyRules } from '../../agent/proxy/cleanup.js';
import { POD_NETWORK_BACKENDS, type PodNetworkBackend } from '../../agent/network/routes.js';
import { ExecIptables } from '../../agent/proxy/iptables.js';
import { parseCidr } from '../../api/cidr.js';
import { clusterDnsIP } from '../../api/cluster-dns.js';
import { removeNodeLocalAddresses } from '../../agent/dns/node-local-address.js';
import { isDNS1123Subdomain } from '../../api/validation/names.js';
import type { DnsSettings } from '../../agent/kubelet/pod-identity/dns.js';
import { DEFAULT_CLUSTER_DOMAIN, DEFAULT_RESOLV_CONF } from '../../agent/kubelet/pod-identity/pod-identity.js';
import { list, parseDuration, parseFlags, required, str, usage, UsageError, type FlagSpec, type ParsedFlags } from '../cli-flags.js';
import { createLogger, shutdownSignal, skiffVersion } from '../daemon.js';
import { imageFlags, imageOptions } from './agent-image-flags.js';
import { validateShutdownPeriods, type ShutdownPeriods } from '../../agent/node/node-shutdown.js';

export const agentFlags: FlagSpec[] = [
  { name: 'server', description: 'URL of the control server, e.g. https://10.0.0.2:6443', placeholder: 'URL' },
  { name: 'token', description: 'Join token (the content of the control server\'s node-token file)', placeholder: 'TOKEN' },
  { name: 'token-file', description: 'File holding the join token', placeholder: 'FILE' },
  { name: 'node-name', description: 'Name of this node', default: hostname().toLowerCase(), placeholder: 'NAME' },
  { name: 'data-dir', description: 'Where the agent keeps its state', default: '/var/lib/skiff/agent', placeholder: 'DIR' },
  { name: 'runtime', description: 'Container runtime: docker, containerd or auto (Docker if its socket is there, else containerd)', default: 'auto', placeholder: 'NAME' },
  { name: 'runtime-endpoint', description: 'Socket of the container runtime (default: /var/run/docker.sock; /run/skiff-containerd/containerd.sock, then /run/containerd/containerd.sock)', placeholder: 'PATH' },
  { name: 'node-ip', description: 'IPv4 address other nodes reach this one on (default: the default route\'s)', placeholder: 'IP' },
  { name: 'log-level', description: 'fatal, error, warn, info, debug or trace', default: 'info', placeholder: 'LEVEL' },
  { name: 'service-cidr', description: 'The control server\'s service range: the proxy rejects traffic to it that no Service rule translated', default: '10.43.0.0/16', placeholder: 'CIDR' },
  { name: 'disable-proxy', description: 'Do not run the service proxy (no iptables rules for Services on this node)', boolean: true },
  { name: 'proxy-min-sync-period', description: 'Least time between two syncs of the proxy\'s rules once a burst of two is spent (500ms, 1s, …)', default: '1s', placeholder: 'DURATION' },
  { name: 'proxy-sync-period', description: 'A full sync of the proxy\'s rules at least this often', default: '30s', placeholder: 'DURATION' },
  { name: 'cleanup-proxy', description: 'Remove every iptables rule and chain the proxy added (SKIFF-*) and the cluster DNS address (lo:skiff-dns), then exit', boolean: true },
  { name: 'eviction-hard', description: 'Hard eviction thresholds (memory.available, nodefs.available, nodefs.inodesFree, pid.available)', default: DEFAULT_EVICTION_HARD, placeholder: 'LIST' },
  { name: 'eviction-pressure-transition-period', description: 'How long a pressure condition stays after its threshold was last met', default: '5m', placeholder: 'DURATION' },
  { name: 'housekeeping-interval', description: 'How often eviction signals are read', default: '10s', placeholder: 'DURATION' },
  { name: 'system-reserved', description: 'Kept out of allocatable for the OS, e.g. cpu=100m,memory=256Mi,ephemeral-storage=1Gi', placeholder: 'LIST' },
  { name: 'kube-reserved', description: 'Kept out of allocatable for Skiff itself (same form as --system-reserved)', placeholder: 'LIST' },
  { name: 'max-pods', description: 'Most pods this node runs', default: '110', placeholder: 'N' },
  { name: 'shutdown-grace-period', description: 'When the machine shuts down (systemd stopping), stop pods within this; 0 leaves them to the shutdown', default: '0s', placeholder: 'DURATION' },
  { name: 'shutdown-grace-period-critical-pods', description: 'The part of --shutdown-grace-period kept for critical pods, stopped last', default: '0s', placeholder: 'DURATION' },
  { name: 'pod-manifest-path', description: 'Directory (or file) of static pod manifests, one Pod per file, run without the control server and mirrored in the API ("" for none)', default: DEFAULT_POD_MANIFEST_PATH, placeholder: 'DIR' },
  { name: 'cluster-dns', description: 'IP addresses of the cluster DNS server, comma-separated: the nameservers of ClusterFirst pods (none: they fall back to Default)', multiple: true, placeholder: 'IPS' },
  { name: 'cluster-domain', description: 'The cluster\'s DNS domain: pods\' search domains and FQDNs', default: DEFAULT_CLUSTER_DOMAIN, placeholder: 'DOMAIN' },
  { name: 'disable-dns', description: 'Do not serve cluster DNS on this node (by default the agent answers on the first --cluster-dns address, which defaults to the 10th address of --service-cidr)', boolean: true },
  { name: 'resolv-conf', description: 'Resolver file of the node, the base of pods\' resolv.conf ("" for none)', default: DEFAULT_RESOLV_CONF, placeholder: 'FILE' },
  { name: 'pod-network-backend', description: 'How pods reach pods on other nodes: host-gw (routes via each node\'s InternalIP; all nodes on one L2), vxlan (kernel vxlan device, UDP 8472) or none', default: 'host-gw', placeholder: 'NAME' },
  ...imageFlags,
];

export function resourceOptions(flags: ParsedFlags): AgentResourceOptions {
  let evictionHard: AgentResourceOptions['evictionHard'];
  let reserved: AgentResourceOptions['reserved'];
  try {
    evictionHard = parseEvictionHard(required(flags, 'eviction-hard'));
  } catch (err) {
    throw new UsageError(`--eviction-hard: ${(err as Error).message}`);
  }
  try {
    reserved = addReserved(parseReserved(str(flags, 'system-reserved') ?? '', 'system-reserved'), parseReserved(str(flags, 'kube-reserved') ?? '', 'kube-reserved'));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const maxPods = Number(required(flags, 'max-pods'));
  if (!Number.isInteger(maxPods) || maxPods < 1) throw new UsageError(`--max-pods ${str(flags, 'max-pods')}: a whole number of at least 1`);
  return {
    evictionHard,
    reserved,
    maxPods,
    evictionIntervalMs: parseDuration(required(flags, 'housekeeping-interval'), 'housekeeping-interval'),
    evictionPressureTransitionPeriodMs: parseDuration(required(flags, 'eviction-pressure-transition-period'), 'eviction-pressure-transition-period'),
  };
}

/** --cluster-dns, --cluster-domain, --resolv-conf, checked as the kubelet checks them. */
export function dnsOptions(flags: ParsedFlags): DnsSettings {
  const clusterDNS = list(flags, 'cluster-dns');
  for (const ip of clusterDNS) if (isIP(ip) === 0) throw new UsageError(`--cluster-dns ${ip}: not an IP address`);
  const clusterDomain = (str(flags, 'cluster-domain') ?? '').replace(/\.$/, '');
  const bad = clusterDomain ? isDNS1123Subdomain(clusterDomain) : [];
  if (bad.length) throw new UsageError(`--cluster-domain ${clusterDomain}: ${bad.join('; ')}`);
  return { clusterDNS, clusterDomain, resolvConf: str(flags, 'resolv-conf') ?? '' };
}

/** With the node's DNS server on, --cluster-dns defaults to its address: the kube-dns Service's. */
export function nodeDnsOptions(flags: ParsedFlags, dns: DnsSettings): { dns: DnsSettings; dnsServer: boolean } {
  if (flags['disable-dns'] === true) return { dns, dnsServer: false };
  const serviceCIDR = required(flags, 'service-cidr');
  const ip = dns.clusterDNS[0] ?? clusterDnsIP(serviceCIDR);
  if (!ip) throw new UsageError(`--service-cidr ${serviceCIDR} has no 10th address for the cluster DNS: pass --cluster-dns or --disable-dns`);
  if (isIP(ip) !== 4) throw new UsageError(`--cluster-dns ${ip}: the node's DNS server listens on IPv4 only (or pass --disable-dns)`);
  return { dns: { ...dns, clusterDNS: dns.clusterDNS.length ? dns.clusterDNS : [ip] }, dnsServer: true };
}

export const agentSummary = 'Runs the node agent: registers this host as a Node and runs the pods bound to it in real containers.';

export function readToken(flags: Parameters<typeof str>[0]): string {
  const token = str(flags, 'token');
  const file = str(flags, 'token-file');
  if (token && file) throw new UsageError('give either --token or --token-file, not both');
  if (token) return token.trim();
  if (!file) throw new UsageError('--token or --token-file is required (or set SKIFF_TOKEN / SKIFF_TOKEN_FILE)');
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (err) {
    throw new UsageError(`cannot read --token-file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

export function shutdownOptions(flags: ParsedFlags): ShutdownPeriods {
  const periods = {
    gracePeriodMs: parseDuration(required(flags, 'shutdown-grace-period'), 'shutdown-grace-period'),
    criticalGracePeriodMs: parseDuration(required(flags, 'shutdown-grace-period-critical-pods'), 'shutdown-grace-period-critical-pods'),
  };
  const problem = validateShutdownPeriods(periods);
  if (problem) throw new UsageError(problem);
  return periods;
}

export function proxyOptions(flags: ParsedFlags): AgentProxyOptions {
  const serviceCIDR = required(flags, 'service-cidr');
  try {
    parseCidr(serviceCIDR);
  } catch (err) {
    throw new UsageError(`--service-cidr: ${(err as Error).message}`);
  }
  const options: AgentProxyOptions = {
    enabled: flags['disable-proxy'] !== true,
    serviceCIDR,
    minSyncIntervalMs: parseDuration(required(flags, 'proxy-min-sync-period'), 'proxy-min-sync-period'),
    syncPeriodMs: parseDuration(required(flags, 'proxy-sync-period'), 'proxy-sync-period'),
  };
  // A zero period would resync back to back, forever.
  if (options.syncPeriodMs < 1000) throw new UsageError(`--proxy-sync-period ${str(flags, 'proxy-sync-period')}: at least 1s`);
  return options;
}

export function podNetworkBackendFlag(value: string): PodNetworkBackend {
  const found = POD_NETWORK_BACKENDS.find((b) => b === value);
  if (!found) throw new UsageError(`--pod-network-backend ${value}: expected ${POD_NETWORK_BACKENDS.join(', ')}`);
  return found;
}

export function runtimeFlag(value: string): 'docker' | 'containerd' | 'auto' {
  if (value === 'docker' || value === 'containerd' || value === 'auto') return value;
  throw new UsageError(`--runtime ${value}: expected docker, containerd or auto`);
}

export async function agentCommand(argv: string[]): Promise<void> {
  const flags = parseFlags(argv, agentFlags);
  if (flags['help']) return console.log(usage('agent', agentSummary, agentFlags));
  if (flags['cleanup-proxy']) {
    const lines = await cleanupProxyRules(await ExecIptables.create());
    const addresses = await removeNodeLocalAddresses();
    if (addresses.length) console.log(`removed the cluster DNS address ${addresses.join(', ')} from lo`);
    return console.log(lines ? 'removed the service proxy\'s iptables rules and chains' : 'no service proxy rules to remove');
  }
  const logger = createLogger(str(flags, 'log-level'), 'skiff-agent');
  const server = required(flags, 'server');
  if (!/^https:\/\/[^/]+/.test(server)) throw new UsageError(`--server ${server}: expected an https:// URL, e.g. https://10.0.0.2:6443`);
  const options = {
    server,
    token: readToken(flags),
    nodeName: required(flags, 'node-name'),
    dataDir: required(flags, 'data-dir'),
    runtime: runtimeFlag(required(flags, 'runtime')),
    runtimeEndpoint: str(flags, 'runtime-endpoint'),
    nodeIP: str(flags, 'node-ip'),
    proxy: proxyOptions(flags),
    resources: resourceOptions(flags),
    podManifestPath: str(flags, 'pod-manifest-path') || undefined,
    images: imageOptions(flags),
    ...nodeDnsOptions(flags, dnsOptions(flags)),
    podNetworkBackend: podNetworkBackendFlag(required(flags, 'pod-network-backend')),
    shutdown: shutdownOptions(flags),
    logger,
    version: skiffVersion(),
  };
  // A node shutdown may take the whole grace period before the agent exits.
  const signal = shutdownSignal(logger, options.shutdown.gracePeriodMs);
  await runAgent(options, signal);
}
