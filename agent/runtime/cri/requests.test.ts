import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LABEL_NODE_NAME, type ContainerConfig, type PodSandboxConfig } from '../runtime.js';
import { LABEL_IMAGE, LABEL_LOG_LINK, LABEL_SANDBOX_ID, withoutOwnLabels } from './convert.js';
import { containerLogPath, criContainerConfig, criSandboxConfig, sandboxLogDirectory } from './requests.js';

const sandbox: PodSandboxConfig = {
  metadata: { name: 'web', namespace: 'prod', uid: 'u-1', attempt: 2 },
  hostname: 'web',
  portMappings: [
    { protocol: 'TCP', containerPort: 80, hostPort: 8080, hostIp: '127.0.0.1' },
    { protocol: 'UDP', containerPort: 53, hostPort: 0 },
  ],
  labels: { app: 'web' },
  annotations: { note: 'x' },
};

const container: ContainerConfig = {
  metadata: { name: 'main', attempt: 3 },
  image: 'busybox:1',
  args: ['sleep', '1'],
  envs: [{ key: 'A', value: 'b' }],
  labels: { tier: 'front' },
  annotations: { n: '1' },
  resources: { cpuShares: 512, cpuQuota: 50_000, cpuPeriod: 100_000, memoryLimitInBytes: 1 << 26 },
  logPath: '/var/log/pods/x/main/3.log',
  mounts: [{ containerPath: '/data', hostPath: '/srv/data', readonly: true, propagation: 'hostToContainer' }],
  linux: { securityContext: { runAsUser: 1000, runAsGroup: 2000, supplementalGroups: [3000], readonlyRootfs: true, noNewPrivs: true, capabilities: { addCapabilities: ['NET_ADMIN'], dropCapabilities: ['ALL'] } } },
};

test('a sandbox request: log directory per pod, only hostPort mappings, the node label added', () => {
  assert.equal(sandboxLogDirectory('/logs', sandbox.metadata), '/logs/prod_web_u-1');
  assert.deepEqual(criSandboxConfig(sandbox, 'node-a', '/logs'), {
    metadata: sandbox.metadata,
    hostname: 'web',
    log_directory: '/logs/prod_web_u-1',
    port_mappings: [{ protocol: 'TCP', container_port: 80, host_port: 8080, host_ip: '127.0.0.1' }],
    labels: { app: 'web', [LABEL_NODE_NAME]: 'node-a' },
    annotations: { note: 'x' },
    linux: { security_context: { namespace_options: { network: 'POD', pid: 'CONTAINER', ipc: 'POD' }, privileged: false } },
  });
  // containerd refuses a privileged container in a sandbox that is not privileged itself.
  const privileged = criSandboxConfig({ ...sandbox, privileged: true }, 'node-a', '/logs') as { linux: { security_context: { privileged: boolean } } };
  assert.equal(privileged.linux.security_context.privileged, true);
});

test('a container request: CRI names for every field, own labels that convert strips again', () => {
  const c = criContainerConfig('sb-1', container, 'node-a') as Record<string, unknown>;
  assert.equal(containerLogPath(container.metadata), 'main/3.log');
  assert.deepEqual(c, {
    metadata: { name: 'main', attempt: 3 },
    image: { image: 'busybox:1' },
    command: [],
    args: ['sleep', '1'],
    working_dir: '',
    envs: [{ key: 'A', value: 'b' }],
    mounts: [{ container_path: '/data', host_path: '/srv/data', readonly: true, propagation: 'PROPAGATION_HOST_TO_CONTAINER' }],
    labels: { tier: 'front', [LABEL_NODE_NAME]: 'node-a', [LABEL_IMAGE]: 'busybox:1', [LABEL_SANDBOX_ID]: 'sb-1', [LABEL_LOG_LINK]: '/var/log/pods/x/main/3.log' },
    annotations: { n: '1' },
    log_path: 'main/3.log',
    linux: {
      resources: { cpu_shares: 512, cpu_period: 100_000, cpu_quota: 50_000, memory_limit_in_bytes: 1 << 26, memory_swap_limit_in_bytes: 1 << 26 },
      security_context: {
        namespace_options: { network: 'POD', pid: 'CONTAINER', ipc: 'POD' },
        run_as_user: { value: 1000 },
        run_as_group: { value: 2000 },
        supplemental_groups: [3000],
        readonly_rootfs: true,
        no_new_privs: true,
        capabilities: { add_capabilities: ['NET_ADMIN'], drop_capabilities: ['ALL'] },
      },
    },
  });
  assert.deepEqual(withoutOwnLabels(c['labels'] as Record<string, string>), { tier: 'front' });
});

test('runAsGroup without runAsUser is refused, as the CRI says', () => {
  assert.throws(() => criContainerConfig('sb', { ...container, linux: { securityContext: { runAsGroup: 5 } } }, 'n'), /runAsGroup is only allowed together with runAsUser/);
});
