// A pod's hostname and domain as the kubelet derives them (GeneratePodHostNameAndDomain,
// truncatePodHostnameIfNeeded, GetNodenameForKernel): spec.hostname or the pod name, cut
// to 63 characters; with spec.subdomain the domain <subdomain>.<ns>.svc.<clusterDomain>;
// with setHostnameAsFQDN the kernel's hostname is the whole FQDN (at most 64 characters).

import type { Pod } from '../../../api/types.js';
import { isDNS1123Label } from '../../../api/validation/names.js';

/** The kernel's nodename field holds 64 bytes with the terminating NUL: 63 characters. */
export const HOSTNAME_MAX_LENGTH = 63;
/** An FQDN given to the kernel as the hostname may use all 64 characters. */
export const FQDN_MAX_LENGTH = 64;

/** The pod's identity cannot be made (the kubelet fails the sandbox with this message). */
export class PodIdentityError extends Error {}

export interface PodHostIdentity {
  /** The short hostname: /etc/hosts' last column. */
  hostname: string;
  /** '' without spec.subdomain. */
  hostDomain: string;
}

/** A hostname over 63 characters is cut there, then any trailing '-' or '.' goes. */
export function truncateHostname(podName: string, hostname: string): string {
  if (hostname.length <= HOSTNAME_MAX_LENGTH) return hostname;
  const truncated = hostname.slice(0, HOSTNAME_MAX_LENGTH).replace(/[-.]+$/, '');
  if (!truncated) throw new PodIdentityError(`hostname for pod "${podName}" was invalid: "${hostname}"`);
  return truncated;
}

export function podHostnameAndDomain(pod: Pod, clusterDomain: string): PodHostIdentity {
  const name = pod.metadata.name ?? '';
  let hostname = name;
  const wanted = pod.spec.hostname;
  if (wanted) {
    const msgs = isDNS1123Label(wanted);
    if (msgs.length) throw new PodIdentityError(`pod Hostname "${wanted}" is not a valid DNS label: ${msgs.join(';')}`);
    hostname = wanted;
  }
  hostname = truncateHostname(name, hostname);
  const subdomain = (pod.spec as { subdomain?: string }).subdomain;
  let hostDomain = '';
  if (subdomain) {
    const msgs = isDNS1123Label(subdomain);
    if (msgs.length) throw new PodIdentityError(`pod Subdomain "${subdomain}" is not a valid DNS label: ${msgs.join(';')}`);
    hostDomain = `${subdomain}.${pod.metadata.namespace ?? 'default'}.svc.${clusterDomain}`;
  }
  return { hostname, hostDomain };
}

/** What the sandbox's UTS namespace is given: the FQDN only when asked for and there is a domain. */
export function kernelHostname(id: PodHostIdentity, setHostnameAsFQDN: boolean | undefined): string {
  if (!id.hostDomain || setHostnameAsFQDN !== true) return id.hostname;
  const fqdn = `${id.hostname}.${id.hostDomain}`;
  if (fqdn.length > FQDN_MAX_LENGTH) {
    throw new PodIdentityError(
      `failed to construct FQDN from pod hostname and cluster domain, FQDN ${fqdn} is too long (${FQDN_MAX_LENGTH} characters is the max, ${fqdn.length} characters requested)`,
    );
  }
  return fqdn;
}
