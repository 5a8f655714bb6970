// What the proxy needs of Services and EndpointSlices, flattened per service port
// (kube-proxy's ServicePort and Endpoint): "ns/name:port" → VIP, ports, affinity, and the
// endpoints serving it. Headless and ExternalName Services have nothing to proxy.

import type { EndpointSlice, Service } from '../../api/service-types.js';

export type Protocol = 'TCP' | 'UDP' | 'SCTP';

export interface ServicePortInfo {
  /** "namespace/name:portName" (portName may be empty): kube-proxy's ServicePortName. */
  name: string;
  namespace: string;
  serviceName: string;
  portName: string;
  protocol: Protocol;
  clusterIP: string;
  port: number;
  /** 0 when the Service has none. */
  nodePort: number;
  type: 'ClusterIP' | 'NodePort' | 'LoadBalancer';
  externalIPs: string[];
  /** status.loadBalancer.ingress IPs; the proxy adds the node's IPs for LoadBalancer Services. */
  loadBalancerIPs: string[];
  /** ClientIP affinity timeout in seconds, 0 without affinity. */
  affinitySeconds: number;
  /** externalTrafficPolicy: Local (node ports and LB IPs only reach this node's endpoints). */
  externalLocal: boolean;
}

export interface EndpointInfo {
  ip: string;
  port: number;
  ready: boolean;
  serving: boolean;
  terminating: boolean;
  /** On this node. */
  local: boolean;
}

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
const DEFAULT_AFFINITY_SECONDS = 10800;

function protocolOf(p: string | undefined): Protocol | undefined {
  const v = p ?? 'TCP';
  return v === 'TCP' || v === 'UDP' || v === 'SCTP' ? v : undefined;
}

const IPV4 = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

/** The proxied ports of a Service; empty for headless, ExternalName and IPv6-only ones. */
export function servicePorts(svc: Service): ServicePortInfo[] {
  const spec = svc.spec;
  const clusterIP = spec.clusterIP ?? '';
  if (!IPV4.test(clusterIP)) return [];
  const type: ServicePortInfo['type'] | undefined =
    spec.type === 'NodePort' ? 'NodePort' : spec.type === 'LoadBalancer' ? 'LoadBalancer' : spec.type === 'ClusterIP' || spec.type === undefined ? 'ClusterIP' : undefined;
  if (!type) return [];
  const namespace = svc.metadata.namespace ?? 'default';
  const serviceName = svc.metadata.name ?? '';
  const affinitySeconds = spec.sessionAffinity === 'ClientIP' ? (spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_AFFINITY_SECONDS) : 0;
  const loadBalancerIPs = type === 'LoadBalancer' ? (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? '').filter((ip) => IPV4.test(ip)) : [];
  const out: ServicePortInfo[] = [];
  for (const p of spec.ports ?? []) {
    const protocol = protocolOf(p.protocol);
    if (!protocol) continue;
    const portName = p.name ?? '';
    out.push({
      name: `${namespace}/${serviceName}:${portName}`,
      namespace,
      serviceName,
      portName,
      protocol,
      clusterIP,
      port: p.port,
      nodePort: type === 'ClusterIP' ? 0 : (p.nodePort ?? 0),
      type,
      externalIPs: (spec.externalIPs ?? []).filter((ip) => IPV4.test(ip)),
      loadBalancerIPs,
      affinitySeconds,
      externalLocal: type !== 'ClusterIP' && spec.externalTrafficPolicy === 'Local',
    });
  }
  return out;
}

/**
 * Endpoints per service port name from all slices of the Services, deduplicated by ip:port
 * (an address can sit in two slices while the controller moves it).
 */
export function endpointsByServicePort(slices: Iterable<EndpointSlice>, nodeName: string): Map<string, EndpointInfo[]> {
  const out = new Map<string, Map<string, EndpointInfo>>();
  for (const slice of slices) {
    if (slice.addressType !== 'IPv4') continue;
    const serviceName = slice.metadata.labels?.[SERVICE_NAME_LABEL];
    if (!serviceName) continue;
    const namespace = slice.metadata.namespace ?? 'default';
    for (const port of slice.ports ?? []) {
      if (port.port === undefined) continue;
      const name = `${namespace}/${serviceName}:${port.name ?? ''}`;
      let eps = out.get(name);
      if (!eps) out.set(name, (eps = new Map()));
      for (const ep of slice.endpoints ?? []) {
        const ip = ep.addresses[0];
        if (!ip || !IPV4.test(ip)) continue;
        const c = ep.conditions ?? {};
        // Kubernetes: a nil ready means ready; serving defaults to ready.
        const ready = c.ready !== false;
        const info: EndpointInfo = { ip, port: port.port, ready, serving: c.serving ?? ready, terminating: c.terminating === true, local: ep.nodeName === nodeName };
        const key = `${ip}:${port.port}`;
        const seen = eps.get(key);
        // The same address in two slices: the ready copy wins.
        if (!seen || (!seen.ready && info.ready)) eps.set(key, info);
      }
    }
  }
  const result = new Map<string, EndpointInfo[]>();
  for (const [name, eps] of out) result.set(name, [...eps.values()].sort(compareEndpoints));
  return result;
}

function ipKey(ip: string): number {
  return ip.split('.').reduce((n, p) => n * 256 + Number(p), 0);
}

/** Stable order, so an unchanged set renders the same text. */
function compareEndpoints(a: EndpointInfo, b: EndpointInfo): number {
  return ipKey(a.ip) - ipKey(b.ip) || a.port - b.port;
}

/**
 * The endpoints traffic goes to: the ready ones; if none is ready, the serving terminating
 * ones (kube-proxy's fallback, so connections drain during a rollout).
 */
export function usableEndpoints(eps: readonly EndpointInfo[]): EndpointInfo[] {
  const ready = eps.filter((e) => e.ready);
  if (ready.length > 0) return ready;
  return eps.filter((e) => e.serving && e.terminating);
}
