// Pure parts of the DaemonSet controller: which nodes a DaemonSet's pod belongs on
// (Kubernetes' NodeShouldRunDaemonPod), the tolerations every daemon pod gets, and the pod
// made for one node. Daemon pods are placed by the default scheduler, as Kubernetes does
// since ScheduleDaemonSetPods: the controller pins each pod to its node with a required
// node affinity on metadata.name, so resource fit and the scheduler's taint checks still
// apply, and the pod shows up Pending with a reason when it cannot fit.

import type { Node, OwnerReference, Pod, Taint } from '../../../api/types.js';
import type { DaemonSet } from '../../../api/workload-types.js';
import { compileNodeAffinity } from '../../scheduler/algorithm/node-affinity.js';
import { TAINT_NODE_NOT_READY, TAINT_NODE_UNREACHABLE, TAINT_NODE_UNSCHEDULABLE, tolerationsTolerateTaint } from '../../scheduler/algorithm/taints.js';
import type { Affinity, Toleration } from '../../scheduler/algorithm/types.js';

export const CONTROLLER_REVISION_HASH = 'controller-revision-hash';

/**
 * The tolerations Kubernetes' DaemonSet controller adds to every daemon pod: daemons stay
 * on not-ready and unreachable nodes (no tolerationSeconds, so never evicted for it), run
 * under resource pressure and on cordoned nodes, and host-network daemons run before the
 * network is up (they are often what brings it up).
 */
export function defaultDaemonTolerations(hostNetwork: boolean): Toleration[] {
  const t: Toleration[] = [
    { key: TAINT_NODE_NOT_READY, operator: 'Exists', effect: 'NoExecute' },
    { key: TAINT_NODE_UNREACHABLE, operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: TAINT_NODE_UNSCHEDULABLE, operator: 'Exists', effect: 'NoSchedule' },
  ];
  if (hostNetwork) t.push({ key: 'node.kubernetes.io/network-unavailable', operator: 'Exists', effect: 'NoSchedule' });
  return t;
}

/** The template's tolerations plus the defaults it does not already carry (same key and effect). */
export function withDaemonTolerations(existing: readonly Toleration[], hostNetwork: boolean): Toleration[] {
  const out = [...existing];
  for (const d of defaultDaemonTolerations(hostNetwork)) {
    if (!out.some((t) => t.key === d.key && (t.effect ?? '') === d.effect)) out.push(d);
  }
  return out;
}

/** Kubernetes' ReplaceDaemonSetPodNodeNameNodeAffinity: the pod may go to this node only. */
export function pinToNode(affinity: Affinity | undefined, nodeName: string): Affinity {
  const a: Affinity = structuredClone(affinity ?? {});
  const nodeAffinity = (a.nodeAffinity ??= {});
  nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution = {
    nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [nodeName] }] }],
  };
  return a;
}

/** The node a daemon pod is for: where it is bound, else the node its affinity pins it to. */
export function daemonPodNode(pod: Pod): string | undefined {
  if (pod.spec.nodeName) return pod.spec.nodeName;
  const terms = (pod.spec['affinity'] as Affinity | undefined)?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  for (const term of terms) {
    for (const f of term.matchFields ?? []) {
      if (f.key === 'metadata.name' && f.operator === 'In' && f.values?.length === 1) return f.values[0];
    }
  }
  return undefined;
}

export interface Placement {
  /** A daemon pod should be created here if there is none. */
  shouldRun: boolean;
  /** A daemon pod already here may stay (false: it is misscheduled and goes). */
  shouldContinueRunning: boolean;
}

/**
 * NodeShouldRunDaemonPod: the template's nodeName, nodeSelector and required node affinity
 * must match; an untolerated NoSchedule or NoExecute taint keeps new pods off, and only an
 * untolerated NoExecute one evicts pods already there.
 */
export function nodeShouldRunDaemonPod(node: Node, ds: DaemonSet): Placement {
  const spec = ds.spec.template.spec;
  const name = node.metadata.name!;
  const no: Placement = { shouldRun: false, shouldContinueRunning: false };
  if (spec.nodeName && spec.nodeName !== name) return no;
  const matcher = compileNodeAffinity({ metadata: {}, spec } as Pod);
  if (matcher && !matcher({ name, labels: node.metadata.labels ?? {} })) return no;
  const tolerations = withDaemonTolerations((spec['tolerations'] as Toleration[] | undefined) ?? [], spec['hostNetwork'] === true);
  const untolerated = (effect: Taint['effect']) => (node.spec?.taints ?? []).some((t) => t.effect === effect && !tolerationsTolerateTaint(tolerations, t));
  if (untolerated('NoExecute')) return no;
  if (untolerated('NoSchedule')) return { shouldRun: false, shouldContinueRunning: true };
  return { shouldRun: true, shouldContinueRunning: true };
}

export function daemonSetOwnerRef(ds: DaemonSet): OwnerReference {
  return { apiVersion: 'apps/v1', kind: 'DaemonSet', name: ds.metadata.name!, uid: ds.metadata.uid!, controller: true, blockOwnerDeletion: true };
}

/** The pod for one node, made from the template at revision `hash`. */
export function newDaemonPod(ds: DaemonSet, nodeName: string, hash: string): Pod {
  const template = structuredClone(ds.spec.template);
  const meta = template.metadata ?? {};
  const spec = template.spec;
  spec['affinity'] = pinToNode(spec['affinity'] as Affinity | undefined, nodeName);
  spec['tolerations'] = withDaemonTolerations((spec['tolerations'] as Toleration[] | undefined) ?? [], spec['hostNetwork'] === true);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `${ds.metadata.name}-`,
      namespace: ds.metadata.namespace!,
      labels: { ...(meta.labels ?? {}), [CONTROLLER_REVISION_HASH]: hash },
      ...(meta.annotations ? { annotations: meta.annotations } : {}),
      ...(meta.finalizers ? { finalizers: meta.finalizers } : {}),
      ownerReferences: [daemonSetOwnerRef(ds)],
    },
    spec,
  };
}
