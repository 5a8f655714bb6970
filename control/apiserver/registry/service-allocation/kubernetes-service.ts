// The `kubernetes` Service in default: how pods find the API server. It takes the first
// address of the service range and forwards 443 to the port the API server listens on.

import type { Service } from '../../../../api/service-types.js';
import type { ServiceStorage } from './service-storage.js';

export async function ensureKubernetesService(services: ServiceStorage, apiPort: number): Promise<void> {
  const ip = services.allocator.ips.kubernetesIP;
  try {
    const current = (await services.get('default', 'kubernetes')) as Service;
    // The API server may listen on another port after a restart: keep the Service pointing at it.
    if (current.spec.ports?.[0]?.targetPort === apiPort) return;
    await services.guaranteedUpdate('default', 'kubernetes', (obj) => {
      const svc = obj as Service;
      const port = svc.spec.ports?.[0];
      if (port) port.targetPort = apiPort;
      return svc;
    });
    return;
  } catch (err) {
    if ((err as { code?: number }).code !== 404) throw err;
  }
  const svc: Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
    spec: { type: 'ClusterIP', clusterIP: ip, sessionAffinity: 'None', ports: [{ name: 'https', protocol: 'TCP', port: 443, targetPort: apiPort }] },
  };
  try {
    await services.create('default', svc);
  } catch (err) {
    if ((err as { status?: { reason?: string } }).status?.reason !== 'AlreadyExists') throw err;
  }
}
