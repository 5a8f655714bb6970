// One behavioural test suite for every ContainerRuntime (Docker, containerd): what the
// kubelet relies on, checked against the real daemon. A runtime file calls
// runtimeConformance(name, makeRuntime, images) from its own *.test.ts.
//
// Needs: a busybox image (sh, sleep, httpd, wget, head, tail, hostname, …) and a runtime
// whose pods get an address on a bridge of this machine. All traffic stays on the machine:
// the only packets sent go to the pods' own loopback, and to a pod IP after checking that
// the route to it is a local bridge.

import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, statfs, writeFile } from 'node:fs/promises';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { RuntimeError } from './errors.js';
import { DEFAULT_PAUSE_IMAGE } from './pause-image.js';
import {
  ANNOTATION_POD_SANDBOX_ATTEMPT,
  ANNOTATION_RESTART_COUNT,
  LABEL_CONTAINER_NAME,
  LABEL_POD_NAME,
  LABEL_POD_NAMESPACE,
  LABEL_POD_UID,
  type ContainerConfig,
  type ContainerRuntime,
  type ContainerStatus,
  type PodSandboxConfig,
  type RuntimeEvent,
} from './runtime.js';

export interface RuntimeUnderTest {
  runtime: ContainerRuntime;
  /** Removes everything the runtime created (containers, sandboxes, network). */
  cleanup: () => Promise<void>;
}

/** A /24 in 10.199.0.0/16 picked from the pid, so concurrent test processes rarely meet. */
export function conformancePodCIDR(pid = process.pid): string {
  return `10.199.${pid % 256}.0/24`;
}

function ipInCidr(ip: string, cidr: string): boolean {
  const toInt = (s: string) => s.split('.').reduce((n, p) => n * 256 + Number(p), 0);
  const [base, bits] = cidr.split('/') as [string, string];
  const mask = Number(bits) === 0 ? 0 : (0xffffffff << (32 - Number(bits))) >>> 0;
  return /^\d+\.\d+\.\d+\.\d+$/.test(ip) && ((toInt(ip) & mask) >>> 0) === ((toInt(base) & mask) >>> 0);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function codeOf(err: unknown): string | undefined {
  return (err as RuntimeError | undefined)?.code;
}

/** Resolves only if the route to ip leaves through a local interface, not a gateway. */
async function assertLocalRoute(ip: string): Promise<void> {
  const { stdout } = await promisify(execFile)('ip', ['-4', 'route', 'get', ip]);
  assert.ok(!/\svia\s/.test(stdout), `refusing to send to ${ip}: it is routed through a gateway (${stdout.trim()}), not a local bridge`);
}

function httpGet(url: string, timeoutMs: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = get(url, { timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
  });
}

export function runtimeConformance(
  name: string,
  makeRuntime: () => Promise<RuntimeUnderTest>,
  images: () => Promise<{ busybox: string }>,
  /** Each runtime's suite its own range, so their files running at once never share a subnet. */
  podCIDR = conformancePodCIDR(),
): void {
  describe(`runtime conformance: ${name}`, () => {
    const cleanups: Array<() => Promise<void>> = [];
    let rt: ContainerRuntime;
    let busybox: string;

    before(async () => {
      busybox = (await images()).busybox;
      const made = await makeRuntime();
      cleanups.push(made.cleanup);
      rt = made.runtime;
      await rt.ensurePodNetwork(podCIDR);
    });

    after(async () => {
      for (const c of cleanups.reverse()) await c();
    });

    let podCounter = 0;
    function sandboxConfig(attempt = 0): PodSandboxConfig {
      const podName = `conf-${process.pid}-${++podCounter}`;
      const metadata = { name: podName, namespace: 'conformance', uid: randomUUID(), attempt };
      return {
        metadata,
        hostname: podName,
        portMappings: [],
        labels: { app: podName, [LABEL_POD_NAME]: podName, [LABEL_POD_NAMESPACE]: 'conformance', [LABEL_POD_UID]: metadata.uid },
        annotations: { [ANNOTATION_POD_SANDBOX_ATTEMPT]: String(attempt), 'example.com/owner': 'conformance suite' },
      };
    }

    interface Pod {
      id: string;
      config: PodSandboxConfig;
    }

    async function runPod(t: TestContext, config = sandboxConfig()): Promise<Pod> {
      const id = await rt.runPodSandbox(config);
      t.after(() => rt.removePodSandbox(id));
      return { id, config };
    }

    function containerConfig(pod: Pod, name: string, over: Partial<ContainerConfig> = {}): ContainerConfig {
      const m = pod.config.metadata;
      return {
        metadata: { name, attempt: 0 },
        image: busybox,
        envs: [],
        labels: { [LABEL_POD_NAME]: m.name, [LABEL_POD_NAMESPACE]: m.namespace, [LABEL_POD_UID]: m.uid, [LABEL_CONTAINER_NAME]: name },
        annotations: { [ANNOTATION_RESTART_COUNT]: '0' },
        resources: {},
        ...over,
      };
    }

    async function runContainer(pod: Pod, config: ContainerConfig): Promise<string> {
      const id = await rt.createContainer(pod.id, config, pod.config);
      await rt.startContainer(id);
      return id;
    }

    async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
      const deadline = Date.now() + timeoutMs;
      let last: unknown;
      for (;;) {
        try {
          const v = await fn();
          if (v !== undefined) return v;
        } catch (err) {
          last = err;
        }
        if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
        await sleep(50);
      }
    }

    async function waitExited(id: string, timeoutMs = 15_000): Promise<ContainerStatus> {
      return waitFor(`container ${id.slice(0, 12)} to exit`, async () => {
        const s = await rt.containerStatus(id);
        return s.state === 'exited' ? s : undefined;
      }, timeoutMs);
    }

    test('reports its name and version', async () => {
      const v = await rt.version();
      assert.ok(v.runtimeName.length > 0 && v.runtimeVersion.length > 0 && v.scheme.length > 0, JSON.stringify(v));
    });

    test('runs a sandbox with an address from the pod CIDR, and lists it', async (t) => {
      const config = sandboxConfig(1);
      const started = performance.now();
      const pod = await runPod(t, config);
      const ms = performance.now() - started;
      t.diagnostic(`runPodSandbox took ${ms.toFixed(0)} ms`);
      const s = await rt.podSandboxStatus(pod.id);
      assert.equal(s.id, pod.id);
      assert.equal(s.state, 'ready');
      assert.ok(ipInCidr(s.ip, podCIDR), `sandbox IP "${s.ip}" is not in ${podCIDR}`);
      assert.deepEqual(s.metadata, config.metadata);
      assert.deepEqual(s.labels, config.labels);
      assert.deepEqual(s.annotations, config.annotations);
      assert.ok(s.createdAt > 0n);

      const listed = await rt.listPodSandbox();
      const mine = listed.find((x) => x.id === pod.id);
      assert.ok(mine, 'listPodSandbox shows the sandbox');
      assert.equal(mine.state, 'ready');
      assert.deepEqual(mine.metadata, config.metadata);
      assert.deepEqual(mine.labels, config.labels);
      assert.deepEqual(mine.annotations, config.annotations);
      assert.deepEqual((await rt.listPodSandbox({ labelSelector: { app: config.metadata.name } })).map((x) => x.id), [pod.id]);
      assert.deepEqual((await rt.listPodSandbox({ labelSelector: { [LABEL_POD_UID]: config.metadata.uid } })).map((x) => x.id), [pod.id]);
      assert.ok(!(await rt.listPodSandbox({ state: 'notready' })).some((x) => x.id === pod.id));
    });

    test('starts a sandbox and a container quickly and reports the container running', async (t) => {
      const started = performance.now();
      const pod = await runPod(t);
      const sandboxMs = performance.now() - started;
      const config = containerConfig(pod, 'sleeper', { command: ['sleep', '3600'] });
      const id = await runContainer(pod, config);
      const totalMs = performance.now() - started;
      t.diagnostic(`sandbox ${sandboxMs.toFixed(0)} ms, sandbox + container ${totalMs.toFixed(0)} ms`);
      const s = await rt.containerStatus(id);
      assert.equal(s.state, 'running');
      assert.equal(s.podSandboxId, pod.id);
      assert.deepEqual(s.metadata, config.metadata);
      assert.equal(s.image, busybox);
      assert.match(s.imageRef, /^sha256:[0-9a-f]{64}$/);
      assert.ok(s.startedAt > 0n && s.createdAt > 0n && s.startedAt >= s.createdAt - 1_000_000_000n);
      assert.equal(s.finishedAt, 0n);
      assert.equal(s.reason, '');
      const listed = await rt.listContainers({ podSandboxId: pod.id });
      assert.deepEqual(listed.map((c) => [c.id, c.state, c.podSandboxId]), [[id, 'running', pod.id]]);
      assert.ok((await rt.listContainers({ state: 'running' })).some((c) => c.id === id));
      assert.ok(!(await rt.listContainers({ state: 'exited' })).some((c) => c.id === id));
    });

    test('containers share the sandbox network namespace and hostname', async (t) => {
      const pod = await runPod(t);
      const ip = (await rt.podSandboxStatus(pod.id)).ip;
      await runContainer(pod, containerConfig(pod, 'server', { command: ['httpd', '-f', '-p', '8080', '-h', '/etc'] }));
      // Only the shared namespace makes the server reachable on the client's own loopback.
      const script =
        `test "$(hostname)" = "${pod.config.hostname}" || exit 9; ` +
        'for i in $(seq 1 100); do wget -q -O /dev/null http://127.0.0.1:8080/passwd && exit 0; sleep 0.1; done; exit 1';
      const client = await runContainer(pod, containerConfig(pod, 'client', { command: ['sh', '-c', script] }));
      const s = await waitExited(client);
      assert.equal(s.exitCode, 0, s.exitCode === 9 ? 'hostname is not the sandbox hostname' : 'client could not reach the server on 127.0.0.1');
      assert.equal(s.reason, 'Completed');
      // The pod IP answers from this host too (the route check keeps packets on this machine).
      await assertLocalRoute(ip);
      const res = await waitFor('the pod IP to answer', async () => httpGet(`http://${ip}:8080/passwd`, 2000), 10_000);
      assert.equal(res.status, 200);
      assert.match(res.body, /^root:/);
    });

    test('honours command, args, env and workingDir', async (t) => {
      const pod = await runPod(t);
      const script = 'test "$FOO" = bar && test "$SPACED" = "a b" && test "$(pwd)" = /etc && test "$0" = first && test "$1" = second && exit 42';
      const all = await runContainer(
        pod,
        containerConfig(pod, 'all', {
          command: ['sh', '-c', script],
          args: ['first', 'second'],
          envs: [
            { key: 'FOO', value: 'bar' },
            { key: 'SPACED', value: 'a b' },
          ],
          workingDir: '/etc',
        }),
      );
      // args alone replace the image's default command
      const argsOnly = await runContainer(pod, containerConfig(pod, 'args-only', { args: ['sh', '-c', 'exit 5'] }));
      const commandOnly = await runContainer(pod, containerConfig(pod, 'command-only', { command: ['sh', '-c', 'exit 6'] }));
      assert.equal((await waitExited(all)).exitCode, 42, 'env, workingDir, command and args all as given');
      assert.equal((await waitExited(argsOnly)).exitCode, 5);
      assert.equal((await waitExited(commandOnly)).exitCode, 6);
    });

    test('reports exit codes and reasons', async (t) => {
      const pod = await runPod(t);
      const ok = await runContainer(pod, containerConfig(pod, 'ok', { command: ['sh', '-c', 'exit 0'] }));
      const bad = await runContainer(pod, containerConfig(pod, 'bad', { command: ['sh', '-c', 'exit 3'] }));
      const s0 = await waitExited(ok);
      const s3 = await waitExited(bad);
      assert.deepEqual([s0.state, s0.exitCode, s0.reason], ['exited', 0, 'Completed']);
      assert.deepEqual([s3.state, s3.exitCode, s3.reason], ['exited', 3, 'Error']);
      for (const s of [s0, s3]) {
        assert.ok(s.startedAt > 0n, 'startedAt set');
        assert.ok(s.finishedAt >= s.startedAt, `finishedAt ${s.finishedAt} before startedAt ${s.startedAt}`);
        assert.ok(s.finishedAt - s.startedAt < 30_000_000_000n, 'ran for a plausible time');
      }
      assert.ok((await rt.listContainers({ state: 'exited', podSandboxId: pod.id })).length === 2);
    });

    test('listContainerStats: running containers only, CPU a growing counter, memory a working set', async (t) => {
      const pod = await runPod(t);
      // A busy loop, and 16 MiB kept in a shell variable (the echo after sleep keeps it alive).
      const spin = await runContainer(pod, containerConfig(pod, 'spin', { command: ['sh', '-c', 'while :; do :; done'] }));
      const hold = await runContainer(pod, containerConfig(pod, 'hold', { command: ['sh', '-c', 'x=$(head -c 16777216 /dev/zero | tr "\\0" a); sleep 3600; echo ${#x}'] }));
      const done = await runContainer(pod, containerConfig(pod, 'done', { command: ['true'] }));
      await waitExited(done);
      const read = async () => new Map((await rt.listContainerStats()).map((s) => [s.id, s]));
      const first = await waitFor('16 MiB held', async () => {
        const m = await read();
        return (m.get(hold)?.workingSetBytes ?? 0) >= 16 * 1024 * 1024 ? m : undefined;
      });
      assert.ok(!first.has(done), 'an exited container has no stats');
      await new Promise((r) => setTimeout(r, 1000));
      const second = await read();
      const a = first.get(spin)!;
      const b = second.get(spin)!;
      assert.ok(b.timestamp > a.timestamp, `sample time moves on: ${a.timestamp} → ${b.timestamp}`);
      const cores = Number(b.usageCoreNanoSeconds - a.usageCoreNanoSeconds) / Number(b.timestamp - a.timestamp);
      assert.ok(cores > 0.05, `a busy loop used ${cores.toFixed(3)} cores between two readings`);
      assert.equal(b.labels[LABEL_CONTAINER_NAME], 'spin');
      assert.equal(b.labels[LABEL_POD_UID], pod.config.metadata.uid);
    });

    test('a container over its memory limit is OOMKilled', async (t) => {
      const pod = await runPod(t);
      // tail -n 1 keeps everything until a newline that never comes: 64 MiB against 16 MiB.
      // Without a working limit it ends quietly with 0 ("Completed") and the test fails.
      const id = await runContainer(
        pod,
        containerConfig(pod, 'hog', {
          command: ['sh', '-c', 'head -c 67108864 /dev/zero | tail -n 1 > /dev/null'],
          resources: { memoryLimitInBytes: 16 * 1024 * 1024 },
        }),
      );
      const s = await waitExited(id, 30_000);
      assert.equal(s.reason, 'OOMKilled', `exit ${s.exitCode} ${s.reason} ${s.message}`);
      assert.notEqual(s.exitCode, 0);
    });

    test('stopContainer sends SIGTERM first', async (t) => {
      const pod = await runPod(t);
      const id = await runContainer(pod, containerConfig(pod, 'polite', { command: ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 0.1; done'] }));
      await waitFor('the trap to be set', async () => ((await rt.containerStatus(id)).state === 'running' ? true : undefined));
      await sleep(300);
      const started = performance.now();
      await rt.stopContainer(id, 10);
      const ms = performance.now() - started;
      const s = await rt.containerStatus(id);
      assert.equal(s.state, 'exited');
      assert.equal(s.exitCode, 0, 'the TERM handler ran');
      assert.ok(ms < 5000, `a process that exits on SIGTERM took ${ms.toFixed(0)} ms to stop`);
    });

    test('stopContainer kills a process that ignores SIGTERM after the timeout, not before', async (t) => {
      const pod = await runPod(t);
      const id = await runContainer(pod, containerConfig(pod, 'stubborn', { command: ['sh', '-c', 'trap "" TERM; while true; do sleep 0.1; done'] }));
      await sleep(300);
      const started = performance.now();
      await rt.stopContainer(id, 2);
      const ms = performance.now() - started;
      t.diagnostic(`stopContainer(timeout 2 s) took ${ms.toFixed(0)} ms`);
      const s = await rt.containerStatus(id);
      assert.equal(s.state, 'exited');
      assert.equal(s.exitCode, 137, 'SIGKILL');
      assert.ok(ms >= 1800, `killed after ${ms.toFixed(0)} ms, before the 2 s timeout`);
      assert.ok(ms < 6000, `killed only after ${ms.toFixed(0)} ms`);
    });

    test('labels, annotations, attempts and the restart count round-trip', async (t) => {
      const pod = await runPod(t, sandboxConfig(3));
      const base = containerConfig(pod, 'labelled');
      const config = containerConfig(pod, 'labelled', {
        metadata: { name: 'labelled', attempt: 2 },
        command: ['sleep', '3600'],
        labels: { ...base.labels, tier: 'backend', 'example.com/x': 'y' },
        annotations: { [ANNOTATION_RESTART_COUNT]: '4', 'example.com/note': 'hello, world = "quoted"' },
      });
      const id = await runContainer(pod, config);
      const s = await rt.containerStatus(id);
      assert.deepEqual(s.labels, config.labels);
      assert.deepEqual(s.annotations, config.annotations);
      assert.equal(s.annotations[ANNOTATION_RESTART_COUNT], '4');
      assert.deepEqual(s.metadata, { name: 'labelled', attempt: 2 });
      const listed = await rt.listContainers({ labelSelector: { tier: 'backend', [LABEL_POD_UID]: pod.config.metadata.uid } });
      assert.deepEqual(listed.map((c) => c.id), [id]);
      assert.deepEqual(listed[0]!.labels, config.labels);
      assert.deepEqual(listed[0]!.annotations, config.annotations);
      assert.deepEqual(listed[0]!.metadata, config.metadata);
      assert.deepEqual(await rt.listContainers({ labelSelector: { tier: 'frontend', [LABEL_POD_UID]: pod.config.metadata.uid } }), []);
      const sandbox = (await rt.listPodSandbox({ labelSelector: { [LABEL_POD_UID]: pod.config.metadata.uid } }))[0];
      assert.equal(sandbox?.metadata.attempt, 3);
    });

    test("another node's runtime can neither see nor touch this node's pods", async (t) => {
      const other = await makeRuntime();
      t.after(() => other.cleanup());
      const pod = await runPod(t);
      const id = await runContainer(pod, containerConfig(pod, 'mine', { command: ['sleep', '3600'] }));
      const o = other.runtime;
      assert.ok(!(await o.listContainers()).some((c) => c.id === id));
      assert.ok(!(await o.listPodSandbox()).some((s) => s.id === pod.id));
      assert.deepEqual(await o.listContainers({ labelSelector: { [LABEL_POD_UID]: pod.config.metadata.uid } }), []);
      await assert.rejects(o.containerStatus(id), (err) => codeOf(err) === 'NotFound');
      await assert.rejects(o.podSandboxStatus(pod.id), (err) => codeOf(err) === 'NotFound');
      await o.stopContainer(id, 0);
      await o.removeContainer(id);
      await o.stopPodSandbox(pod.id);
      await o.removePodSandbox(pod.id);
      assert.equal((await rt.containerStatus(id)).state, 'running', 'the other runtime stopped our container');
      assert.equal((await rt.podSandboxStatus(pod.id)).state, 'ready', 'the other runtime stopped our sandbox');
    });

    test('events report a container starting and dying, and end on abort', async (t) => {
      const pod = await runPod(t);
      const abort = new AbortController();
      t.after(() => abort.abort());
      const seen: RuntimeEvent[] = [];
      const consumer = (async () => {
        for await (const e of rt.events(abort.signal)) seen.push(e);
      })();
      // Give the stream time to attach before anything happens.
      await sleep(500);
      const id = await runContainer(pod, containerConfig(pod, 'brief', { command: ['sh', '-c', 'sleep 0.2'] }));
      await waitFor('started and stopped events', async () => {
        const types = seen.filter((e) => e.containerId === id).map((e) => e.type);
        return types.includes('started') && types.includes('stopped') ? types : undefined;
      }, 10_000);
      const started = seen.find((e) => e.containerId === id && e.type === 'started');
      assert.equal(started?.podUid, pod.config.metadata.uid);
      abort.abort();
      const ended = await Promise.race([consumer.then(() => true), sleep(3000).then(() => false)]);
      assert.ok(ended, 'the event stream did not end after abort');
    });

    test('stop and remove are idempotent', async (t) => {
      const pod = await runPod(t);
      const id = await runContainer(pod, containerConfig(pod, 'twice', { command: ['sleep', '3600'] }));
      await rt.stopContainer(id, 0);
      await rt.stopContainer(id, 0);
      assert.equal((await rt.containerStatus(id)).state, 'exited');
      await rt.removeContainer(id);
      await rt.removeContainer(id);
      await assert.rejects(rt.containerStatus(id), (err) => codeOf(err) === 'NotFound');
      await rt.stopContainer(id, 0);
      await rt.stopPodSandbox(pod.id);
      await rt.stopPodSandbox(pod.id);
      const s = await rt.podSandboxStatus(pod.id);
      assert.equal(s.state, 'notready');
      assert.equal(s.ip, '');
      await rt.removePodSandbox(pod.id);
      await rt.removePodSandbox(pod.id);
      await assert.rejects(rt.podSandboxStatus(pod.id), (err) => codeOf(err) === 'NotFound');
      const never = 'f'.repeat(64);
      await rt.stopContainer(never, 0);
      await rt.removeContainer(never);
      await rt.stopPodSandbox(never);
      await rt.removePodSandbox(never);
      await assert.rejects(rt.containerStatus(never), (err) => codeOf(err) === 'NotFound');
    });

    test('stopPodSandbox stops the containers and the sandbox', async (t) => {
      const pod = await runPod(t);
      // sleep as PID 1 ignores SIGTERM: it must be killed, not waited for.
      const id = await runContainer(pod, containerConfig(pod, 'inside', { command: ['sleep', '3600'] }));
      const started = performance.now();
      await rt.stopPodSandbox(pod.id);
      const ms = performance.now() - started;
      t.diagnostic(`stopPodSandbox took ${ms.toFixed(0)} ms`);
      assert.equal((await rt.containerStatus(id)).state, 'exited');
      assert.equal((await rt.podSandboxStatus(pod.id)).state, 'notready');
      assert.ok(ms < 10_000, `stopPodSandbox took ${ms.toFixed(0)} ms`);
    });

    test('removePodSandbox removes the sandbox and all its containers', async (t) => {
      const pod = await runPod(t);
      const running = await runContainer(pod, containerConfig(pod, 'running', { command: ['sleep', '3600'] }));
      const exited = await runContainer(pod, containerConfig(pod, 'exited', { command: ['true'] }));
      const created = await rt.createContainer(pod.id, containerConfig(pod, 'created', { command: ['true'] }), pod.config);
      await waitExited(exited);
      await rt.removePodSandbox(pod.id);
      const uid = pod.config.metadata.uid;
      assert.deepEqual(await rt.listContainers({ labelSelector: { [LABEL_POD_UID]: uid } }), []);
      assert.deepEqual(await rt.listPodSandbox({ labelSelector: { [LABEL_POD_UID]: uid } }), []);
      for (const id of [running, exited, created]) await assert.rejects(rt.containerStatus(id), (err) => codeOf(err) === 'NotFound');
      await assert.rejects(rt.podSandboxStatus(pod.id), (err) => codeOf(err) === 'NotFound');
    });

    test('creating a container in an unknown sandbox or from a missing image fails with typed errors', async (t) => {
      const pod = await runPod(t);
      await assert.rejects(rt.createContainer('0'.repeat(64), containerConfig(pod, 'orphan'), pod.config), (err) => codeOf(err) === 'NotFound');
      await assert.rejects(
        rt.createContainer(pod.id, containerConfig(pod, 'no-image', { image: 'skiff-test/does-not-exist:0' }), pod.config),
        (err) => codeOf(err) === 'ImageNotFound',
      );
    });

    /** Runs script in a new container of a new pod and returns its exit status. */
    async function runScript(t: TestContext, script: string, over: Partial<ContainerConfig> = {}): Promise<ContainerStatus> {
      const pod = await runPod(t);
      const id = await runContainer(pod, containerConfig(pod, 'script', { command: ['sh', '-c', script], ...over }));
      return waitExited(id);
    }

    async function hostDir(t: TestContext): Promise<string> {
      const dir = await mkdtemp(join(tmpdir(), 'skiff-conformance-mount-'));
      t.after(() => rm(dir, { recursive: true, force: true }));
      return dir;
    }

    test('mounts: a host directory is visible, written through, and read-only when asked', async (t) => {
      const dir = await hostDir(t);
      await writeFile(join(dir, 'greeting'), 'hello\n');
      const script =
        'test "$(cat /ro/greeting)" = hello || exit 2; ' +
        'echo no > /ro/refused 2>/dev/null && exit 3; ' +
        'test "$(cat /rw/greeting)" = hello || exit 4; ' +
        'echo written > /rw/out || exit 5; exit 0';
      const s = await runScript(t, script, {
        mounts: [
          { containerPath: '/ro', hostPath: dir, readonly: true },
          { containerPath: '/rw', hostPath: dir },
        ],
      });
      const why: Record<number, string> = { 2: 'read-only mount not visible', 3: 'read-only mount accepted a write', 4: 'mount not visible', 5: 'writable mount refused a write' };
      assert.equal(s.exitCode, 0, why[s.exitCode] ?? `exit ${s.exitCode} ${s.reason} ${s.message}`);
      assert.equal(await readFile(join(dir, 'out'), 'utf8'), 'written\n');
      assert.equal(existsSync(join(dir, 'refused')), false);
    });

    test('mounts: a host path that does not exist is an error, not an empty directory', async (t) => {
      const dir = await hostDir(t);
      const missing = join(dir, 'absent');
      const pod = await runPod(t);
      await assert.rejects(runContainer(pod, containerConfig(pod, 'missing', { command: ['true'], mounts: [{ containerPath: '/x', hostPath: missing }] })));
      assert.equal(existsSync(missing), false, 'the runtime created the missing host path');
    });

    test('securityContext: runAsUser, runAsGroup and supplementalGroups set the process identity', async (t) => {
      const script = 'test "$(id -u)" = 1234 || exit 2; test "$(id -g)" = 2345 || exit 3; id -G | grep -qw 3456 || exit 4; exit 0';
      const s = await runScript(t, script, { linux: { securityContext: { runAsUser: 1234, runAsGroup: 2345, supplementalGroups: [3456] } } });
      assert.equal(s.exitCode, 0, { 2: 'uid is not runAsUser', 3: 'gid is not runAsGroup', 4: 'supplemental group missing' }[s.exitCode] ?? `exit ${s.exitCode}`);
      const userOnly = await runScript(t, 'test "$(id -u)" = 4321 || exit 2; exit 0', { linux: { securityContext: { runAsUser: 4321 } } });
      assert.equal(userOnly.exitCode, 0, 'uid is not runAsUser');
    });

    // Bits of /proc/self/status CapEff: CAP_NET_ADMIN 12, CAP_SYS_ADMIN 21.
    const capBit = (bit: number) => `$(( (0x$(grep CapEff /proc/self/status | cut -f2) >> ${bit}) & 1 ))`;

    test('securityContext: dropped capabilities are gone, added ones are there', async (t) => {
      // Unprivileged unless asked: no CAP_SYS_ADMIN. (Privileged itself is not run here:
      // runc refuses it on hosts whose bounding set lacks a capability it grants.)
      const plain = await runScript(t, `touch /tmp/f && chown 1:1 /tmp/f || exit 2; test ${capBit(12)} = 0 || exit 3; test ${capBit(21)} = 0 || exit 4; exit 0`);
      assert.equal(plain.exitCode, 0, { 2: 'root may not chown by default', 3: 'NET_ADMIN without asking', 4: 'SYS_ADMIN without asking' }[plain.exitCode] ?? `exit ${plain.exitCode}`);
      const script = `touch /tmp/f || exit 4; chown 1:1 /tmp/f 2>/dev/null && exit 2; test ${capBit(12)} = 1 || exit 3; exit 0`;
      const s = await runScript(t, script, { linux: { securityContext: { capabilities: { dropCapabilities: ['CHOWN'], addCapabilities: ['NET_ADMIN'] } } } });
      assert.equal(s.exitCode, 0, { 2: 'chown worked with CHOWN dropped', 3: 'NET_ADMIN was not added', 4: 'touch failed' }[s.exitCode] ?? `exit ${s.exitCode}`);
    });

    test('securityContext: a read-only root filesystem refuses writes, mounts stay writable', async (t) => {
      const dir = await hostDir(t);
      const script = 'touch /refused 2>/dev/null && exit 2; echo ok > /data/ok || exit 3; exit 0';
      const s = await runScript(t, script, { linux: { securityContext: { readonlyRootfs: true } }, mounts: [{ containerPath: '/data', hostPath: dir }] });
      assert.equal(s.exitCode, 0, { 2: 'the root filesystem accepted a write', 3: 'the mount refused a write' }[s.exitCode] ?? `exit ${s.exitCode}`);
      const writable = await runScript(t, 'touch /accepted');
      assert.equal(writable.exitCode, 0, 'an ordinary root filesystem refused a write');
    });

    test('securityContext: noNewPrivs sets no_new_privs', async (t) => {
      const check = 'exit $(grep NoNewPrivs /proc/self/status | cut -f2)';
      assert.equal((await runScript(t, check, { linux: { securityContext: { noNewPrivs: true } } })).exitCode, 1, 'no_new_privs is not set');
      assert.equal((await runScript(t, check)).exitCode, 0, 'no_new_privs is set without being asked');
    });

    test('image service: status, list, failed pull, idempotent remove', async () => {
      const status = await rt.imageStatus(busybox);
      assert.ok(status, `imageStatus(${busybox}) found nothing`);
      assert.match(status.id, /^sha256:[0-9a-f]{64}$/);
      assert.ok(status.size > 0);
      assert.ok((await rt.listImages()).some((i) => i.id === status.id));
      assert.equal(await rt.imageStatus('skiff-test/does-not-exist:0'), undefined);
      // A registry address on loopback where nothing listens: fails fast, stays on the machine.
      await assert.rejects(rt.pullImage('127.0.0.1:9/skiff-test/absent:1'), (err) => {
        assert.equal(codeOf(err), 'PullFailed', (err as Error).message);
        assert.match((err as Error).message, /127\.0\.0\.1:9/);
        return true;
      });
      await rt.removeImage('skiff-test/does-not-exist:0');
    });

    test('image service: the image filesystem, and the images containers use (image GC keeps those)', async (t) => {
      const fs = await rt.imageFsInfo();
      const st = await statfs(fs.mountpoint);
      assert.ok(st.blocks > 0, `statfs(${fs.mountpoint}) reports no capacity`);
      const pod = await runPod(t);
      const id = await rt.createContainer(pod.id, containerConfig(pod, 'in-use', { command: ['sleep', '60'] }), pod.config);
      const inUse = await rt.imagesInUse();
      const busyboxId = (await rt.imageStatus(busybox))!.id;
      // (On a shared daemon other containers may use busybox too; test/image-gc.test.ts checks
      // the same on daemons of its own, where nothing else runs.)
      assert.ok(inUse.has(busyboxId), 'a created (not even started) container holds its image');
      // Both runtimes here run Skiff's pause image (containerd: host-setup.sh's sandbox_image).
      const pause = await rt.imageStatus(DEFAULT_PAUSE_IMAGE);
      assert.ok(pause && inUse.has(pause.id), 'the sandbox (pause) image counts as in use');
      await rt.removeContainer(id);
    });
  });
}
