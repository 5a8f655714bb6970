// The resource types this API server serves, each with its strategy, over one store.

import type { Store } from '../../store/store.js';
import { eventStrategy, leaseStrategy, namespaceStrategy, nodeStrategy } from './core-strategies.js';
import type { PodAdmission } from './pod-strategy.js';
import { podStrategy } from './pods.js';
import { daemonSetStrategy, deploymentStrategy, replicaSetStrategy } from './apps-strategies.js';
import { cronJobStrategy, jobStrategy } from './batch-strategies.js';
import { configMapStrategy, secretStrategy, serviceAccountStrategy } from './config-strategies.js';
import { endpointSliceStrategy, endpointsStrategy, serviceStrategy } from './service-strategies.js';
import { podDisruptionBudgetStrategy } from './policy-strategies.js';
import { controllerRevisionStrategy } from './controller-revision-strategy.js';
import type { ServiceAllocator } from './service-allocation/service-allocator.js';
import { ServiceStorage } from './service-allocation/service-storage.js';
import { ResourceStorage, type StorageContext } from './storage.js';
import type { Strategy } from './strategy.js';

/** Every type served, in discovery order; pods take the admission settings. */
export function strategies(podAdmission?: PodAdmission): Strategy[] {
  return [
    namespaceStrategy,
    nodeStrategy,
    podStrategy(podAdmission),
    eventStrategy,
    serviceStrategy,
    endpointsStrategy,
    configMapStrategy,
    secretStrategy,
    serviceAccountStrategy,
    deploymentStrategy,
    replicaSetStrategy,
    daemonSetStrategy,
    controllerRevisionStrategy,
    jobStrategy,
    cronJobStrategy,
    leaseStrategy,
    endpointSliceStrategy,
    podDisruptionBudgetStrategy,
  ];
}

export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

/** With `serviceAllocator`, Services get cluster IPs and node ports (the control server). */
export function buildStorages(store: Store, podAdmission?: PodAdmission, serviceAllocator?: ServiceAllocator): ResourceStorage[] {
  let namespaces: ResourceStorage | undefined;
  const context: StorageContext = {
    async namespaceExists(name) {
      try {
        const ns = await namespaces!.get(undefined, name);
        return ns.metadata.deletionTimestamp ? 'terminating' : 'active';
      } catch (err) {
        if ((err as { code?: number }).code === 404) return 'missing';
        throw err;
      }
    },
  };
  const storages = strategies(podAdmission).map((s) =>
    serviceAllocator && s === serviceStrategy ? new ServiceStorage(store, s, context, serviceAllocator) : new ResourceStorage(store, s, context),
  );
  namespaces = storages.find((s) => s.type.resource === 'namespaces');
  return storages;
}

/** default, kube-system, kube-public and kube-node-lease always exist, as in Kubernetes. */
export async function ensureSystemNamespaces(storages: ResourceStorage[]): Promise<void> {
  const namespaces = storages.find((s) => s.type.resource === 'namespaces')!;
  for (const name of SYSTEM_NAMESPACES) {
    try {
      await namespaces.create(undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    } catch (err) {
      if ((err as { status?: { reason?: string } }).status?.reason !== 'AlreadyExists') throw err;
    }
  }
}
