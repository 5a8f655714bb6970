// Small Services and endpoints the renderer's and planner's unit tests share.

import type { EndpointInfo, ServicePortInfo } from './service-info.js';
import type { RenderConfig } from './render.js';

export const CONFIG: RenderConfig = { serviceCIDR: '198.18.0.0/24', podCIDR: '10.42.0.0/24', nodeIPs: ['192.0.2.10'] };

export function svcPort(over: Partial<ServicePortInfo> & Pick<ServicePortInfo, 'serviceName'>): ServicePortInfo {
  const namespace = over.namespace ?? 'default';
  const portName = over.portName ?? 'http';
  return {
    name: `${namespace}/${over.serviceName}:${portName}`,
    namespace,
    portName,
    protocol: 'TCP',
    clusterIP: '198.18.0.10',
    port: 80,
    nodePort: 0,
    type: 'ClusterIP',
    externalIPs: [],
    loadBalancerIPs: [],
    affinitySeconds: 0,
    externalLocal: false,
    ...over,
  };
}

export function ep(ip: string, over: Partial<EndpointInfo> = {}): EndpointInfo {
  return { ip, port: 8080, ready: true, serving: true, terminating: false, local: true, ...over };
}
