// The kubelet-managed /etc/hosts (kubelet_pods.go: ensureHostsFile): one file per pod,
// <podDir>/etc-hosts, rewritten whenever a container is created and bind-mounted over
// /etc/hosts in each of the pod's containers, unless the container mounts something there
// itself. A pod on the host's network gets the node's own hosts file under a header.

import { mkdir, readFile, writeFile, chmod } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Container } from '../../../api/types.js';
import type { Mount } from '../../runtime/runtime.js';

export const ETC_HOSTS_PATH = '/etc/hosts';
const MANAGED_HEADER = '# Kubernetes-managed hosts file.\n';
const MANAGED_HEADER_HOST_NETWORK = '# Kubernetes-managed hosts file (host network).\n';

export interface HostAlias {
  ip?: string;
  hostnames?: string[];
}

/** spec.hostAliases, one line per entry: the IP, then its names, tab-separated. */
export function hostAliasesEntries(aliases: readonly HostAlias[] | undefined): string {
  if (!aliases?.length) return '';
  let out = '\n# Entries added by HostAliases.\n';
  for (const a of aliases) out += `${a.ip ?? ''}\t${(a.hostnames ?? []).join('\t')}\n`;
  return out;
}

/** The file for a pod with its own network: localhost lines, then each pod IP with its names. */
export function managedHostsFileContent(podIPs: readonly string[], hostname: string, hostDomain: string, aliases?: readonly HostAlias[]): string {
  let out = MANAGED_HEADER;
  out += '127.0.0.1\tlocalhost\n';
  out += '::1\tlocalhost ip6-localhost ip6-loopback\n';
  out += 'fe00::0\tip6-localnet\n';
  out += 'fe00::0\tip6-mcastprefix\n';
  out += 'fe00::1\tip6-allnodes\n';
  out += 'fe00::2\tip6-allrouters\n';
  for (const ip of podIPs) out += hostDomain ? `${ip}\t${hostname}.${hostDomain}\t${hostname}\n` : `${ip}\t${hostname}\n`;
  return out + hostAliasesEntries(aliases);
}

/** The file for a pod on the host's network: the node's hosts file as it is, plus the aliases. */
export function nodeHostsFileContent(nodeHosts: string, aliases?: readonly HostAlias[]): string {
  return MANAGED_HEADER_HOST_NETWORK + nodeHosts + hostAliasesEntries(aliases);
}

export function etcHostsPath(podDir: string): string {
  return join(podDir, 'etc-hosts');
}

export interface HostsFileParams {
  podDir: string;
  podIPs: readonly string[];
  hostname: string;
  hostDomain: string;
  aliases?: readonly HostAlias[] | undefined;
  hostNetwork: boolean;
  /** The node's hosts file, for host-network pods (the kubelet reads /etc/hosts). */
  nodeHostsFile?: string;
}

/** Writes <podDir>/etc-hosts (0644) and returns its path. */
export async function ensureHostsFile(p: HostsFileParams): Promise<string> {
  const content = p.hostNetwork
    ? nodeHostsFileContent(await readFile(p.nodeHostsFile ?? ETC_HOSTS_PATH, 'utf8'), p.aliases)
    : managedHostsFileContent(p.podIPs, p.hostname, p.hostDomain, p.aliases);
  const file = etcHostsPath(p.podDir);
  await mkdir(dirname(file), { recursive: true, mode: 0o750 });
  await writeFile(file, content, { mode: 0o644 });
  await chmod(file, 0o644);
  return file;
}

/** Whether the kubelet mounts its hosts file into c: only when the pod has an IP and c does not mount /etc/hosts itself. */
export function wantsHostsMount(c: Container, podIPs: readonly string[]): boolean {
  if (!podIPs.some(Boolean)) return false;
  const mounts = (c['volumeMounts'] as Array<{ mountPath?: string }> | undefined) ?? [];
  return !mounts.some((m) => m?.mountPath === ETC_HOSTS_PATH);
}

export function hostsMount(file: string): Mount {
  return { containerPath: ETC_HOSTS_PATH, hostPath: file, readonly: false };
}
