// The runtime conformance suite and containerd-specific checks against Skiff's standalone
// containerd (scripts/host-setup.sh starts it). Without its socket this file fails, it
// does not skip: the runtime is the product.

import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, readlink, rm, writeFile } from 'node:fs/promises';
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ContainerdRuntime } from '../agent/runtime/cri/containerd-runtime.js';
import { CriClient } from '../agent/runtime/cri/cri-client.js';
import { CONFLIST_FILE } from '../agent/runtime/cri/pod-network.js';
import { cniConfDir } from '../agent/runtime/cri/plugin-config.js';
import { cniNetworkName } from '../agent/runtime/cni/pod-conflist.js';
import { runtimeConformance } from '../agent/runtime/runtime-conformance.js';
import type { RuntimeError } from '../agent/runtime/errors.js';
import { DEFAULT_PAUSE_IMAGE, pauseRootfsTar } from '../agent/runtime/pause-image.js';
import { ociImageArchive } from '../agent/runtime/cri/oci-archive.js';
import { ctrImport } from '../agent/runtime/cri/ctr-import.js';
import { LABEL_NODE_NAME, type ContainerConfig, type PodSandboxConfig } from '../agent/runtime/runtime.js';
import { CONTAINERD_SOCKET, ensureContainerdTestImages, lockContainerdPodNetwork } from './fixtures/images.js';
import { freePort } from './lib/cluster.js';
import { httpGet, retry } from './lib/http.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Pod ranges for the tests below: 10.198/16, apart from the conformance suites' 10.199/16. */
function specificsPodCIDR(n: number): string {
  return `10.198.${(process.pid + n) % 256}.0/24`;
}
let nodeCounter = 0;

if (!existsSync(CONTAINERD_SOCKET)) {
  test('containerd runtime', () => {
    assert.fail(`no containerd socket at ${CONTAINERD_SOCKET}: run scripts/host-setup.sh (it starts Skiff's containerd beside dockerd)`);
  });
} else {
  const images = () => ensureContainerdTestImages(CONTAINERD_SOCKET);
  let releaseLock: (() => Promise<void>) | undefined;
  before(async () => {
    releaseLock = await lockContainerdPodNetwork();
  });
  after(async () => {
    await releaseLock?.();
  });

  /** Removes every sandbox (and so every container) a test node left in containerd. */
  async function removeNode(nodeName: string): Promise<void> {
    const cri = new CriClient(CONTAINERD_SOCKET);
    try {
      const r = await cri.runtime<{ items: Array<{ id: string }> }>('ListPodSandbox', { filter: { label_selector: { [LABEL_NODE_NAME]: nodeName } } });
      for (const s of r.items) {
        await cri.runtime('StopPodSandbox', { pod_sandbox_id: s.id }).catch(() => undefined);
        await cri.runtime('RemovePodSandbox', { pod_sandbox_id: s.id }).catch(() => undefined);
      }
    } finally {
      cri.close();
    }
  }

  async function makeRuntime(): Promise<{ runtime: ContainerdRuntime; nodeName: string; logRoot: string; cleanup: () => Promise<void> }> {
    const nodeName = `crconf-${process.pid}-${++nodeCounter}`;
    const logRoot = await mkdtemp(join(tmpdir(), 'skiff-cri-logs-'));
    const runtime = new ContainerdRuntime({ socketPath: CONTAINERD_SOCKET, nodeName, logRoot });
    return {
      runtime,
      nodeName,
      logRoot,
      cleanup: async () => {
        await removeNode(nodeName);
        await runtime.deletePodNetwork();
        await runtime.close();
        await rm(logRoot, { recursive: true, force: true });
      },
    };
  }

  // 10.197/16: apart from the Docker suite's 10.199/16 when both files run at once.
  runtimeConformance('containerd', makeRuntime, images, `10.197.${process.pid % 256}.0/24`);

  describe('containerd runtime specifics', () => {
    let busybox: string;
    before(async () => {
      busybox = (await images()).busybox;
    });

    async function node(t: TestContext, podCIDR?: string): Promise<Awaited<ReturnType<typeof makeRuntime>>> {
      const made = await makeRuntime();
      t.after(made.cleanup);
      if (podCIDR) await made.runtime.ensurePodNetwork(podCIDR);
      return made;
    }

    function pod(name: string, over: Partial<PodSandboxConfig> = {}): PodSandboxConfig {
      return {
        metadata: { name, namespace: 'containerd-test', uid: `uid-${process.pid}-${name}`, attempt: 1 },
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
      const rt = new ContainerdRuntime({ socketPath: '/tmp/skiff-no-such-containerd.sock', nodeName: 'nobody', logRoot: tmpdir() });
      try {
        for (const call of [() => rt.version(), () => rt.listContainers(), () => rt.listPodSandbox()]) {
          await assert.rejects(call(), (err) => {
            assert.equal((err as RuntimeError).code, 'Unavailable', (err as Error).message);
            assert.match((err as Error).message, /\/tmp\/skiff-no-such-containerd\.sock/);
            assert.doesNotMatch((err as Error).message, /\n/);
            return true;
          });
        }
      } finally {
        await rt.close();
      }
    });

    test('the pod network is a conflist in containerd\'s CNI dir that containerd has loaded', async (t) => {
      const { runtime, nodeName } = await node(t);
      const cri = new CriClient(CONTAINERD_SOCKET);
      t.after(() => cri.close());
      const dir = await cniConfDir(cri);
      const cidr = specificsPodCIDR(7);
      await runtime.ensurePodNetwork(cidr);
      const written = JSON.parse(await readFile(join(dir, CONFLIST_FILE), 'utf8')) as { name: string; plugins: Array<{ type: string }> };
      assert.equal(written.name, cniNetworkName(nodeName));
      assert.deepEqual(written.plugins.map((p) => p.type), ['bridge', 'portmap', 'firewall']);
      const status = await cri.runtime<{ info: Record<string, string> }>('Status', { verbose: true });
      assert.match(status.info['cniconfig'] ?? '', new RegExp(cidr.replace(/\./g, '\\.').replace('/', '\\/')));
      await assert.rejects(runtime.ensurePodNetwork('not-a-cidr'), (err) => (err as RuntimeError).code === 'CreateFailed');
    });

    test('a hostPort mapping reaches the pod from the host (portmap)', async (t) => {
      const { runtime } = await node(t, specificsPodCIDR(11));
      const hostPort = await freePort();
      const config = pod('ports', { portMappings: [{ protocol: 'TCP', containerPort: 8080, hostPort, hostIp: '127.0.0.1' }] });
      const sid = await runtime.runPodSandbox(config);
      const cid = await runtime.createContainer(sid, container('web', { command: ['httpd', '-f', '-p', '8080', '-h', '/etc'] }), config);
      await runtime.startContainer(cid);
      const res = await retry('GET via hostPort', () => httpGet(`http://127.0.0.1:${hostPort}/group`));
      assert.equal(res.status, 200);
      assert.match(res.body, /^root:/);
    });

    test('logs: CRI log files under the log root, a link where asked, follow ends with the container', async (t) => {
      const { runtime, logRoot } = await node(t, specificsPodCIDR(13));
      const link = join(logRoot, 'asked', 'app', '0.log');
      const config = pod('logs');
      const sid = await runtime.runPodSandbox(config);
      const cid = await runtime.createContainer(
        sid,
        // stdout and stderr reach the file through separate copiers: the pause keeps their order.
        container('app', { command: ['sh', '-c', 'echo hello-log; printf partial; sleep 1; echo " end"; sleep 0.3; echo to-stderr >&2'], logPath: link }),
        config,
      );
      await runtime.startContainer(cid);
      assert.deepEqual((await runtime.containerStatus(cid)).labels, {}, 'the runtime\'s own labels stay its own');
      const chunks: Buffer[] = [];
      const followed = await runtime.containerLogs(cid, { follow: true, timestamps: false }, new AbortController().signal);
      for await (const c of followed as AsyncIterable<Buffer>) chunks.push(c);
      assert.equal(Buffer.concat(chunks).toString(), 'hello-log\npartial end\nto-stderr\n');
      const target = await readlink(link);
      assert.ok(target.startsWith(logRoot), `${link} → ${target}`);
      assert.match(await readFile(link, 'utf8'), /^\S+ stdout F hello-log$/m);
      const tail: Buffer[] = [];
      for await (const c of (await runtime.containerLogs(cid, { follow: false, timestamps: true, tailLines: 1 }, new AbortController().signal)) as AsyncIterable<Buffer>) tail.push(c);
      assert.match(Buffer.concat(tail).toString(), /^\d{4}-\d\d-\d\dT\S+Z to-stderr\n$/);
      await runtime.removeContainer(cid);
      assert.equal(existsSync(link), false);
      // The pod's log directory is shared by its sandbox attempts: it goes with the last one.
      const logDir = join(logRoot, `${config.metadata.namespace}_${config.metadata.name}_${config.metadata.uid}`);
      const next = await runtime.runPodSandbox({ ...config, metadata: { ...config.metadata, attempt: 2 } });
      await runtime.removePodSandbox(sid);
      assert.equal(existsSync(logDir), true, 'removing an older attempt took the pod\'s log directory');
      await runtime.removePodSandbox(next);
      assert.equal(existsSync(logDir), false);
    });

    test('logs are rotated past the size limit, and a follower reads on across rotations', async (t) => {
      const nodeName = `crconf-${process.pid}-${++nodeCounter}`;
      const logRoot = await mkdtemp(join(tmpdir(), 'skiff-cri-logs-'));
      const runtime = new ContainerdRuntime({ socketPath: CONTAINERD_SOCKET, nodeName, logRoot, logRotation: { maxBytes: 4096, maxFiles: 2 }, logRotationIntervalMs: 100 });
      t.after(async () => {
        await removeNode(nodeName);
        await runtime.deletePodNetwork();
        await runtime.close();
        await rm(logRoot, { recursive: true, force: true });
      });
      await runtime.ensurePodNetwork(specificsPodCIDR(23));
      const config = pod('rotate');
      const sid = await runtime.runPodSandbox(config);
      // 400 numbered lines of ~60 bytes in the log (~24 KiB), a few per rotation interval.
      const script = 'i=0; while [ $i -lt 400 ]; do echo "line-$i-xxxxxxxxxxxxxxxxxxxxxx"; i=$((i+1)); [ $((i % 20)) = 0 ] && sleep 0.1; done';
      const cid = await runtime.createContainer(sid, container('chatty', { command: ['sh', '-c', script] }), config);
      const chunks: Buffer[] = [];
      await runtime.startContainer(cid);
      const followed = await runtime.containerLogs(cid, { follow: true, timestamps: false }, new AbortController().signal);
      for await (const c of followed as AsyncIterable<Buffer>) chunks.push(c);
      const lines = Buffer.concat(chunks).toString().trim().split('\n');
      assert.deepEqual(lines.map((l) => Number(/^line-(\d+)-/.exec(l)?.[1])), Array.from({ length: 400 }, (_, i) => i), 'every line once, in order');
      const logPath = join(logRoot, `containerd-test_rotate_uid-${process.pid}-rotate`, 'chatty', '2.log');
      const files = (await readdir(dirname(logPath))).sort();
      assert.ok(files.length === 2 && files[0] === '2.log' && /^2\.log\.\d{8}-\d{6}\.\d{3}$/.test(files[1]!), `kept ${files.join(', ')}`);
    });

    test('execSync, and exec through containerd\'s streaming server: exit codes, stdin end, large output, TTY', async (t) => {
      const { runtime } = await node(t, specificsPodCIDR(17));
      const config = pod('exec');
      const sid = await runtime.runPodSandbox(config);
      const cid = await runtime.createContainer(sid, container('app', { command: ['sleep', '3600'] }), config);
      await runtime.startContainer(cid);
      const r = await runtime.execSync(cid, ['sh', '-c', 'echo out; echo err >&2; exit 3'], 10);
      assert.deepEqual([r.stdout.toString(), r.stderr.toString(), r.exitCode], ['out\n', 'err\n', 3]);

      const plain = await runtime.exec(cid, { cmd: ['sh', '-c', 'echo o; echo e >&2; exit 5'], tty: false, stdin: false, stdout: true, stderr: true });
      const collect = async (s: NodeJS.ReadableStream | undefined) => {
        const parts: Buffer[] = [];
        for await (const c of (s ?? []) as AsyncIterable<Buffer>) parts.push(c);
        return Buffer.concat(parts).toString();
      };
      assert.deepEqual(await Promise.all([collect(plain.stdout), collect(plain.stderr), plain.exitCode()]), ['o\n', 'e\n', 5]);

      // stdin's end reaches the process (cat exits), and a large output arrives whole.
      const cat = await runtime.exec(cid, { cmd: ['sh', '-c', 'cat; echo done'], tty: false, stdin: true, stdout: true, stderr: true });
      const catOut = collect(cat.stdout);
      cat.stdin!.end('hi\nthere\n');
      assert.equal(await catOut, 'hi\nthere\ndone\n');
      assert.equal(await cat.exitCode(), 0);
      // Two at once, one read slowly: each connection is held back alone, and both end.
      const bigOne = async (slow: boolean) => {
        const big = await runtime.exec(cid, { cmd: ['sh', '-c', 'head -c 3000000 /dev/zero'], tty: false, stdin: false, stdout: true, stderr: false });
        let n = 0;
        for await (const c of big.stdout as AsyncIterable<Buffer>) {
          n += c.length;
          if (slow) await sleep(2);
        }
        return [n, await big.exitCode()];
      };
      assert.deepEqual(await Promise.all([bigOne(true), bigOne(false)]), [[3_000_000, 0], [3_000_000, 0]]);

      const tty = await runtime.exec(cid, { cmd: ['sh'], tty: true, stdin: true, stdout: true, stderr: true });
      await tty.resize(100, 40);
      let seen = '';
      const ended = new Promise<void>((r) => tty.stdout!.once('end', () => r()));
      tty.stdout!.on('data', (c: Buffer) => (seen += c.toString()));
      // The resize travels on its own stream, so the shell may read a command before the
      // terminal has its size (seen once: "stty: standard input"): ask until it has.
      for (let i = 0; i < 25 && !/40 100/.test(seen); i++) {
        tty.stdin!.write('stty size\n');
        await sleep(200);
      }
      tty.stdin!.write('echo $((40+2))\n');
      await sleep(300);
      tty.stdin!.end(); // the shell reads end-of-file and exits 0
      assert.equal(await tty.exitCode(), 0);
      await ended;
      const text = seen;
      assert.match(text, /40 100/, 'the terminal got the size sent');
      assert.match(text, /42/);
    });

    test('pullImage pulls from a registry on loopback; removeImage removes it', async (t) => {
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
      // An image of this test's own (the CRI removes an image with all its names, so not a
      // shared one), pushed from containerd with ctr (plain HTTP on loopback), then removed.
      const ref = `127.0.0.1:${port}/skiff-test/pull-${process.pid}:1`;
      // It never runs: any root filesystem will do, labelled for this platform.
      const { archive } = ociImageArchive({ name: ref, rootfsTar: pauseRootfsTar('x64'), config: { Cmd: ['/pause'], Labels: { 'io.skiff.test.pid': String(process.pid) } }, arch: process.arch });
      await ctrImport({ socketPath: CONTAINERD_SOCKET, archive });
      const ctr = (...args: string[]) => promisify(execFile)('ctr', ['--address', CONTAINERD_SOCKET, '--namespace', 'k8s.io', ...args]);
      t.after(() => ctr('images', 'remove', ref).catch(() => undefined));
      const imported = await runtime.imageStatus(ref);
      assert.ok(imported);
      await ctr('images', 'push', '--plain-http', ref);
      await runtime.removeImage(ref);
      assert.equal(await runtime.imageStatus(ref), undefined);
      const started = performance.now();
      const id = await runtime.pullImage(ref);
      t.diagnostic(`pull took ${(performance.now() - started).toFixed(0)} ms`);
      assert.equal(id, imported.id);
      assert.equal((await runtime.imageStatus(ref))?.id, id);
      assert.ok((await runtime.listImages()).some((i) => i.id === id && i.repoTags.includes(ref)));
      await runtime.removeImage(ref);
      assert.equal(await runtime.imageStatus(ref), undefined);
      await runtime.removeImage(ref);
      await assert.rejects(runtime.pullImage(`127.0.0.1:${port}/skiff-test/pull-${process.pid}:no-such-tag`), (err) => {
        assert.equal((err as RuntimeError).code, 'PullFailed');
        assert.match((err as Error).message, /no-such-tag/);
        return true;
      });
    });

    test('a sandbox uses our pause image, imported without a registry', async (t) => {
      const { runtime } = await node(t, specificsPodCIDR(19));
      await runtime.runPodSandbox(pod('pause'));
      const img = await runtime.imageStatus(DEFAULT_PAUSE_IMAGE);
      assert.ok(img, 'pause image present');
      assert.ok(img.size < 8192, `pause image is ${img.size} bytes`);
      assert.match(img.id, /^sha256:[0-9a-f]{64}$/);
    });
  });
}
