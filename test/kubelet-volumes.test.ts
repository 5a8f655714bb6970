// Pod volumes against real Docker and kubectl: emptyDir on disk and in memory, hostPath
// with its type checks, configMap / secret / downwardAPI / projected files (modes, items,
// updates reaching a running pod), subPath and readOnly mounts, and env from ConfigMaps
// and Secrets including the CreateContainerConfigError of a missing one.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { mountsUnder, unmount } from '../agent/kubelet/volumes/mount-utils.js';
import { ensureTestImages } from './fixtures/images.js';
import { startCluster, waitFor, type TestCluster } from './lib/cluster.js';
import { sleepForever } from './lib/manifests.js';
import { podEvents, podYaml } from './kubelet-support.js';

describe('kubelet volumes', () => {
  let cluster: TestCluster;
  let busybox: string;
  let hostDir: string;

  before(async () => {
    busybox = (await ensureTestImages()).busybox;
    hostDir = await mkdtemp(join(tmpdir(), 'skiff-hostpath-'));
    cluster = await startCluster({ agents: 1 });
  });
  after(async () => {
    if (cluster) {
      // Deleting the pods lets the agent tear their volumes down (tmpfs included) before
      // the cluster's directory is removed; anything it left mounted is unmounted here.
      await cluster.kubectl(['delete', 'pods', '--all', '--grace-period=0', '--force', '--wait=true']);
      await waitFor('pod volume mounts to go', async () => (await mountsUnder(cluster.dir)).length === 0, 20_000).catch(() => undefined);
      for (const m of await mountsUnder(cluster.dir)) await unmount(m).catch(() => undefined);
      await cluster.stop();
    }
    if (hostDir) await rm(hostDir, { recursive: true, force: true });
  });

  const apply = (yaml: string) => cluster.kubectlOk(['apply', '-f', '-'], { input: yaml });
  const running = (name: string) =>
    cluster.waitForPod(name, 'Running', (p) => p.status?.phase === 'Running' && (p.status.containerStatuses ?? []).every((c) => !!c.state.running), 60_000);
  /** sh -c script in a container; resolves to its stdout, rejects on a non-zero exit. */
  async function exec(pod: string, container: string, script: string): Promise<string> {
    const r = await cluster.kubectl(['exec', pod, '-c', container, '--', 'sh', '-c', script]);
    if (r.code !== 0) throw new Error(`exec in ${pod}/${container} exited ${r.code}: ${r.stderr || r.stdout}`);
    return r.stdout;
  }
  const execCode = async (pod: string, container: string, script: string) => (await cluster.kubectl(['exec', pod, '-c', container, '--', 'sh', '-c', script])).code;
  const uidOf = async (name: string) => (await cluster.pod(name)).metadata.uid!;
  const agentVolumes = (uid: string) => join(cluster.dir, cluster.nodeNames[0]!, 'pods', uid, 'volumes');

  test('emptyDir is shared by the containers of a pod, on disk, and removed with the pod', async () => {
    await apply(
      podYaml('shared', {
        volumes: [{ name: 'cache', emptyDir: {} }],
        containers: [
          { name: 'writer', image: busybox, command: ['sh', '-c', "echo from-writer > /cache/msg; trap 'exit 0' TERM; while true; do sleep 1; done"], volumeMounts: [{ name: 'cache', mountPath: '/cache' }] },
          { name: 'reader', image: busybox, command: sleepForever, volumeMounts: [{ name: 'cache', mountPath: '/shared' }] },
        ],
      }),
    );
    await running('shared');
    const uid = await uidOf('shared');
    assert.equal((await waitFor('the file to appear', () => exec('shared', 'reader', 'cat /shared/msg'), 10_000)).trim(), 'from-writer');
    const mounts = await exec('shared', 'reader', 'grep " /shared " /proc/mounts');
    assert.doesNotMatch(mounts, /^tmpfs /, `a disk emptyDir is a tmpfs: ${mounts}`);
    const dir = join(agentVolumes(uid), 'kubernetes.io~empty-dir', 'cache');
    assert.equal((await readFile(join(dir, 'msg'), 'utf8')).trim(), 'from-writer');
    // 0777 as the kubelet makes it, so containers running as any user can write.
    await exec('shared', 'reader', 'test "$(stat -c %a /shared)" = 777');
    await cluster.kubectlOk(['delete', 'pod', 'shared', '--wait=true']);
    await waitFor('the pod directory to be removed', () => !existsSync(join(cluster.dir, cluster.nodeNames[0]!, 'pods', uid)), 20_000);
  });

  test('emptyDir medium Memory is a tmpfs of sizeLimit, unmounted when the pod goes', async () => {
    await apply(
      podYaml('mem', {
        volumes: [
          { name: 'scratch', emptyDir: { medium: 'Memory', sizeLimit: '8Mi' } },
          { name: 'unsized', emptyDir: { medium: 'Memory' } },
        ],
        containers: [
          {
            name: 'main',
            image: busybox,
            command: sleepForever,
            resources: { limits: { memory: '48Mi' } },
            volumeMounts: [
              { name: 'scratch', mountPath: '/scratch' },
              { name: 'unsized', mountPath: '/unsized' },
            ],
          },
        ],
      }),
    );
    await running('mem');
    const uid = await uidOf('mem');
    const line = (await exec('mem', 'main', 'grep " /scratch " /proc/mounts')).trim();
    assert.match(line, /^tmpfs \/scratch tmpfs /, line);
    assert.match(line, /size=8192k/, line);
    // Without sizeLimit the pod's memory limit bounds it (the kubelet's default).
    assert.match(await exec('mem', 'main', 'grep " /unsized " /proc/mounts'), /^tmpfs \/unsized tmpfs .*size=49152k/);
    // The limit holds: 16 MiB do not fit.
    assert.notEqual(await execCode('mem', 'main', 'dd if=/dev/zero of=/scratch/big bs=1048576 count=16 2>/dev/null'), 0, 'wrote 16 MiB into an 8 MiB tmpfs');
    const hostMount = join(agentVolumes(uid), 'kubernetes.io~empty-dir', 'scratch');
    assert.deepEqual(await mountsUnder(hostMount), [hostMount], 'the tmpfs is mounted on the host, where all containers share it');
    await cluster.kubectlOk(['delete', 'pod', 'mem', '--wait=true']);
    await waitFor('the tmpfs to be unmounted and removed', async () => (await mountsUnder(hostMount)).length === 0 && !existsSync(hostMount), 20_000);
  });

  test('a finished pod gives its volumes back and keeps its logs', async () => {
    await apply(
      podYaml('finished', {
        restartPolicy: 'Never',
        volumes: [{ name: 'mem', emptyDir: { medium: 'Memory', sizeLimit: '4Mi' } }],
        containers: [{ name: 'main', image: busybox, command: ['sh', '-c', 'echo done > /mem/x && cat /mem/x'], volumeMounts: [{ name: 'mem', mountPath: '/mem' }] }],
      }),
    );
    await cluster.waitForPod('finished', 'Succeeded', (p) => p.status?.phase === 'Succeeded', 30_000);
    const dir = join(cluster.dir, cluster.nodeNames[0]!, 'pods', await uidOf('finished'));
    await waitFor('the finished pod\'s tmpfs and directory to go', async () => (await mountsUnder(dir)).length === 0 && !existsSync(dir), 20_000);
    assert.equal((await cluster.kubectlOk(['logs', 'finished'])).trim(), 'done');
  });

  test('hostPath: DirectoryOrCreate makes the directory, a missing Directory is a FailedMount until it exists', async () => {
    const made = join(hostDir, 'made', 'here');
    const later = join(hostDir, 'later');
    const notSocket = join(hostDir, 'plain-file');
    await writeFile(notSocket, 'x');
    await apply(
      podYaml('hostpath-create', {
        volumes: [{ name: 'h', hostPath: { path: made, type: 'DirectoryOrCreate' } }],
        containers: [{ name: 'main', image: busybox, command: sleepForever, volumeMounts: [{ name: 'h', mountPath: '/host' }] }],
      }),
    );
    await apply(
      podYaml('hostpath-missing', {
        volumes: [{ name: 'data', hostPath: { path: later, type: 'Directory' } }],
        containers: [{ name: 'main', image: busybox, command: sleepForever, volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
      }),
    );
    await apply(
      podYaml('hostpath-socket', {
        volumes: [{ name: 'sock', hostPath: { path: notSocket, type: 'Socket' } }],
        containers: [{ name: 'main', image: busybox, command: sleepForever, volumeMounts: [{ name: 'sock', mountPath: '/run/x.sock' }] }],
      }),
    );
    await running('hostpath-create');
    await exec('hostpath-create', 'main', 'echo via-container > /host/out');
    assert.equal(await readFile(join(made, 'out'), 'utf8'), 'via-container\n');

    const event = await waitFor('a FailedMount event', async () => (await podEvents(cluster, 'hostpath-missing')).find((e) => e.reason === 'FailedMount'), 20_000);
    assert.equal(event.type, 'Warning');
    assert.equal(event.message, `MountVolume.SetUp failed for volume "data" : hostPath type check failed: ${later} is not a directory`);
    const pending = await cluster.pod('hostpath-missing');
    assert.equal(pending.status?.phase, 'Pending');
    assert.equal(pending.status?.containerStatuses?.[0]?.state.waiting?.reason, 'ContainerCreating');
    assert.equal(existsSync(later), false, 'a Directory volume must not be created');
    const socketEvent = await waitFor('the socket FailedMount', async () => (await podEvents(cluster, 'hostpath-socket')).find((e) => e.reason === 'FailedMount'), 20_000);
    assert.match(socketEvent.message ?? '', /is not a socket file$/);

    await mkdir(later);
    await writeFile(join(later, 'seed'), 'seeded\n');
    await running('hostpath-missing');
    assert.equal(await exec('hostpath-missing', 'main', 'cat /data/seed'), 'seeded\n');
  });

  test('configMap volume: items, modes, read-only, and an update reaches the running pod', async (t) => {
    await cluster.kubectlOk(['create', 'configmap', 'game', '--from-literal=lives=3', '--from-literal=level=easy', '--from-literal=unused=x']);
    await apply(
      podYaml('cm-vol', {
        volumes: [
          { name: 'cfg', configMap: { name: 'game', defaultMode: 0o440, items: [{ key: 'lives', path: 'player/lives', mode: 0o400 }, { key: 'level', path: 'level' }] } },
          { name: 'all', configMap: { name: 'game' } },
        ],
        containers: [
          {
            name: 'main',
            image: busybox,
            command: sleepForever,
            volumeMounts: [
              { name: 'cfg', mountPath: '/etc/game' },
              { name: 'all', mountPath: '/etc/all' },
            ],
          },
        ],
      }),
    );
    await running('cm-vol');
    assert.equal(await exec('cm-vol', 'main', 'cat /etc/game/player/lives'), '3');
    assert.equal(await exec('cm-vol', 'main', 'cat /etc/game/level'), 'easy');
    assert.equal((await exec('cm-vol', 'main', 'stat -L -c %a /etc/game/player/lives /etc/game/level /etc/all/unused')).trim().split('\n').join(' '), '400 440 644');
    assert.equal(await execCode('cm-vol', 'main', 'test -e /etc/game/unused'), 1, 'a key not in items was projected');
    assert.equal((await exec('cm-vol', 'main', 'ls /etc/all')).trim().split('\n').join(' '), 'level lives unused');
    assert.notEqual(await execCode('cm-vol', 'main', 'echo 9 > /etc/all/lives'), 0, 'a configMap volume accepted a write');
    // Kubernetes' layout: user-visible links into ..data, which points at a timestamped version.
    assert.match(await exec('cm-vol', 'main', 'readlink /etc/all/lives; readlink /etc/all/..data'), /^\.\.data\/lives\n\.\.\d{4}_\d\d_\d\d_\d\d_\d\d_\d\d\.\S+\n$/);

    const started = performance.now();
    await cluster.kubectlOk(['patch', 'configmap', 'game', '--type=merge', '-p', JSON.stringify({ data: { lives: '5' } })]);
    await waitFor('the new value in the running pod', async () => (await exec('cm-vol', 'main', 'cat /etc/game/player/lives')) === '5', 90_000, 100);
    const delay = performance.now() - started;
    t.diagnostic(`configMap update reached the running pod after ${delay.toFixed(0)} ms`);
    assert.ok(delay < 10_000, `the update took ${delay.toFixed(0)} ms`);
    assert.equal(await exec('cm-vol', 'main', 'cat /etc/all/lives'), '5');

    // The ConfigMap deleted under the running pod: FailedMount events, the last contents
    // stay, and the pod is not held back (its container still restarts).
    await cluster.kubectlOk(['delete', 'configmap', 'game']);
    await waitFor('a FailedMount event', async () => (await podEvents(cluster, 'cm-vol')).find((e) => e.reason === 'FailedMount' && /configmap "game" not found/.test(e.message ?? '')), 20_000);
    await exec('cm-vol', 'main', 'kill 1');
    await cluster.waitForPod('cm-vol', 'restarted', (p) => p.status?.containerStatuses?.[0]?.restartCount === 1 && !!p.status.containerStatuses[0].state.running, 30_000);
    assert.equal(await exec('cm-vol', 'main', 'cat /etc/game/player/lives'), '5');
  });

  test('secret volume: decoded files with the default mode; optional missing ones mount empty', async () => {
    await cluster.kubectlOk(['create', 'secret', 'generic', 'creds', '--from-literal=username=admin', '--from-literal=password=s3cr=t']);
    await apply(
      podYaml('secret-vol', {
        volumes: [
          { name: 'creds', secret: { secretName: 'creds' } },
          { name: 'absent', secret: { secretName: 'no-such-secret', optional: true } },
        ],
        containers: [
          {
            name: 'main',
            image: busybox,
            command: sleepForever,
            volumeMounts: [
              { name: 'creds', mountPath: '/creds' },
              { name: 'absent', mountPath: '/absent' },
            ],
          },
        ],
      }),
    );
    await running('secret-vol');
    assert.equal(await exec('secret-vol', 'main', 'cat /creds/username; echo; cat /creds/password'), 'admin\ns3cr=t');
    assert.equal((await exec('secret-vol', 'main', 'stat -L -c %a /creds/password')).trim(), '644');
    assert.equal((await exec('secret-vol', 'main', 'ls -A /absent | grep -v "^\\.\\." | wc -l')).trim(), '0');
    // A Secret that changes, and an optional one that appears, reach the running pod.
    await cluster.kubectlOk(['patch', 'secret', 'creds', '--type=merge', '-p', JSON.stringify({ data: { password: Buffer.from('rotated').toString('base64') } })]);
    await cluster.kubectlOk(['create', 'secret', 'generic', 'no-such-secret', '--from-literal=late=arrived']);
    await waitFor('the rotated password', async () => (await exec('secret-vol', 'main', 'cat /creds/password')) === 'rotated', 30_000, 200);
    await waitFor('the optional secret to appear', async () => (await exec('secret-vol', 'main', 'cat /absent/late 2>/dev/null || true')) === 'arrived', 30_000, 200);
  });

  test('downwardAPI volume: labels file follows a label change; projected merges sources', async () => {
    await cluster.kubectlOk(['create', 'configmap', 'proj-cm', '--from-literal=color=blue']);
    await cluster.kubectlOk(['create', 'secret', 'generic', 'proj-secret', '--from-literal=token=abc']);
    await apply(
      podYaml('dapi', {
        volumes: [
          {
            name: 'podinfo',
            downwardAPI: {
              items: [
                { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
                { path: 'name', fieldRef: { fieldPath: 'metadata.name' } },
                { path: 'mem_limit', resourceFieldRef: { containerName: 'main', resource: 'limits.memory', divisor: '1Mi' } },
              ],
            },
          },
          {
            name: 'all-in-one',
            projected: {
              sources: [
                { configMap: { name: 'proj-cm', items: [{ key: 'color', path: 'cfg/color' }] } },
                { secret: { name: 'proj-secret', items: [{ key: 'token', path: 'secret/token', mode: 0o400 }] } },
                { downwardAPI: { items: [{ path: 'pod/namespace', fieldRef: { fieldPath: 'metadata.namespace' } }] } },
              ],
            },
          },
        ],
        containers: [
          {
            name: 'main',
            image: busybox,
            command: sleepForever,
            resources: { limits: { memory: '32Mi' } },
            volumeMounts: [
              { name: 'podinfo', mountPath: '/podinfo' },
              { name: 'all-in-one', mountPath: '/projected' },
            ],
          },
        ],
      }),
    );
    await running('dapi');
    assert.equal(await exec('dapi', 'main', 'cat /podinfo/labels'), 'app="dapi"');
    assert.equal(await exec('dapi', 'main', 'cat /podinfo/name; echo; cat /podinfo/mem_limit'), 'dapi\n32');
    assert.equal(await exec('dapi', 'main', 'cat /projected/cfg/color; echo; cat /projected/secret/token; echo; cat /projected/pod/namespace'), 'blue\nabc\ndefault');
    assert.equal((await exec('dapi', 'main', 'stat -L -c %a /projected/secret/token /projected/cfg/color')).trim().split('\n').join(' '), '400 644');
    await cluster.kubectlOk(['label', 'pod', 'dapi', 'tier=backend']);
    await waitFor('the labels file to follow', async () => (await exec('dapi', 'main', 'cat /podinfo/labels')) === 'app="dapi"\ntier="backend"', 30_000, 200);
  });

  test('subPath and readOnly volumeMounts', async () => {
    await cluster.kubectlOk(['create', 'configmap', 'app-conf', '--from-literal=app.conf=port=8080']);
    await apply(
      podYaml('subpath', {
        volumes: [
          { name: 'work', emptyDir: {} },
          { name: 'conf', configMap: { name: 'app-conf' } },
        ],
        containers: [
          {
            name: 'main',
            image: busybox,
            command: sleepForever,
            env: [{ name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
            volumeMounts: [
              { name: 'work', mountPath: '/data', subPath: 'deep/dir' },
              { name: 'work', mountPath: '/by-pod', subPathExpr: 'pods/$(POD)' },
              { name: 'work', mountPath: '/whole-ro', readOnly: true },
              { name: 'conf', mountPath: '/etc/app.conf', subPath: 'app.conf' },
            ],
          },
        ],
      }),
    );
    await running('subpath');
    await exec('subpath', 'main', 'echo in-subpath > /data/f; echo by-pod > /by-pod/g');
    assert.equal(await exec('subpath', 'main', 'cat /whole-ro/deep/dir/f /whole-ro/pods/subpath/g'), 'in-subpath\nby-pod\n');
    assert.equal(await exec('subpath', 'main', 'cat /etc/app.conf'), 'port=8080');
    assert.notEqual(await execCode('subpath', 'main', 'touch /whole-ro/refused'), 0, 'a readOnly mount accepted a write');
    assert.equal(await execCode('subpath', 'main', 'test -e /whole-ro/refused'), 1);
  });

  test('env from ConfigMaps and Secrets: valueFrom, envFrom with prefix, optional', async () => {
    await cluster.kubectlOk(['create', 'configmap', 'env-cm', '--from-literal=MODE=fast', '--from-literal=LEVEL=3']);
    await cluster.kubectlOk(['create', 'secret', 'generic', 'env-secret', '--from-literal=PASSWORD=hunter2', '--from-literal=USER=bob']);
    await apply(
      podYaml('env-refs', {
        restartPolicy: 'Never',
        containers: [
          {
            name: 'main',
            image: busybox,
            command: ['sh', '-c', 'echo "mode=$MODE pw=$PASSWORD cfg_LEVEL=$CFG_LEVEL sec_USER=$SEC_USER opt=${OPT-unset} optkey=${OPTKEY-unset} override=$LEVEL"'],
            envFrom: [{ configMapRef: { name: 'env-cm' }, prefix: 'CFG_' }, { secretRef: { name: 'env-secret' }, prefix: 'SEC_' }, { configMapRef: { name: 'absent', optional: true } }],
            env: [
              { name: 'MODE', valueFrom: { configMapKeyRef: { name: 'env-cm', key: 'MODE' } } },
              { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'env-secret', key: 'PASSWORD' } } },
              { name: 'OPT', valueFrom: { configMapKeyRef: { name: 'absent', key: 'x', optional: true } } },
              { name: 'OPTKEY', valueFrom: { secretKeyRef: { name: 'env-secret', key: 'nokey', optional: true } } },
              { name: 'LEVEL', value: 'from-env' },
            ],
          },
        ],
      }),
    );
    await cluster.waitForPod('env-refs', 'Succeeded', (p) => p.status?.phase === 'Succeeded', 30_000);
    assert.equal((await cluster.kubectlOk(['logs', 'env-refs'])).trim(), 'mode=fast pw=hunter2 cfg_LEVEL=3 sec_USER=bob opt=unset optkey=unset override=from-env');
  });

  test('a missing ConfigMap or key is CreateContainerConfigError until it exists', async (t) => {
    await apply(
      podYaml('needs-cm', {
        containers: [
          { name: 'main', image: busybox, command: sleepForever, env: [{ name: 'SETTING', valueFrom: { configMapKeyRef: { name: 'late', key: 'setting' } } }] },
        ],
      }),
    );
    const waiting = await cluster.waitForPod('needs-cm', 'CreateContainerConfigError', (p) => p.status?.containerStatuses?.[0]?.state.waiting?.reason === 'CreateContainerConfigError', 30_000);
    assert.equal(waiting.status?.containerStatuses?.[0]?.state.waiting?.message, 'configmap "late" not found');
    const event = await waitFor('the Failed event', async () => (await podEvents(cluster, 'needs-cm')).find((e) => e.reason === 'Failed'), 10_000);
    assert.equal(event.message, 'Error: configmap "late" not found');

    await cluster.kubectlOk(['create', 'configmap', 'late', '--from-literal=other=1']);
    await cluster.waitForPod('needs-cm', 'missing key', (p) => p.status?.containerStatuses?.[0]?.state.waiting?.message === "couldn't find key setting in ConfigMap default/late", 30_000);
    const started = performance.now();
    await cluster.kubectlOk(['patch', 'configmap', 'late', '--type=merge', '-p', JSON.stringify({ data: { setting: 'on' } })]);
    await running('needs-cm');
    const ms = performance.now() - started;
    t.diagnostic(`pod running ${ms.toFixed(0)} ms after its ConfigMap key appeared`);
    // The container back-off is 10 s: well under it means the ConfigMap's watch event did it.
    assert.ok(ms < 8_000, `running only ${ms.toFixed(0)} ms after the key appeared`);
    assert.equal(await exec('needs-cm', 'main', 'echo $SETTING'), 'on\n');
  });

  test('an agent killed and restarted keeps the volumes of running pods and tears down those of pods deleted meanwhile', async () => {
    await cluster.kubectlOk(['create', 'configmap', 'restart-cm', '--from-literal=v=1']);
    const memPod = (name: string, extra: object[] = [], mounts: object[] = []) =>
      podYaml(name, {
        volumes: [{ name: 'mem', emptyDir: { medium: 'Memory', sizeLimit: '4Mi' } }, ...extra],
        containers: [{ name: 'main', image: busybox, command: sleepForever, volumeMounts: [{ name: 'mem', mountPath: '/mem' }, ...mounts] }],
      });
    await apply(memPod('survivor', [{ name: 'cfg', configMap: { name: 'restart-cm' } }], [{ name: 'cfg', mountPath: '/cfg' }]));
    await apply(memPod('doomed'));
    await running('survivor');
    await running('doomed');
    await exec('survivor', 'main', 'echo kept > /mem/keep');
    const survivorMount = join(agentVolumes(await uidOf('survivor')), 'kubernetes.io~empty-dir', 'mem');
    const doomedUid = await uidOf('doomed');
    const doomedDir = join(cluster.dir, cluster.nodeNames[0]!, 'pods', doomedUid);
    const containerId = (await cluster.pod('survivor')).status?.containerStatuses?.[0]?.containerID;

    await cluster.agent().stop('SIGKILL');
    await cluster.kubectlOk(['delete', 'pod', 'doomed', '--force', '--grace-period=0', '--wait=false']);
    await cluster.kubectlOk(['patch', 'configmap', 'restart-cm', '--type=merge', '-p', JSON.stringify({ data: { v: '2' } })]);
    cluster.agent().start();

    await waitFor('the deleted pod\'s tmpfs and directory to go', async () => (await mountsUnder(doomedDir)).length === 0 && !existsSync(doomedDir), 60_000);
    await waitFor('the ConfigMap change in the surviving pod', async () => (await exec('survivor', 'main', 'cat /cfg/v')) === '2', 60_000);
    assert.equal(await exec('survivor', 'main', 'cat /mem/keep'), 'kept\n', 'the tmpfs was replaced under the running pod');
    assert.deepEqual(await mountsUnder(survivorMount), [survivorMount], 'the tmpfs is mounted once, not again on top');
    assert.equal((await cluster.pod('survivor')).status?.containerStatuses?.[0]?.containerID, containerId, 'the container was replaced');
  });
});
