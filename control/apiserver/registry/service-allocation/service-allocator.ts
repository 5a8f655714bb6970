// What a Service holds of the cluster's ranges, and the change of it one write makes: a
// create or update takes its new cluster IP and node ports before the store write (so
// concurrent writes never share one) and gives them back if the write does not happen;
// ports the old object held and the new one does not are released only after the write.

import { errors } from '../../../../api/errors.js';
import type { Service } from '../../../../api/service-types.js';
import type { StatusCause } from '../../../../api/types.js';
import { ClusterIPAllocator } from './ip-allocator.js';
import { NodePortAllocator } from './port-allocator.js';

export interface Holdings {
  clusterIP?: string;
  nodePorts: number[];
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function needsClusterIP(svc: Service): boolean {
  return (svc.spec?.type ?? 'ClusterIP') !== 'ExternalName';
}

function needsNodePorts(svc: Service): boolean {
  const spec = svc.spec ?? {};
  if (spec.type === 'NodePort') return true;
  return spec.type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts !== false;
}

/** The cluster IP and node ports a stored Service holds. */
export function holdingsOf(svc: Service): Holdings {
  const spec = svc.spec ?? {};
  const ip = spec.clusterIP;
  const out: Holdings = { nodePorts: [] };
  if (ip && ip !== 'None' && IPV4.test(ip) && needsClusterIP(svc)) out.clusterIP = ip;
  if (Array.isArray(spec.ports)) for (const p of spec.ports) if (p && typeof p.nodePort === 'number' && p.nodePort > 0) out.nodePorts.push(p.nodePort);
  return out;
}

export interface Allocation {
  /** The write happened: release what the old object held and the new one does not. */
  commit(): void;
  /** The write did not happen: give back what this allocation took. */
  rollback(): void;
}

export class ServiceAllocator {
  readonly ips: ClusterIPAllocator;
  readonly ports: NodePortAllocator;

  constructor(serviceCidr: string, nodePortRange: string) {
    this.ips = new ClusterIPAllocator(serviceCidr);
    this.ports = new NodePortAllocator(nodePortRange);
  }

  /** Marks a stored Service's holdings as used (start-up); returns what could not be. */
  restore(svc: Service): string[] {
    const problems: string[] = [];
    const h = holdingsOf(svc);
    if (h.clusterIP && !this.ips.allocate(h.clusterIP).ok) problems.push(`clusterIP ${h.clusterIP}`);
    for (const p of h.nodePorts) if (!this.ports.allocate(p).ok) problems.push(`nodePort ${p}`);
    return problems;
  }

  /** Releases everything a deleted Service held. */
  release(svc: Service): void {
    const h = holdingsOf(svc);
    if (h.clusterIP) this.ips.release(h.clusterIP);
    for (const p of h.nodePorts) this.ports.release(p);
  }

  /**
   * Fills in and takes the cluster IP and node ports `svc` needs (mutating it), given what
   * `old` held (undefined on create). Throws 422 for a taken or out-of-range request and
   * for a full range (Kubernetes says 500 there; the issue asks for a clear 422), having
   * taken nothing.
   */
  allocate(svc: Service, old: Service | undefined): Allocation {
    const spec = svc.spec;
    const name = svc.metadata.name ?? svc.metadata.generateName ?? '';
    const before = old ? holdingsOf(old) : { nodePorts: [] };
    const takenIPs: string[] = [];
    const takenPorts: number[] = [];
    const rollback = () => {
      for (const ip of takenIPs) this.ips.release(ip);
      for (const p of takenPorts) this.ports.release(p);
    };
    try {
      if (!spec || typeof spec !== 'object') return { commit: () => undefined, rollback };
      // Node ports only belong to NodePort and LoadBalancer Services; a type change away
      // from them drops the ports the user did not touch (Kubernetes' dropTypeDependentFields).
      if (!needsNodePorts(svc) && Array.isArray(spec.ports)) {
        const oldPorts = new Set(before.nodePorts);
        for (const p of spec.ports) if (p && typeof p === 'object' && p.nodePort !== undefined && (oldPorts.has(p.nodePort) || p.nodePort === 0)) delete p.nodePort;
      }
      const external = spec.type === 'NodePort' || spec.type === 'LoadBalancer';
      if (old && !external && spec.externalTrafficPolicy !== undefined && spec.externalTrafficPolicy === old.spec?.externalTrafficPolicy) delete spec.externalTrafficPolicy;
      if (old && spec.type !== 'LoadBalancer' && spec.allocateLoadBalancerNodePorts !== undefined && spec.allocateLoadBalancerNodePorts === old.spec?.allocateLoadBalancerNodePorts) delete spec.allocateLoadBalancerNodePorts;
      if (needsClusterIP(svc)) {
        const ip = spec.clusterIP;
        if (ip === undefined || ip === '') {
          if (before.clusterIP) {
            spec.clusterIP = before.clusterIP;
          } else {
            const next = this.ips.allocateNext();
            // Kubernetes answers a full range with a 500; issue 6 asks for a 422 that says
            // what to do, which is better for the person at the keyboard.
            if (!next) {
              throw invalid(name, { reason: 'FieldValueInvalid', field: 'spec.clusterIPs', message: `Internal error: failed to allocate a serviceIP: range is full (every address of ${this.ips.cidrText} is in use: delete unused Services or start skiff control with a larger --service-cidr)` });
            }
            takenIPs.push(next);
            spec.clusterIP = next;
          }
          spec.clusterIPs = [spec.clusterIP];
        } else if (ip !== 'None' && IPV4.test(ip) && ip !== before.clusterIP) {
          const r = this.ips.allocate(ip);
          if (!r.ok) {
            const message = r.reason === 'allocated' ? 'provided IP is already allocated' : `provided IP is not in the valid range. The range of valid IPs is ${this.ips.cidrText}`;
            throw invalid(name, { reason: 'FieldValueInvalid', field: 'spec.clusterIPs[0]', message: `Invalid value: "${ip}": ${message}` });
          }
          takenIPs.push(ip);
        }
      }
      if (needsNodePorts(svc) && Array.isArray(spec.ports)) {
        const oldPorts = new Set(before.nodePorts);
        const inThisObject = new Set<number>();
        // Requested ports first, so a random pick never takes one asked for further down.
        spec.ports.forEach((p, i) => {
          if (!p || typeof p !== 'object' || typeof p.nodePort !== 'number' || p.nodePort === 0) return;
          const port = p.nodePort;
          const field = `spec.ports[${i}].nodePort`;
          if (inThisObject.has(port)) return; // a duplicate within the object is validation's to report
          inThisObject.add(port);
          if (oldPorts.has(port)) return;
          const r = this.ports.allocate(port);
          if (!r.ok) {
            const message = r.reason === 'allocated' ? 'provided port is already allocated' : `provided port is not in the valid range. The range of valid ports is ${this.ports.rangeText}`;
            throw invalid(name, { reason: 'FieldValueInvalid', field, message: `Invalid value: ${port}: ${message}` });
          }
          takenPorts.push(port);
        });
        const oldByPort = new Map<string, number>();
        for (const p of old?.spec?.ports ?? []) if (p?.nodePort) oldByPort.set(`${p.protocol ?? 'TCP'}/${p.port}`, p.nodePort);
        for (const p of spec.ports) {
          if (!p || typeof p !== 'object' || (p.nodePort !== undefined && p.nodePort !== 0)) continue;
          // An update that leaves a port's nodePort out keeps the one it had.
          const kept = oldByPort.get(`${p.protocol ?? 'TCP'}/${p.port}`);
          if (kept !== undefined && !inThisObject.has(kept)) {
            p.nodePort = kept;
            inThisObject.add(kept);
            continue;
          }
          const next = this.ports.allocateNext();
          if (next === undefined) {
            throw invalid(name, { reason: 'FieldValueInvalid', field: `spec.ports[${spec.ports.indexOf(p)}].nodePort`, message: `Internal error: failed to allocate a nodePort: range is full (every port of ${this.ports.rangeText} is in use: delete unused NodePort Services or widen --service-node-port-range)` });
          }
          takenPorts.push(next);
          inThisObject.add(next);
          p.nodePort = next;
        }
      }
    } catch (err) {
      rollback();
      throw err;
    }
    return {
      rollback,
      commit: () => {
        const after = holdingsOf(svc);
        if (before.clusterIP && before.clusterIP !== after.clusterIP) this.ips.release(before.clusterIP);
        const keep = new Set(after.nodePorts);
        for (const p of before.nodePorts) if (!keep.has(p)) this.ports.release(p);
      },
    };
  }
}

function invalid(name: string, cause: StatusCause) {
  return errors.invalid('Service', name, [cause]);
}
