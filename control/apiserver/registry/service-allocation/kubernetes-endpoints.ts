// The endpoints of the `kubernetes` Service, which has no selector: the API server writes
// them itself (Kubernetes' endpoint reconciler), so pods reach the API through the
// Service's cluster IP. One control server: one address, the one it advertises.

import { networkInterfaces } from 'node:os';
import type { EndpointSlice, Endpoints } from '../../../../api/service-types.js';
import type { KubeObject } from '../../../../api/types.js';
import type { ResourceStorage } from '../storage.js';

/** Bridges of containers and pods are not where other hosts reach us. */
const LOCAL_BRIDGE = /^(docker|br-|veth|sk-|cni|flannel|virbr|skiff)/;

/**
 * The address the API server is reached at from other hosts: the listen address when it is
 * a specific one, else the first IPv4 address of a real interface.
 */
export function advertiseAddress(listenHost: string): string | undefined {
  if (listenHost !== '0.0.0.0' && listenHost !== '::' && !listenHost.startsWith('127.')) return listenHost;
  for (const [name, addrs] of Object.entries(networkInterfaces())) {
    if (LOCAL_BRIDGE.test(name)) continue;
    const v4 = (addrs ?? []).find((a) => a.family === 'IPv4' && !a.internal);
    if (v4) return v4.address;
  }
  return undefined;
}

function kubernetesEndpoints(ip: string, port: number): Endpoints {
  return {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: 'kubernetes', namespace: 'default', labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
    subsets: [{ addresses: [{ ip }], ports: [{ name: 'https', port, protocol: 'TCP' }] }],
  };
}

function kubernetesSlice(ip: string, port: number): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'kubernetes', namespace: 'default', labels: { 'kubernetes.io/service-name': 'kubernetes' } },
    addressType: 'IPv4',
    endpoints: [{ addresses: [ip], conditions: { ready: true } }],
    ports: [{ name: 'https', port, protocol: 'TCP' }],
  };
}

/** Creates or corrects one object; only the fields we own are compared. */
async function reconcile(storage: ResourceStorage, want: KubeObject, same: (have: KubeObject) => boolean, apply: (have: KubeObject) => KubeObject): Promise<void> {
  try {
    const have = await storage.get('default', want.metadata.name!);
    if (same(have)) return;
    await storage.guaranteedUpdate('default', want.metadata.name!, (obj) => apply(obj));
  } catch (err) {
    if ((err as { code?: number }).code !== 404) throw err;
    await storage.create('default', want);
  }
}

export async function ensureKubernetesEndpoints(endpoints: ResourceStorage, slices: ResourceStorage, ip: string, port: number): Promise<void> {
  const ep = kubernetesEndpoints(ip, port);
  await reconcile(
    endpoints,
    ep,
    (have) => JSON.stringify((have as Endpoints).subsets) === JSON.stringify(ep.subsets),
    (have) => ({ ...have, subsets: ep.subsets } as KubeObject),
  );
  const slice = kubernetesSlice(ip, port);
  await reconcile(
    slices,
    slice,
    (have) => JSON.stringify([(have as EndpointSlice).endpoints, (have as EndpointSlice).ports]) === JSON.stringify([slice.endpoints, slice.ports]),
    (have) => ({ ...have, endpoints: slice.endpoints, ports: slice.ports } as KubeObject),
  );
}
