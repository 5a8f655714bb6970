// The sandbox's /etc/resolv.conf on Docker. The pod's containers join the infra
// container's network namespace, and Docker then gives them its resolv.conf (and hostname):
// writing the pod's DNSConfig into that one file reaches every container, as dockershim's
// rewriteResolvFile did. The text is what containerd's CRI plugin writes for the same
// DNSConfig, so a pod reads the same file on either runtime.

import { writeFile } from 'node:fs/promises';
import type { DNSConfig } from '../runtime.js';

export function renderResolvConf(dns: DNSConfig): string {
  let out = '';
  if (dns.searches.length) out += `search ${dns.searches.join(' ')}\n`;
  for (const server of dns.servers) out += `nameserver ${server}\n`;
  if (dns.options.length) out += `options ${dns.options.join(' ')}\n`;
  return out;
}

/** Replaces the resolv.conf Docker made for the sandbox (inspect's ResolvConfPath). */
export async function writeSandboxResolvConf(resolvConfPath: string, dns: DNSConfig): Promise<void> {
  if (!resolvConfPath) throw new Error('Docker gave the sandbox no resolv.conf to write the pod\'s DNS config into');
  await writeFile(resolvConfPath, renderResolvConf(dns), { mode: 0o644 });
}
