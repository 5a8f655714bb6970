// Strategies of Services, Endpoints and EndpointSlices. Service defaults follow
// SetDefaults_Service and the service registry's IP-family defaulting on a single-stack
// IPv4 cluster. Cluster IPs and node ports are allocated around this strategy by the
// Service storage in service-allocation/; a given clusterIP ("None": headless) is kept.

import { resources } from '../../../api/resources.js';
import type { EndpointSlice, Endpoints, Service } from '../../../api/service-types.js';
import type { KubeObject } from '../../../api/types.js';
import { validateEndpointSlice, validateEndpoints, validateService, validateServiceUpdate } from '../../../api/validation/service.js';
import { validateObjectMetaUpdate } from '../../../api/validation/object-meta.js';
import { toCauses } from './causes.js';
import { endpointSliceTable, endpointsTable, serviceTable } from './printers/index.js';
import { keepAllButStatus, keepStatus } from './status-strategy.js';
import type { Strategy } from './strategy.js';

export function defaultService(svc: Service): void {
  const spec = (svc.spec ??= {});
  spec.type ??= 'ClusterIP';
  spec.sessionAffinity ??= 'None';
  for (const port of spec.ports ?? []) {
    if (!port || typeof port !== 'object') continue; // left for validation to report
    port.protocol ??= 'TCP';
    if (port.targetPort === undefined || port.targetPort === 0 || port.targetPort === '') port.targetPort = port.port;
  }
  if (spec.type === 'ExternalName') return;
  spec.internalTrafficPolicy ??= 'Cluster';
  if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') spec.externalTrafficPolicy ??= 'Cluster';
  if (spec.type === 'LoadBalancer') spec.allocateLoadBalancerNodePorts ??= true;
  if (spec.sessionAffinity === 'ClientIP') {
    const clientIP = ((spec.sessionAffinityConfig ??= {}).clientIP ??= {});
    clientIP.timeoutSeconds ??= 10800;
  }
  // A headless Service without a selector carries whatever endpoints it is given, of either
  // family, so Kubernetes makes it dual-stack even on a single-stack cluster.
  const selectorless = spec.clusterIP === 'None' && Object.keys(spec.selector ?? {}).length === 0;
  spec.ipFamilyPolicy ??= selectorless ? 'RequireDualStack' : 'SingleStack';
  spec.ipFamilies ??= spec.ipFamilyPolicy === 'RequireDualStack' ? ['IPv4', 'IPv6'] : ['IPv4'];
  if (spec.clusterIP && !spec.clusterIPs) spec.clusterIPs = [spec.clusterIP];
}

export const serviceStrategy: Strategy = {
  type: resources.services,
  defaults: (obj) => defaultService(obj as Service),
  prepareForCreate(obj) {
    obj['status'] = { loadBalancer: {} };
  },
  prepareForUpdate(obj, old) {
    keepStatus(obj, old);
    // An update that leaves out the cluster IP keeps the allocated one, as Kubernetes does.
    const spec = (obj as Service).spec;
    const oldSpec = (old as Service).spec;
    if (spec && oldSpec?.clusterIP && spec.clusterIP === undefined && spec.type !== 'ExternalName') {
      spec.clusterIP = oldSpec.clusterIP;
      if (oldSpec.clusterIPs) spec.clusterIPs = [...oldSpec.clusterIPs];
    }
  },
  prepareForStatusUpdate: keepAllButStatus,
  validate: (obj) => toCauses(validateService(obj as Service)),
  validateUpdate: (obj, old) => toCauses(validateServiceUpdate(obj as Service, old as Service)),
  // kube-proxy lists Services with spec.clusterIP!=None; Kubernetes serves both fields.
  fields: {
    names: ['spec.clusterIP', 'spec.type'],
    getter: (obj) => (field) => {
      const spec = (obj as Service).spec ?? {};
      if (field === 'spec.clusterIP') return spec.clusterIP ?? '';
      if (field === 'spec.type') return spec.type ?? '';
      return undefined;
    },
  },
  table: serviceTable,
};

const metaUpdate = (obj: KubeObject, old: KubeObject) => toCauses(validateObjectMetaUpdate(obj.metadata ?? {}, old.metadata ?? {}));

export const endpointsStrategy: Strategy = {
  type: resources.endpoints,
  defaults(obj) {
    for (const subset of (obj as Endpoints).subsets ?? []) for (const p of subset?.ports ?? []) if (p && typeof p === 'object') p.protocol ??= 'TCP';
  },
  validate: (obj) => toCauses(validateEndpoints(obj as Endpoints)),
  validateUpdate: metaUpdate,
  // Endpoints have no spec: any change of the object is a new generation of nothing.
  specChanged: () => false,
  table: endpointsTable,
};

export const endpointSliceStrategy: Strategy = {
  type: resources.endpointslices,
  defaults(obj) {
    for (const p of (obj as EndpointSlice).ports ?? []) if (p && typeof p === 'object') p.protocol ??= 'TCP';
  },
  validate: (obj) => toCauses(validateEndpointSlice(obj as EndpointSlice)),
  validateUpdate: metaUpdate,
  specChanged: () => false,
  table: endpointSliceTable,
};
