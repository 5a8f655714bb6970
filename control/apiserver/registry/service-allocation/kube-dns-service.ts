// The `kube-dns` Service in kube-system, as k3s and kubeadm clusters have it: the cluster
// DNS address (the 10th of the service range) on port 53, UDP and TCP. Every agent answers
// on that address itself (agent/dns/), so the Service has no selector and no endpoints: it
// is there so `kubectl get svc -n kube-system` shows the address, the address is never
// handed to another Service, and tools that look DNS up by k8s-app=kube-dns find it.

import type { Logger } from 'pino';
import { clusterDnsIP } from '../../../../api/cluster-dns.js';
import type { Service } from '../../../../api/service-types.js';
import type { ServiceStorage } from './service-storage.js';

export async function ensureKubeDnsService(services: ServiceStorage, log: Logger): Promise<void> {
  const ip = clusterDnsIP(services.allocator.ips.cidrText);
  if (!ip) {
    log.warn({ serviceCIDR: services.allocator.ips.cidrText }, 'the service range has no 10th address: no kube-dns Service (agents need --cluster-dns or --disable-dns)');
    return;
  }
  try {
    await services.get('kube-system', 'kube-dns');
    return;
  } catch (err) {
    if ((err as { code?: number }).code !== 404) throw err;
  }
  const svc: Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'kube-dns', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns', 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'KubeDNS' } },
    spec: {
      type: 'ClusterIP',
      clusterIP: ip,
      sessionAffinity: 'None',
      ports: [
        { name: 'dns', protocol: 'UDP', port: 53, targetPort: 53 },
        { name: 'dns-tcp', protocol: 'TCP', port: 53, targetPort: 53 },
      ],
    },
  };
  try {
    await services.create('kube-system', svc);
  } catch (err) {
    const reason = (err as { status?: { reason?: string } }).status?.reason;
    if (reason === 'AlreadyExists') return;
    // A Service created before this one took the address: DNS still works (the agents
    // serve the address whatever holds it), but say so.
    if (reason === 'Invalid') return log.warn({ ip, err: (err as Error).message }, 'the cluster DNS address is held by another Service: no kube-dns Service');
    throw err;
  }
}
