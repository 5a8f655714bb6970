// The CRI mounts and Linux security context of a ContainerConfig in Docker's terms
// (what dockershim's modifyContainerConfig / modifyHostConfig did): bind mounts with
// their propagation, User "uid[:gid]", GroupAdd, Privileged, ReadonlyRootfs,
// CapAdd/CapDrop and the no-new-privileges security option.

import type Dockerode from 'dockerode';
import { RuntimeError } from '../errors.js';
import type { ContainerConfig, MountPropagation } from '../runtime.js';

const PROPAGATION: Record<MountPropagation, 'rprivate' | 'rslave' | 'rshared'> = {
  private: 'rprivate',
  hostToContainer: 'rslave',
  bidirectional: 'rshared',
};

/** Docker's part of a container body that comes from mounts and linux.securityContext. */
export interface DockerSecurity {
  user?: string;
  hostConfig: Pick<Dockerode.HostConfig, 'Mounts' | 'GroupAdd' | 'Privileged' | 'ReadonlyRootfs' | 'CapAdd' | 'CapDrop' | 'SecurityOpt'>;
}

export function dockerSecurity(config: ContainerConfig): DockerSecurity {
  const hostConfig: DockerSecurity['hostConfig'] = {};
  const out: DockerSecurity = { hostConfig };
  if (config.mounts?.length) {
    // Mounts rather than Binds: a missing source is an error instead of a directory
    // Docker quietly creates (the CRI wants the error; the volume manager made the path).
    hostConfig.Mounts = config.mounts.map((m) => ({
      Type: 'bind' as const,
      Source: m.hostPath,
      Target: m.containerPath,
      ReadOnly: m.readonly ?? false,
      BindOptions: { Propagation: PROPAGATION[m.propagation ?? 'private'] },
    }));
  }
  const sc = config.linux?.securityContext;
  if (!sc) return out;
  if (sc.runAsGroup !== undefined && sc.runAsUser === undefined) {
    throw new RuntimeError('CreateFailed', `container ${config.metadata.name}: runAsGroup is only allowed together with runAsUser`);
  }
  if (sc.runAsUser !== undefined) out.user = sc.runAsGroup !== undefined ? `${sc.runAsUser}:${sc.runAsGroup}` : String(sc.runAsUser);
  if (sc.supplementalGroups?.length) hostConfig.GroupAdd = sc.supplementalGroups.map(String);
  if (sc.privileged) hostConfig.Privileged = true;
  if (sc.readonlyRootfs) hostConfig.ReadonlyRootfs = true;
  if (sc.capabilities?.addCapabilities?.length) hostConfig.CapAdd = sc.capabilities.addCapabilities;
  if (sc.capabilities?.dropCapabilities?.length) hostConfig.CapDrop = sc.capabilities.dropCapabilities;
  if (sc.noNewPrivs) hostConfig.SecurityOpt = ['no-new-privileges'];
  return out;
}
