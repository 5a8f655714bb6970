// The pod's and the container's securityContext as the CRI's LinuxContainerSecurityContext,
// the way the kubelet's determineEffectiveSecurityContext and convertToRuntimeSecurityContext
// do it: container fields override the pod's; fsGroup and the pod's supplementalGroups
// become supplemental groups; allowPrivilegeEscalation: false sets no_new_privs.

import type { Container, Pod } from '../../api/types.js';
import type { LinuxContainerSecurityContext } from '../runtime/runtime.js';

interface PodSecurityContext {
  runAsUser?: number;
  runAsGroup?: number;
  runAsNonRoot?: boolean;
  fsGroup?: number;
  supplementalGroups?: number[];
}

interface SecurityContext {
  runAsUser?: number;
  runAsGroup?: number;
  runAsNonRoot?: boolean;
  privileged?: boolean;
  readOnlyRootFilesystem?: boolean;
  allowPrivilegeEscalation?: boolean;
  capabilities?: { add?: string[]; drop?: string[] };
}

/** undefined when neither the pod nor the container asks for anything. */
export function linuxSecurityContext(pod: Pod, c: Container): LinuxContainerSecurityContext | undefined {
  const ps = (pod.spec['securityContext'] as PodSecurityContext | undefined) ?? {};
  const cs = (c['securityContext'] as SecurityContext | undefined) ?? {};
  const out: LinuxContainerSecurityContext = {};
  const runAsUser = cs.runAsUser ?? ps.runAsUser;
  const runAsGroup = cs.runAsGroup ?? ps.runAsGroup;
  if (runAsUser !== undefined) out.runAsUser = runAsUser;
  if (runAsGroup !== undefined) out.runAsGroup = runAsGroup;
  const groups = [...(ps.supplementalGroups ?? []), ...(ps.fsGroup !== undefined ? [ps.fsGroup] : [])];
  if (groups.length) out.supplementalGroups = [...new Set(groups)];
  if (cs.privileged) out.privileged = true;
  if (cs.readOnlyRootFilesystem) out.readonlyRootfs = true;
  const add = cs.capabilities?.add ?? [];
  const drop = cs.capabilities?.drop ?? [];
  if (add.length || drop.length) {
    out.capabilities = {};
    if (add.length) out.capabilities.addCapabilities = add;
    if (drop.length) out.capabilities.dropCapabilities = drop;
  }
  // A privileged container may escalate by definition; otherwise only an explicit false counts.
  if (cs.allowPrivilegeEscalation === false && !cs.privileged) out.noNewPrivs = true;
  return Object.keys(out).length ? out : undefined;
}

/**
 * runAsNonRoot with a uid that is 0: refused before the container is made, with the
 * kubelet's message. (A container without runAsUser would need the image's user to be
 * checked; Skiff does not inspect images for it, so that case is left to the runtime.)
 */
export function nonRootViolation(pod: Pod, c: Container): string | undefined {
  const ps = (pod.spec['securityContext'] as PodSecurityContext | undefined) ?? {};
  const cs = (c['securityContext'] as SecurityContext | undefined) ?? {};
  const nonRoot = cs.runAsNonRoot ?? ps.runAsNonRoot;
  const uid = cs.runAsUser ?? ps.runAsUser;
  if (nonRoot && uid === 0) return `container's runAsUser breaks non-root policy (pod: "${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})", container: ${c.name})`;
  return undefined;
}
