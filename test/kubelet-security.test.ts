// securityContext against real Docker and kubectl: the process identity (runAsUser,
// runAsGroup, supplementalGroups, fsGroup, container over pod), readOnlyRootFilesystem,
// capabilities add/drop, allowPrivilegeEscalation, unprivileged unless asked, privileged
// when asked, runAsNonRoot
// with uid 0, and the QoS class in status.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { ensureTestImages } from './fixtures/images.js';
import { startCluster, type TestCluster } from './lib/cluster.js';
import { sleepForever } from './lib/manifests.js';
import { podYaml } from './kubelet-support.js';

/** Bit n of CapEff in /proc/self/status, as a shell expression. */
const capBit = (bit: number) => `$(( (0x$(grep CapEff /proc/self/status | cut -f2) >> ${bit}) & 1 ))`;
const CAP_NET_ADMIN = 12;
const CAP_NET_RAW = 13;
const CAP_SYS_ADMIN = 21;

describe('kubelet securityContext', () => {
  let cluster: TestCluster;
  let busybox: string;

  before(async () => {
    busybox = (await ensureTestImages()).busybox;
    cluster = await startCluster({ agents: 1 });
  });
  after(async () => {
    await cluster?.stop();
  });

  const apply = (yaml: string) => cluster.kubectlOk(['apply', '-f', '-'], { input: yaml });
  const running = (name: string) =>
    cluster.waitForPod(name, 'Running', (p) => p.status?.phase === 'Running' && (p.status.containerStatuses ?? []).every((c) => !!c.state.running), 60_000);
  async function exec(pod: string, container: string, script: string): Promise<string> {
    const r = await cluster.kubectl(['exec', pod, '-c', container, '--', 'sh', '-c', script]);
    if (r.code !== 0) throw new Error(`exec in ${pod}/${container} exited ${r.code}: ${r.stderr || r.stdout}`);
    return r.stdout.trim();
  }
  const execCode = async (pod: string, container: string, script: string) => (await cluster.kubectl(['exec', pod, '-c', container, '--', 'sh', '-c', script])).code;

  test('runAsUser, runAsGroup, supplementalGroups and fsGroup; the container overrides the pod', async () => {
    await cluster.kubectlOk(['create', 'secret', 'generic', 'owned', '--from-literal=key=value']);
    await apply(
      podYaml('identity', {
        securityContext: { runAsUser: 1000, runAsGroup: 3000, supplementalGroups: [4000], fsGroup: 2000 },
        volumes: [
          { name: 'work', emptyDir: {} },
          { name: 'secret', secret: { secretName: 'owned', defaultMode: 0o400 } },
        ],
        containers: [
          {
            name: 'pod-level',
            image: busybox,
            command: sleepForever,
            volumeMounts: [
              { name: 'work', mountPath: '/work' },
              { name: 'secret', mountPath: '/secret' },
            ],
          },
          { name: 'own', image: busybox, command: sleepForever, securityContext: { runAsUser: 1500, runAsGroup: 1600 } },
        ],
      }),
    );
    await running('identity');
    assert.equal(await exec('identity', 'pod-level', 'id -u; id -g'), '1000\n3000');
    const groups = (await exec('identity', 'pod-level', 'id -G')).split(/\s+/);
    assert.ok(groups.includes('4000') && groups.includes('2000'), `groups ${groups.join(' ')} lack supplementalGroups or fsGroup`);
    assert.equal(await exec('identity', 'own', 'id -u; id -g'), '1500\n1600');
    // fsGroup owns the emptyDir, and what is written there inherits the group (setgid).
    assert.equal(await exec('identity', 'pod-level', 'touch /work/f && stat -c %g /work /work/f'), '2000\n2000');
    // A 0400 secret file becomes the fsGroup's to read (0440), so uid 1000 can read it.
    assert.equal(await exec('identity', 'pod-level', 'stat -L -c "%a %g" /secret/key; cat /secret/key'), '440 2000\nvalue');
    // kubectl exec runs as the container's user too.
    assert.notEqual(await execCode('identity', 'pod-level', 'touch /root-owned-file'), 0, 'uid 1000 wrote to /');
  });

  test('readOnlyRootFilesystem refuses writes; volumes stay writable', async () => {
    await apply(
      podYaml('ro-root', {
        volumes: [{ name: 'tmp', emptyDir: {} }],
        containers: [{ name: 'main', image: busybox, command: sleepForever, securityContext: { readOnlyRootFilesystem: true }, volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }] }],
      }),
    );
    await running('ro-root');
    const r = await cluster.kubectl(['exec', 'ro-root', '-c', 'main', '--', 'sh', '-c', 'touch /refused']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Read-only file system/);
    assert.equal(await exec('ro-root', 'main', 'echo ok > /tmp/ok && cat /tmp/ok'), 'ok');
  });

  test('capabilities: dropped ones are gone, added ones are there; nothing privileged unless asked', async () => {
    await apply(
      podYaml('caps', {
        containers: [
          { name: 'dropped', image: busybox, command: sleepForever, securityContext: { capabilities: { drop: ['CHOWN', 'NET_RAW'], add: ['NET_ADMIN'] } } },
          { name: 'default', image: busybox, command: sleepForever },
        ],
      }),
    );
    await running('caps');
    const r = await cluster.kubectl(['exec', 'caps', '-c', 'dropped', '--', 'sh', '-c', 'touch /tmp/f && chown 1:1 /tmp/f']);
    assert.notEqual(r.code, 0, 'chown worked with CHOWN dropped');
    assert.match(r.stderr, /Operation not permitted/);
    assert.equal(await exec('caps', 'dropped', `echo ${capBit(CAP_NET_RAW)} ${capBit(CAP_NET_ADMIN)}`), '0 1');
    assert.equal(await exec('caps', 'default', `touch /tmp/f && chown 1:1 /tmp/f && echo ${capBit(CAP_NET_RAW)} ${capBit(CAP_NET_ADMIN)} ${capBit(CAP_SYS_ADMIN)}`), '1 0 0');
  });

  test('privileged: true reaches the runtime (every capability the host has, its devices), or the host says why not', async () => {
    await apply(podYaml('priv', { containers: [{ name: 'main', image: busybox, command: sleepForever, securityContext: { privileged: true } }] }));
    // containerd gives a privileged container the capabilities its own process has; Docker
    // asks for every capability the kernel knows, which a host with a reduced bounding set
    // (this CI host lacks CAP_SYS_RESOURCE) refuses. Either outcome shows the request got
    // through: an unprivileged container would start with the default set.
    const p = await cluster.waitForPod('priv', 'running or refused', (p) => {
      const s = p.status?.containerStatuses?.[0]?.state;
      return Boolean(s?.running) || /caps|operation not permitted/i.test(s?.waiting?.message ?? '');
    }, 60_000);
    if (p.status?.containerStatuses?.[0]?.state.running) {
      const hostBounding = /CapBnd:\s*([0-9a-f]+)/.exec(readFileSync('/proc/self/status', 'utf8'))![1]!;
      assert.equal(BigInt(`0x${await exec('priv', 'main', 'grep CapEff /proc/self/status | cut -f2')}`), BigInt(`0x${hostBounding}`), "every capability of the host's bounding set");
      assert.ok(Number(await exec('priv', 'main', 'ls /dev | wc -l')) > 20, 'the host devices are there');
    } else {
      assert.equal(p.status?.containerStatuses?.[0]?.state.waiting?.reason, 'CreateContainerError');
      const lastCap = Number(readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8'));
      const hostBounding = BigInt(`0x${/CapBnd:\s*([0-9a-f]+)/.exec(readFileSync('/proc/self/status', 'utf8'))![1]}`);
      assert.notEqual(hostBounding, (1n << BigInt(lastCap + 1)) - 1n, 'refused only where the host lacks a capability');
    }
    await cluster.kubectlOk(['delete', 'pod', 'priv', '--grace-period=0', '--force']);
  });

  test('allowPrivilegeEscalation: false sets no_new_privs', async () => {
    await apply(
      podYaml('nnp', {
        containers: [
          { name: 'locked', image: busybox, command: sleepForever, securityContext: { allowPrivilegeEscalation: false } },
          { name: 'open', image: busybox, command: sleepForever },
        ],
      }),
    );
    await running('nnp');
    assert.equal(await exec('nnp', 'locked', 'grep NoNewPrivs /proc/self/status | cut -f2'), '1');
    assert.equal(await exec('nnp', 'open', 'grep NoNewPrivs /proc/self/status | cut -f2'), '0');
  });

  test('runAsNonRoot with runAsUser 0 is CreateContainerConfigError', async () => {
    await apply(podYaml('nonroot', { securityContext: { runAsNonRoot: true, runAsUser: 0 }, containers: [{ name: 'main', image: busybox, command: sleepForever }] }));
    const p = await cluster.waitForPod('nonroot', 'CreateContainerConfigError', (p) => p.status?.containerStatuses?.[0]?.state.waiting?.reason === 'CreateContainerConfigError', 30_000);
    assert.match(p.status?.containerStatuses?.[0]?.state.waiting?.message ?? '', /^container's runAsUser breaks non-root policy/);
  });

  test('QoS class in status', async () => {
    const qos = async (name: string) => (await cluster.waitForPod(name, 'qosClass', (p) => !!p.status?.qosClass, 30_000)).status?.qosClass;
    await apply(podYaml('qos-guaranteed', { containers: [{ name: 'main', image: busybox, command: sleepForever, resources: { limits: { cpu: '100m', memory: '32Mi' } } }] }));
    await apply(podYaml('qos-burstable', { containers: [{ name: 'main', image: busybox, command: sleepForever, resources: { requests: { memory: '16Mi' } } }] }));
    await apply(podYaml('qos-besteffort', { containers: [{ name: 'main', image: busybox, command: sleepForever }] }));
    assert.equal(await qos('qos-guaranteed'), 'Guaranteed');
    assert.equal(await qos('qos-burstable'), 'Burstable');
    assert.equal(await qos('qos-besteffort'), 'BestEffort');
  });
});
