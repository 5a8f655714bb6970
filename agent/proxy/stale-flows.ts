// Which UDP flows a sync has made stale (kube-proxy's conntrack cleanup), from the service
// ports and endpoints rendered before and after it:
// - an endpoint that served a UDP service port and no longer does: flows DNATed to it, for
//   every destination the port is reached by (cluster IP, external and LoadBalancer IPs,
//   the node port);
// - a UDP service port that had no endpoints and now has some: every flow to it, since
//   packets sent while it was rejected may have left flows that never reach the new rules.

import type { FlowFilter } from './conntrack.js';
import { externalDestinations, type RenderConfig } from './render.js';
import { usableEndpoints, type EndpointInfo, type ServicePortInfo } from './service-info.js';

export interface RenderedPort {
  svc: ServicePortInfo;
  endpoints: readonly EndpointInfo[] | undefined;
}

function destinations(svc: ServicePortInfo, cfg: RenderConfig): string[] {
  return [svc.clusterIP, ...externalDestinations(svc, cfg).map((d) => d.ip)];
}

function servedIPs(port: RenderedPort | undefined): Set<string> {
  return new Set(port ? usableEndpoints(port.endpoints ?? []).map((e) => e.ip) : []);
}

/** Keyed like the proxier's fragments: "ns/name:port/PROTOCOL". */
export function staleFlows(before: ReadonlyMap<string, RenderedPort>, after: ReadonlyMap<string, RenderedPort>, cfg: RenderConfig): FlowFilter[] {
  const out: FlowFilter[] = [];
  const seen = new Set<string>();
  const add = (f: FlowFilter) => {
    const key = JSON.stringify(f);
    if (seen.has(key)) return;
    seen.add(key);
    out.push(f);
  };
  for (const [key, prev] of before) {
    if (prev.svc.protocol !== 'UDP') continue;
    const cur = after.get(key);
    // Unchanged inputs: the proxier reuses the very objects, so nothing can be stale.
    if (cur && cur.svc === prev.svc && cur.endpoints === prev.endpoints) continue;
    const gone = [...servedIPs(prev)].filter((ip) => !servedIPs(cur).has(ip));
    for (const ip of gone) {
      for (const dst of destinations(prev.svc, cfg)) add({ protocol: 'UDP', origDst: dst, dstNat: ip });
      if (prev.svc.nodePort > 0) add({ protocol: 'UDP', origPortDst: prev.svc.nodePort, dstNat: ip });
    }
  }
  for (const [key, cur] of after) {
    if (cur.svc.protocol !== 'UDP' || servedIPs(cur).size === 0) continue;
    const prev = before.get(key);
    if (prev && servedIPs(prev).size > 0) continue;
    for (const dst of destinations(cur.svc, cfg)) add({ protocol: 'UDP', origDst: dst });
    if (cur.svc.nodePort > 0) add({ protocol: 'UDP', origPortDst: cur.svc.nodePort });
  }
  return out;
}
