// What makes a pod itself on the node, in one place for the pod syncer: its sandbox's
// hostname and network mode, its resolver config (with the kubelet's warning events), and
// the kubelet-managed /etc/hosts each container gets.

import type { Container, Pod } from '../../../api/types.js';
import type { DNSConfig, Mount } from '../../runtime/runtime.js';
import { readPodDNS, type DnsSettings } from './dns.js';
import { ensureHostsFile, hostsMount, wantsHostsMount, type HostAlias } from './etc-hosts.js';
import { kernelHostname, podHostnameAndDomain } from './hostname.js';

export const DEFAULT_CLUSTER_DOMAIN = 'cluster.local';
export const DEFAULT_RESOLV_CONF = '/etc/resolv.conf';

export interface PodIdentityOptions extends DnsSettings {
  /** The pod's directory (<dataDir>/pods/<uid>): where etc-hosts is written. */
  podDir: (uid: string) => string;
  /** The node's hosts file for host-network pods; /etc/hosts by default. */
  nodeHostsFile?: string;
}

export type Warn = (pod: Pod, reason: string, message: string) => void;

export function isHostNetwork(pod: Pod): boolean {
  return (pod.spec as { hostNetwork?: boolean }).hostNetwork === true;
}

interface IdentitySpec {
  subdomain?: string;
  setHostnameAsFQDN?: boolean;
  hostAliases?: HostAlias[];
}

const spec = (pod: Pod) => pod.spec as IdentitySpec;

export class PodIdentity {
  constructor(private readonly o: PodIdentityOptions) {}

  /**
   * The sandbox's hostname ('' on the host's network, as the kubelet leaves it) and network
   * mode. Throws PodIdentityError when the hostname cannot be made (too long an FQDN).
   */
  sandbox(pod: Pod): { hostname: string; hostNetwork: boolean } {
    if (isHostNetwork(pod)) return { hostname: '', hostNetwork: true };
    const id = podHostnameAndDomain(pod, this.o.clusterDomain);
    return { hostname: kernelHostname(id, spec(pod).setHostnameAsFQDN), hostNetwork: false };
  }

  /** The sandbox's DNSConfig; MissingClusterDNS and DNSConfigForming go to the pod as warnings. */
  async dnsConfig(pod: Pod, warn: Warn): Promise<DNSConfig> {
    const { config, warnings } = await readPodDNS(pod, this.o);
    for (const w of warnings) warn(pod, w.reason, w.message);
    return config;
  }

  /**
   * Writes the pod's etc-hosts and returns the mount for container c, or undefined when the
   * kubelet would not mount it (no pod IP yet, or c mounts /etc/hosts itself).
   */
  async hostsMount(pod: Pod, c: Container, podIP: string): Promise<Mount | undefined> {
    const podIPs = [podIP].filter(Boolean);
    if (!wantsHostsMount(c, podIPs)) return undefined;
    const { hostname, hostDomain } = podHostnameAndDomain(pod, this.o.clusterDomain);
    const file = await ensureHostsFile({
      podDir: this.o.podDir(pod.metadata.uid ?? ''),
      podIPs,
      hostname,
      hostDomain,
      aliases: spec(pod).hostAliases,
      hostNetwork: isHostNetwork(pod),
      ...(this.o.nodeHostsFile ? { nodeHostsFile: this.o.nodeHostsFile } : {}),
    });
    return hostsMount(file);
  }
}
