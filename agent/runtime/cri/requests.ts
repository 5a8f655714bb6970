// The runtime interface's configs → CRI requests. Ownership travels as labels: the node's
// name on everything (list filters and every by-id call check it), and on containers the
// image as asked for and the sandbox id (see convert.ts).

import { RuntimeError } from '../errors.js';
import { LABEL_NODE_NAME, type ContainerConfig, type MountPropagation, type PodSandboxConfig } from '../runtime.js';
import { LABEL_IMAGE, LABEL_LOG_LINK, LABEL_SANDBOX_ID } from './convert.js';

/** Where containerd writes a sandbox's container logs (CRI log_directory), per pod. */
export function sandboxLogDirectory(logRoot: string, meta: PodSandboxConfig['metadata']): string {
  return `${logRoot}/${meta.namespace}_${meta.name}_${meta.uid}`;
}

/** CRI log_path, relative to the sandbox's log directory, as the kubelet lays it out. */
export function containerLogPath(meta: ContainerConfig['metadata']): string {
  return `${meta.name}/${meta.attempt}.log`;
}

export function criSandboxConfig(config: PodSandboxConfig, nodeName: string, logRoot: string): object {
  return {
    metadata: { ...config.metadata },
    hostname: config.hostname,
    ...(config.dnsConfig ? { dns_config: { servers: config.dnsConfig.servers, searches: config.dnsConfig.searches, options: config.dnsConfig.options } } : {}),
    log_directory: sandboxLogDirectory(logRoot, config.metadata),
    port_mappings: config.portMappings
      .filter((m) => m.hostPort > 0)
      .map((m) => ({ protocol: m.protocol, container_port: m.containerPort, host_port: m.hostPort, host_ip: m.hostIp ?? '' })),
    labels: { ...config.labels, [LABEL_NODE_NAME]: nodeName },
    annotations: { ...config.annotations },
    linux: {
      // Each container gets its own PID namespace, as Kubernetes pods have by default.
      security_context: { namespace_options: { network: config.hostNetwork ? 'NODE' : 'POD', pid: 'CONTAINER', ipc: 'POD' }, privileged: config.privileged === true },
    },
  };
}

const PROPAGATION: Record<MountPropagation, string> = {
  private: 'PROPAGATION_PRIVATE',
  hostToContainer: 'PROPAGATION_HOST_TO_CONTAINER',
  bidirectional: 'PROPAGATION_BIDIRECTIONAL',
};

/** CRI LinuxContainerSecurityContext; capability names go as given (no CAP_ prefix, as the CRI wants). */
export function criSecurityContext(config: ContainerConfig, hostNetwork = false): Record<string, unknown> {
  // Each container gets its own PID namespace, as Kubernetes pods have by default.
  const out: Record<string, unknown> = { namespace_options: { network: hostNetwork ? 'NODE' : 'POD', pid: 'CONTAINER', ipc: 'POD' } };
  const sc = config.linux?.securityContext;
  if (!sc) return out;
  if (sc.runAsGroup !== undefined && sc.runAsUser === undefined) {
    throw new RuntimeError('CreateFailed', `container ${config.metadata.name}: runAsGroup is only allowed together with runAsUser`);
  }
  if (sc.runAsUser !== undefined) out['run_as_user'] = { value: sc.runAsUser };
  if (sc.runAsGroup !== undefined) out['run_as_group'] = { value: sc.runAsGroup };
  if (sc.supplementalGroups?.length) out['supplemental_groups'] = sc.supplementalGroups;
  if (sc.privileged) out['privileged'] = true;
  if (sc.readonlyRootfs) out['readonly_rootfs'] = true;
  if (sc.noNewPrivs) out['no_new_privs'] = true;
  if (sc.capabilities) {
    out['capabilities'] = { add_capabilities: sc.capabilities.addCapabilities ?? [], drop_capabilities: sc.capabilities.dropCapabilities ?? [] };
  }
  return out;
}

export function criMounts(config: ContainerConfig): object[] {
  return (config.mounts ?? []).map((m) => ({
    container_path: m.containerPath,
    host_path: m.hostPath,
    readonly: m.readonly ?? false,
    propagation: PROPAGATION[m.propagation ?? 'private'],
  }));
}

export function criContainerConfig(podSandboxId: string, config: ContainerConfig, nodeName: string, hostNetwork = false): object {
  const r = config.resources;
  const resources: Record<string, number> = {};
  if (r.cpuShares !== undefined) resources['cpu_shares'] = r.cpuShares;
  if (r.cpuPeriod !== undefined) resources['cpu_period'] = r.cpuPeriod;
  if (r.cpuQuota !== undefined) resources['cpu_quota'] = r.cpuQuota;
  if (r.memoryLimitInBytes !== undefined && r.memoryLimitInBytes > 0) {
    resources['memory_limit_in_bytes'] = r.memoryLimitInBytes;
    // No swap on top of the limit, as Kubernetes means it: going over is an OOM kill.
    resources['memory_swap_limit_in_bytes'] = r.memoryLimitInBytes;
  }
  return {
    metadata: { ...config.metadata },
    image: { image: config.image },
    command: config.command ?? [],
    args: config.args ?? [],
    working_dir: config.workingDir ?? '',
    envs: config.envs.map((e) => ({ key: e.key, value: e.value })),
    mounts: criMounts(config),
    labels: {
      ...config.labels,
      [LABEL_NODE_NAME]: nodeName,
      [LABEL_IMAGE]: config.image,
      [LABEL_SANDBOX_ID]: podSandboxId,
      ...(config.logPath ? { [LABEL_LOG_LINK]: config.logPath } : {}),
    },
    annotations: { ...config.annotations },
    log_path: containerLogPath(config.metadata),
    linux: { resources, security_context: criSecurityContext(config, hostNetwork) },
  };
}
