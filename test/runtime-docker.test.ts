// The runtime conformance suite and Docker-specific checks against the real dockerd.
// Without a Docker socket this file fails (it does not skip): the runtime is the product.

import { describe, test, before, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Dockerode from 'dockerode';
import { DockerRuntime } from '../agent/runtime/docker/docker-runtime.js';
import { dockerRootfsImporter, followProgress } from '../agent/runtime/docker/docker-images.js';
import { podBridgeName } from '../agent/runtime/docker/labels.js';
import { DEFAULT_PAUSE_IMAGE, ensurePauseImage } from '../agent/runtime/pause-image.js';
import { runtimeConformance } from '../agent/runtime/runtime-conformance.js';
import type { RuntimeError } from '../agent/runtime/errors.js';
import { LABEL_NODE_NAME, type ContainerConfig, type PodSandboxConfig } from '../agent/runtime/runtime.js';
import { ensureTestImages, saveImage } from './fixtures/images.js';
import { freePort } from './lib/cluster.js';
import { httpGet, retry } from './lib/http.js';

const SOCKET = process.env['DOCKER_SOCKET'] ?? '/var/run/docker.sock';
const NODE_PREFIX = 'rtconf-';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes every container and the pod bridge of one test node (a crashed run's leftovers). */
async function removeNode(docker: Dockerode, nodeName: string): Promise<void> {
  const list = await docker.listContainers({ all: true, filters: { label: [`${LABEL_NODE_NAME}=${nodeName}`] } });
  await Promise.all(list.map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
  await promisify(execFile)('ip', ['link', 'delete', podBridgeName(nodeName), 'type', 'bridge']).catch(() => undefined);
}

/** iptables-save lines (both tables CNI writes to) that name this sandbox or port. */
async function iptablesLinesAbout(needle: string): Promise<string[]> {
  const out: string[] = [];
  for (const table of ['nat', 'filter']) {
    const r = await promisify(execFile)('iptables-save', ['-t', table]);
    out.push(...r.stdout.split('\n').filter((l) => l.includes(needle)));
  }
  return out;
}

/** The IPv4 addresses on an interface ([] when it does not exist). */
async function interfaceAddresses(dev: string): Promise<string[]> {
  const r = await promisify(execFile)('ip', ['-4', '-o', 'addr', 'show', 'dev', dev]).catch(() => ({ stdout: '' }));
  return [...r.stdout.matchAll(/inet (\S+)/g)].map((m) => m[1]!);
}

/** Leftovers of earlier runs of this file that died before cleaning up (their pid is gone). */
async function removeStaleNodes(docker: Dockerode): Promise<void> {
  const conts = await docker.listContainers({ all: true, filters: { label: [LABEL_NODE_NAME] } });
  const nodes = new Set(conts.map((c) => c.Labels[LABEL_NODE_NAME] ?? ''));
  for (const node of nodes) {
    const m = new RegExp(`^${NODE_PREFIX}(\\d+)-\\d+$`).exec(node);
    if (m && Number(m[1]) !== process.pid && !pidAlive(Number(m[1]))) await removeNode(docker, node);
  }
}

let nodeCounter = 0;
function nextNodeName(): string {
  return `${NODE_PREFIX}${process.pid}-${++nodeCounter}`;
}

/** A /24 for Docker-specific network tests, away from the conformance range. */
function cidr(second: number): string {
  return `10.${second}.${process.pid % 256}.0/24`;
}

if (!existsSync(SOCKET)) {
  test('Docker runtime', () => {
    assert.fail(`no Docker socket at ${SOCKET}: install and start Docker (apt-get install -y docker.io; dockerd &) to run the Docker runtime tests`);
  });
} else {
  const docker = new Dockerode({ socketPath: SOCKET });
  const images = () => ensureTestImages(SOCKET);

  async function makeRuntime(): Promise<{ runtime: DockerRuntime; nodeName: string; cleanup: () => Promise<void> }> {
    await removeStaleNodes(docker);
    const nodeName = nextNodeName();
    const stateDir = await mkdtemp(join(tmpdir(), 'skiff-rt-'));
    const runtime = new DockerRuntime({ socketPath: SOCKET, nodeName, stateDir });
    return {
      runtime,
      nodeName,
      cleanup: async () => {
        // Through the runtime, so CNI releases addresses and the iptables rules it added.
        for (const s of await runtime.listPodSandbox()) await runtime.removePodSandbox(s.id).catch(() => undefined);
        await runtime.deletePodNetwork();
        await runtime.close();
        await removeNode(docker, nodeName);
        await rm(stateDir, { recursive: true, force: true });
      },
    };
  }

  runtimeConformance('docker', makeRuntime, images);

  describe('Docker runtime specifics', () => {
    let busybox: string;
    before(async () => {
      busybox = (await images()).busybox;
    });

    async function node(t: TestContext, podCIDR?: string): Promise<{ runtime: DockerRuntime; nodeName: string }> {
      const made = await makeRuntime();
      t.after(made.cleanup);
      if (podCIDR) await made.runtime.ensurePodNetwork(podCIDR);
      return made;
    }

    function pod(name: string, over: Partial<PodSandboxConfig> = {}): PodSandboxConfig {
      return {
        metadata: { name, namespace: 'docker-test', uid: `uid-${process.pid}-${name}`, attempt: 1 },
        hostname: name,
        portMappings: [],
        labels: {},
        annotations: {},
        ...over,
      };
    }

    function container(name: string, over: Partial<ContainerConfig> = {}): ContainerConfig {
      return { metadata: { name, attempt: 2 }, image: busybox, envs: [], labels: {}, annotations: {}, resources: {}, ...over };
    }

    test('an unreachable socket is a RuntimeUnavailableError with a one-line message', async () => {
      const rt = new DockerRuntime({ socketPath: '/tmp/skiff-no-such-docker.sock', nodeName: 'nobody', stateDir: join(tmpdir(), 'skiff-rt-nobody') });
      for (const call of [() => rt.version(), () => rt.listContainers(), () => rt.runPodSandbox(pod('x'))]) {
        await assert.rejects(call(), (err) => {
          assert.equal((err as RuntimeError).code, 'Unavailable', (err as Error).message);
          assert.match((err as Error).message, /\/tmp\/skiff-no-such-docker\.sock/);
          assert.doesNotMatch((err as Error).message, /\n/);
          return true;
        });
      }
    });

    test('containers Skiff did not create are never listed or touched', async (t) => {
      const { runtime } = await node(t);
      const foreign = await docker.createContainer({ Image: busybox, Cmd: ['sleep', '3600'], name: `skiff-foreign-${process.pid}` });
      t.after(() => foreign.remove({ force: true }));
      await foreign.start();
      assert.ok(!(await runtime.listContainers()).some((c) => c.id === foreign.id));
      assert.ok(!(await runtime.listPodSandbox()).some((c) => c.id === foreign.id));
      await assert.rejects(runtime.containerStatus(foreign.id), (err) => (err as RuntimeError).code === 'NotFound');
      await assert.rejects(runtime.podSandboxStatus(foreign.id), (err) => (err as RuntimeError).code === 'NotFound');
      await runtime.stopContainer(foreign.id, 0);
      await runtime.removeContainer(foreign.id);
      await runtime.removePodSandbox(foreign.id);
      assert.equal((await foreign.inspect()).State.Running, true);
    });

    test('pod network: CNI bridge with the gateway, addresses released, recreated for a new CIDR only when empty', async (t) => {
      const { runtime, nodeName } = await node(t);
      const bridge = podBridgeName(nodeName);
      assert.ok(bridge.length <= 15, bridge);
      const first = cidr(198);
      await runtime.ensurePodNetwork(first);
      await runtime.ensurePodNetwork(first);
      const a = await runtime.runPodSandbox(pod('a'));
      const ipA = (await runtime.podSandboxStatus(a)).ip;
      assert.match(ipA, new RegExp(`^${first.replace(/\.0\/24$/, '').replace(/\./g, '\\.')}\\.\\d+$`));
      assert.deepEqual(await interfaceAddresses(bridge), [first.replace(/0\/24$/, '1/24')], 'the bridge holds the gateway');
      const b = await runtime.runPodSandbox(pod('b'));
      assert.notEqual((await runtime.podSandboxStatus(b)).ip, ipA, 'two pods, two addresses');
      await runtime.stopPodSandbox(a);
      assert.equal((await runtime.podSandboxStatus(a)).ip, '', 'a stopped sandbox has no IP');
      await runtime.removePodSandbox(a);

      const second = cidr(197);
      await assert.rejects(runtime.ensurePodNetwork(second), (err) => {
        assert.equal((err as RuntimeError).code, 'CreateFailed');
        assert.match((err as Error).message, /still attached/);
        return true;
      });
      await runtime.removePodSandbox(b);
      await runtime.ensurePodNetwork(second);
      const c = await runtime.runPodSandbox(pod('c'));
      assert.match((await runtime.podSandboxStatus(c)).ip, new RegExp(`^${second.replace(/\.0\/24$/, '').replace(/\./g, '\\.')}\\.\\d+$`));
      assert.deepEqual(await interfaceAddresses(bridge), [second.replace(/0\/24$/, '1/24')]);
      await assert.rejects(runtime.ensurePodNetwork('not-a-cidr'), (err) => (err as RuntimeError).code === 'CreateFailed');

      const ours = () => iptablesLinesAbout(`skiff pod network ${nodeName}"`);
      assert.equal((await ours()).length, 3, 'FORWARD accept from and to the range, and its masquerade');
      assert.ok((await ours()).every((l) => l.includes(second)), 'the old range\'s rules went with it');
      await runtime.removePodSandbox(c);
      await runtime.deletePodNetwork();
      assert.deepEqual(await ours(), []);
      assert.deepEqual(await interfaceAddresses(bridge), []);
    });

    test('traffic leaving the pod range is masqueraded: a container on docker0 sees the node, not the pod', async (t) => {
      const { runtime } = await node(t, cidr(191));
      const outside = await docker.createContainer({ Image: busybox, Cmd: ['httpd', '-f', '-v', '-p', '8080', '-h', '/etc'], name: `skiff-outside-${process.pid}` });
      t.after(() => outside.remove({ force: true }));
      await outside.start();
      const outsideIP = (await outside.inspect()).NetworkSettings.Networks['bridge']?.IPAddress ?? '';
      const config = pod('leaver');
      const sid = await runtime.runPodSandbox(config);
      const shell = await runtime.createContainer(sid, container('shell', { command: ['sleep', '3600'] }), config);
      await runtime.startContainer(shell);
      const podIP = (await runtime.podSandboxStatus(sid)).ip;
      await retry('wget to the docker0 container', async () => {
        const res = await runtime.execSync(shell, ['wget', '-qO-', `http://${outsideIP}:8080/group`], 5);
        if (res.exitCode !== 0) throw new Error(`exit ${res.exitCode}`);
      });
      const log = await outside.logs({ stdout: true, stderr: true });
      const seen = [...log.toString('latin1').matchAll(/(\d+\.\d+\.\d+\.\d+)\]?:\d+/g)].map((m) => m[1]);
      assert.ok(seen.length > 0, `httpd logged no client: ${log.toString('latin1')}`);
      assert.ok(!seen.includes(podIP), `the pod's own address ${podIP} left the node unmasqueraded`);
    });

    test('without the CNI plugins, ensurePodNetwork says which package to install', async () => {
      const rt = new DockerRuntime({ socketPath: SOCKET, nodeName: 'no-cni', stateDir: join(tmpdir(), `skiff-rt-nocni-${process.pid}`), cniBinDir: '/nonexistent/cni' });
      await assert.rejects(rt.ensurePodNetwork(cidr(190)), (err) => {
        assert.equal((err as RuntimeError).code, 'CreateFailed');
        assert.match((err as Error).message, /CNI plugins bridge, host-local, portmap not found in \/nonexistent\/cni: .*apt-get install -y containernetworking-plugins/);
        return true;
      });
    });

    test('two pods on the node reach each other by pod IP through the bridge', async (t) => {
      const { runtime } = await node(t, cidr(192));
      const serverPod = pod('server');
      const sid = await runtime.runPodSandbox(serverPod);
      const web = await runtime.createContainer(sid, container('web', { command: ['httpd', '-f', '-p', '8080', '-h', '/etc'] }), serverPod);
      await runtime.startContainer(web);
      const ip = (await runtime.podSandboxStatus(sid)).ip;
      const clientPod = pod('client');
      const cid = await runtime.runPodSandbox(clientPod);
      const shell = await runtime.createContainer(cid, container('shell', { command: ['sleep', '3600'] }), clientPod);
      await runtime.startContainer(shell);
      // (busybox-static's wget crashes on -T: the exec timeout bounds it instead.)
      const r = await retry('wget from the other pod', async () => {
        const res = await runtime.execSync(shell, ['wget', '-qO-', `http://${ip}:8080/group`], 5);
        if (res.exitCode !== 0) throw new Error(`exit ${res.exitCode}: ${res.stderr.toString()}`);
        return res;
      });
      assert.match(r.stdout.toString(), /^root:/);
    });

    test('sandbox and container are configured the dockershim way', async (t) => {
      const { runtime, nodeName } = await node(t, cidr(196));
      const config = pod('shape');
      const sid = await runtime.runPodSandbox(config);
      const cid = await runtime.createContainer(
        sid,
        container('app', { command: ['sleep', '3600'], resources: { cpuShares: 512, cpuPeriod: 100_000, cpuQuota: 50_000, memoryLimitInBytes: 64 * 1024 * 1024 } }),
        config,
      );
      const s = await docker.getContainer(sid).inspect();
      const m = config.metadata;
      assert.equal(s.Name, `/k8s_POD_${m.name}_${m.namespace}_${m.uid}_${m.attempt}`);
      assert.equal(s.Config.Image, DEFAULT_PAUSE_IMAGE);
      assert.equal(s.Config.Hostname, 'shape');
      assert.equal(s.HostConfig.NetworkMode, 'none', 'CNI attaches the sandbox, not Docker');
      assert.equal(s.HostConfig.IpcMode, 'shareable');
      assert.equal(s.HostConfig.RestartPolicy?.Name, 'no');
      assert.equal(s.Config.Labels['io.kubernetes.docker.type'], 'podsandbox');
      const c = await docker.getContainer(cid).inspect();
      assert.equal(c.Name, `/k8s_app_${m.name}_${m.namespace}_${m.uid}_2`);
      assert.equal(c.HostConfig.NetworkMode, `container:${sid}`);
      assert.equal(c.HostConfig.IpcMode, `container:${sid}`);
      assert.deepEqual(c.HostConfig.LogConfig, { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '2' } });
      assert.equal(c.HostConfig.CpuShares, 512);
      assert.equal(c.HostConfig.CpuPeriod, 100_000);
      assert.equal(c.HostConfig.CpuQuota, 50_000);
      assert.equal(c.HostConfig.Memory, 64 * 1024 * 1024);
      assert.equal(c.Config.Labels['io.kubernetes.docker.type'], 'container');
      assert.equal(c.Config.Labels[LABEL_NODE_NAME], nodeName);
      const pause = await docker.getImage(DEFAULT_PAUSE_IMAGE).inspect();
      assert.deepEqual(pause.Config.Cmd, ['/pause']);
    });

    test('a sandbox before ensurePodNetwork fails clearly; a stale sandbox of the same attempt is replaced', async (t) => {
      const { runtime } = await node(t);
      await assert.rejects(runtime.runPodSandbox(pod('early')), (err) => {
        assert.equal((err as RuntimeError).code, 'CreateFailed');
        assert.match((err as Error).message, /ensurePodNetwork/);
        return true;
      });
      assert.deepEqual(await runtime.listPodSandbox(), [], 'a failed sandbox leaves nothing behind');
      await runtime.ensurePodNetwork(cidr(193));
      const first = await runtime.runPodSandbox(pod('again'));
      const second = await runtime.runPodSandbox(pod('again'));
      assert.notEqual(second, first);
      assert.deepEqual((await runtime.listPodSandbox()).map((s) => s.id), [second]);
    });

    test('a hostPort mapping reaches the pod from the host', async (t) => {
      const { runtime } = await node(t, cidr(195));
      const hostPort = await freePort();
      const config = pod('ports', { portMappings: [{ protocol: 'TCP', containerPort: 8080, hostPort, hostIp: '127.0.0.1' }] });
      const sid = await runtime.runPodSandbox(config);
      const cid = await runtime.createContainer(sid, container('web', { command: ['httpd', '-f', '-p', '8080', '-h', '/etc'] }), config);
      await runtime.startContainer(cid);
      const res = await retry('GET via hostPort', () => httpGet(`http://127.0.0.1:${hostPort}/group`));
      assert.equal(res.status, 200);
      assert.match(res.body, /^root:/);
      assert.ok((await iptablesLinesAbout(`--dport ${hostPort} `)).length > 0, 'portmap wrote its DNAT rules');
      await runtime.removePodSandbox(sid);
      assert.deepEqual(await iptablesLinesAbout(`--dport ${hostPort} `), [], 'CNI DEL removed the hostPort rules');
      assert.deepEqual(await iptablesLinesAbout(sid), [], 'and every rule naming the sandbox');
    });

    test('the CRI log path is a link to the container log, removed with the container', async (t) => {
      const { runtime } = await node(t, cidr(194));
      const dir = await mkdtemp(join(tmpdir(), 'skiff-logs-'));
      t.after(() => rm(dir, { recursive: true, force: true }));
      const logPath = join(dir, 'pods', 'app', '0.log');
      const config = pod('logs');
      const sid = await runtime.runPodSandbox(config);
      const cid = await runtime.createContainer(sid, container('app', { command: ['sh', '-c', 'echo hello-log'], logPath }), config);
      await runtime.startContainer(cid);
      const { readFile } = await import('node:fs/promises');
      const text = await retry('log line', async () => {
        const t = await readFile(logPath, 'utf8');
        if (!t.includes('hello-log')) throw new Error('not yet');
        return t;
      });
      assert.match(text, /"log":"hello-log\\n"/);
      await runtime.removeContainer(cid);
      assert.equal(existsSync(logPath), false);
    });

    test('our pause image runs in a container, stays up and ignores SIGTERM', async (t) => {
      const name = `skiff-test/pause-${process.pid}:1`;
      t.after(() => docker.getImage(name).remove({ force: true }).catch(() => undefined));
      const importer = dockerRootfsImporter(docker);
      assert.equal(await ensurePauseImage(importer, name), true);
      assert.equal(await ensurePauseImage(importer, name), false);
      const img = await docker.getImage(name).inspect();
      assert.deepEqual(img.Config.Cmd, ['/pause']);
      assert.ok(img.Size < 4096, `image is ${img.Size} bytes`);
      const c = await docker.createContainer({ Image: name, name: `skiff-pause-check-${process.pid}` });
      t.after(() => c.remove({ force: true }));
      await c.start();
      await sleep(1000);
      await c.kill({ signal: 'SIGTERM' });
      await sleep(500);
      const s = await c.inspect();
      assert.equal(s.State.Running, true, `pause exited: ${s.State.ExitCode} ${s.State.Error}`);
      const top = await c.top();
      assert.ok(JSON.stringify(top.Processes).includes('/pause'), JSON.stringify(top.Processes));
      await c.kill({ signal: 'SIGKILL' });
    });

    test('the busybox fixture has its applets, and saves as a docker-save tarball', async (t) => {
      const { runtime } = await node(t, cidr(192));
      const config = pod('applets');
      const sid = await runtime.runPodSandbox(config);
      const script = 'for a in sh sleep httpd nc wget cat ls env hostname ip ps kill grep head tail date id seq dd; do command -v $a >/dev/null || exit 1; done; test -d /tmp && grep -q "^root:" /etc/passwd /etc/group';
      const cid = await runtime.createContainer(sid, container('check', { command: ['sh', '-c', script] }), config);
      await runtime.startContainer(cid);
      const s = await retry('exit', async () => {
        const st = await runtime.containerStatus(cid);
        if (st.state !== 'exited') throw new Error(st.state);
        return st;
      });
      assert.equal(s.exitCode, 0, 'an applet or /etc file is missing');
      const dir = await mkdtemp(join(tmpdir(), 'skiff-save-'));
      t.after(() => rm(dir, { recursive: true, force: true }));
      const tarPath = join(dir, 'sub', 'busybox.tar');
      await saveImage(busybox, tarPath, SOCKET);
      const { stdout } = await promisify(execFile)('tar', ['-tf', tarPath]);
      assert.match(stdout, /^manifest\.json$/m);
      assert.match(stdout, /layer\.tar$/m);
    });

    test('pullImage pulls from a registry on loopback', async (t) => {
      // scripts/host-setup.sh installs it; a missing registry is a failure, never a skip.
      assert.ok(existsSync('/usr/bin/docker-registry'), 'docker-registry is not installed: run scripts/host-setup.sh (apt-get install -y docker-registry)');
      const { runtime } = await node(t);
      const port = await freePort();
      const dir = await mkdtemp(join(tmpdir(), 'skiff-registry-'));
      t.after(() => rm(dir, { recursive: true, force: true }));
      await writeFile(
        join(dir, 'config.yml'),
        `version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: ${dir}/data\nhttp:\n  addr: 127.0.0.1:${port}\n`,
      );
      const registry = spawn('/usr/bin/docker-registry', ['serve', join(dir, 'config.yml')], { stdio: 'ignore' });
      t.after(() => {
        registry.kill('SIGKILL');
      });
      await retry('registry up', async () => {
        const r = await httpGet(`http://127.0.0.1:${port}/v2/`);
        if (r.status !== 200) throw new Error(`status ${r.status}`);
      });
      // Docker treats 127.0.0.0/8 registries as insecure (plain HTTP) by default.
      const repo = `127.0.0.1:${port}/skiff-test/busybox`;
      const ref = `${repo}:pulled`;
      await docker.getImage(busybox).tag({ repo, tag: 'pulled' });
      t.after(() => docker.getImage(ref).remove().catch(() => undefined));
      await followProgress(docker, await docker.getImage(ref).push({ authconfig: {} }));
      await docker.getImage(ref).remove();
      assert.equal(await runtime.imageStatus(ref), undefined);
      const started = performance.now();
      const id = await runtime.pullImage(ref);
      t.diagnostic(`pull took ${(performance.now() - started).toFixed(0)} ms`);
      assert.equal(id, (await docker.getImage(busybox).inspect()).Id);
      assert.equal((await runtime.imageStatus(ref))?.id, id);
      await runtime.removeImage(ref);
      assert.equal(await runtime.imageStatus(ref), undefined);
      await assert.rejects(runtime.pullImage(`${repo}:no-such-tag`), (err) => (err as RuntimeError).code === 'PullFailed');
    });
  });
}
