// The cluster DNS address: the kube-dns Service's cluster IP and the nameserver of
// ClusterFirst pods. By convention (kubeadm, k3s) the 10th address of the service range:
// 10.43.0.10 for Skiff's default 10.43.0.0/16.

import { formatIPv4, parseCidr } from './cidr.js';

const OFFSET = 10;

/** The 10th address of the range, or undefined when the range is too small to have one that is not its broadcast address. */
export function clusterDnsIP(serviceCIDR: string): string | undefined {
  const c = parseCidr(serviceCIDR);
  const size = 2 ** (32 - c.prefix);
  return OFFSET < size - 1 ? formatIPv4(c.base + OFFSET) : undefined;
}
