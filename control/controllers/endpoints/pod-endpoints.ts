// What both endpoint controllers derive from a Service and its pods: which pods back it,
// whether each is ready, and the ports each one serves (a named targetPort is resolved per
// pod, so pods of one Service may serve it on different ports).

import { matcherFromSet } from '../../../api/labels.js';
import type { EndpointPort, Service } from '../../../api/service-types.js';
import type { Pod } from '../../../api/types.js';

export interface PodEndpoint {
  pod: Pod;
  ip: string;
  /** Ready by its Ready condition (or by publishNotReadyAddresses). */
  ready: boolean;
  /** Ready by its Ready condition, whatever the Service says. */
  serving: boolean;
  terminating: boolean;
  ports: EndpointPort[];
}

/** True when the Service's endpoints are managed by the controllers (it has a selector). */
export function hasSelector(svc: Service): boolean {
  return Object.keys(svc.spec?.selector ?? {}).length > 0 && svc.spec?.type !== 'ExternalName';
}

export function selects(svc: Service, pod: Pod): boolean {
  if (!hasSelector(svc) || pod.metadata.namespace !== svc.metadata.namespace) return false;
  return matcherFromSet(svc.spec.selector ?? undefined).matches(pod.metadata.labels ?? {});
}

function podReady(pod: Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** The ports this pod serves the Service on; a named targetPort the pod lacks is left out. */
export function resolvePorts(svc: Service, pod: Pod): EndpointPort[] {
  const out: EndpointPort[] = [];
  for (const sp of svc.spec?.ports ?? []) {
    const target = sp.targetPort ?? sp.port;
    let port: number | undefined;
    if (typeof target === 'number') port = target;
    else if (/^\d+$/.test(target)) port = Number(target);
    else {
      const protocol = sp.protocol ?? 'TCP';
      for (const c of pod.spec?.containers ?? []) {
        const cp = c.ports?.find((p) => p.name === target && (p.protocol ?? 'TCP') === protocol);
        if (cp) {
          port = cp.containerPort;
          break;
        }
      }
    }
    if (port === undefined) continue;
    const ep: EndpointPort = { port, protocol: sp.protocol ?? 'TCP' };
    if (sp.name) ep.name = sp.name;
    if (sp.appProtocol) ep.appProtocol = sp.appProtocol;
    out.push(ep);
  }
  return out;
}

/**
 * The pods behind a Service, sorted by IP. Pods without an IP and finished pods are left
 * out; terminating pods are kept with `terminating` set (EndpointSlices list them, the
 * Endpoints controller leaves them out).
 */
export function podEndpoints(svc: Service, pods: Iterable<Pod>): PodEndpoint[] {
  const out: PodEndpoint[] = [];
  const publishNotReady = svc.spec?.publishNotReadyAddresses === true;
  for (const pod of pods) {
    if (!selects(svc, pod)) continue;
    const ip = pod.status?.podIP;
    if (!ip) continue;
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') continue;
    const serving = podReady(pod);
    const terminating = !!pod.metadata.deletionTimestamp;
    out.push({ pod, ip, serving, terminating, ready: (publishNotReady || serving) && !terminating, ports: resolvePorts(svc, pod) });
  }
  return out.sort((a, b) => compareIPs(a.ip, b.ip) || (a.pod.metadata.name ?? '').localeCompare(b.pod.metadata.name ?? ''));
}

function compareIPs(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 4; i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return a.localeCompare(b);
}

export function portsKey(ports: readonly EndpointPort[]): string {
  return JSON.stringify(ports.map((p) => [p.name ?? '', p.port, p.protocol ?? 'TCP', p.appProtocol ?? '']));
}

export function targetRef(pod: Pod) {
  return { kind: 'Pod', namespace: pod.metadata.namespace!, name: pod.metadata.name!, uid: pod.metadata.uid! };
}
