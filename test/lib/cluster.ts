// A real Skiff cluster for a test file: `skiff control` and N `skiff agent`s as child
// processes of the test (the same binary users run), against the machine's dockerd. Each
// cluster has its own data dir, port, node names and pod range, so test files run
// concurrently. Everything it starts is stopped by PID, and every pod its agents left is
// removed through the runtime (so CNI releases addresses and iptables rules), then any
// container still carrying the node label, when the file ends.

import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Docker from 'dockerode';
import { ApiClient } from '../../api/client.js';
import { readKubeconfig } from '../../api/kubeconfig.js';
import { resources } from '../../api/resources.js';
import type { Node, Pod } from '../../api/types.js';
import { LABEL_NODE_NAME } from '../../agent/runtime/runtime.js';
import { DockerRuntime } from '../../agent/runtime/docker/docker-runtime.js';
import { ContainerdRuntime, defaultLogRoot } from '../../agent/runtime/cri/containerd-runtime.js';
import { CONTAINERD_SOCKET, ensureContainerdTestImages, lockContainerdPodNetwork } from '../fixtures/images.js';
import { kubectlPath, run, type RunResult } from './kubectl.js';

export const DOCKER_SOCKET = '/var/run/docker.sock';
/**
 * Test agents evict on memory only: the disk thresholds (nodefs.available<10%) would turn
 * every test red on a CI disk that happens to be 90% full. kubelet-eviction.test.ts sets
 * its own thresholds.
 */
const TEST_EVICTION_HARD = 'memory.available<100Mi';
/**
 * Test agents never garbage-collect images: on the shared dockerd/containerd they would
 * delete images other test files are about to use. test/image-gc.test.ts turns it on
 * against a dockerd of its own.
 */
const TEST_IMAGE_GC = ['--image-gc-high-threshold', '100'];
const SKIFF = resolve(new URL('../../bin/skiff.js', import.meta.url).pathname);

export interface ClusterOptions {
  agents?: number;
  /** Extra flags for `skiff control`. */
  controlArgs?: string[];
  /** Extra flags for every `skiff agent`. */
  agentArgs?: string[];
  /**
   * Run the agents' service proxy. Off by default: test files run concurrently in this
   * machine's one root netns, and two proxies there would fight over the SKIFF- chains.
   */
  proxy?: boolean;
  /**
   * Run the agents' cluster DNS server (agent/dns/). Off by default for the same reason: it
   * puts the cluster DNS address on this netns's lo and binds port 53 there.
   */
  dns?: boolean;
  /**
   * The agents' container runtime; containerd is Skiff's own (scripts/host-setup.sh).
   * Default: SKIFF_TEST_RUNTIME, else docker (test/containerd-lifecycle.test.ts runs
   * runtime-neutral test files again with SKIFF_TEST_RUNTIME=containerd).
   */
  runtime?: 'docker' | 'containerd';
}

/**
 * Test files that run a service proxy in this machine's root netns take turns: two proxies
 * would fight over the SKIFF- chains. Held for the whole file (the lock is the containerd
 * one's mechanism under another path).
 */
export function lockRootNetnsProxy(): Promise<() => Promise<void>> {
  return lockContainerdPodNetwork('/run/skiff-root-proxy-tests.lock');
}

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => res(port));
    });
  });
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 30_000, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      lastErr = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastErr ? `: ${(lastErr as Error).message}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * Daemons still running, so that a test process that is itself terminated (a CI timeout, a
 * Ctrl-C, an uncaught error) never leaves control servers and agents behind.
 */
const live = new Set<ChildProcess>();
function killLive(): void {
  for (const child of live) if (child.exitCode === null && child.pid) process.kill(child.pid, 'SIGKILL');
}
process.once('exit', killLive);
for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  process.once(sig, () => {
    killLive();
    process.exit(128 + (sig === 'SIGTERM' ? 15 : 2));
  });
}

/** Kills child by PID when this process ends or is terminated (the set above). */
export function superviseChild(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
}

/** Starts a daemon with its stdout and stderr appended to logPath, supervised as above. */
export function spawnDaemon(cmd: string, args: string[], logPath: string): ChildProcess {
  const log = createWriteStream(logPath, { flags: 'a' });
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  superviseChild(child);
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  return child;
}

/** Signals our own child by PID and waits for it to exit; SIGKILL after timeoutMs. */
export async function stopChild(child: ChildProcess | undefined, signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 15_000): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  process.kill(child.pid!, signal);
  const timer = setTimeout(() => child.exitCode === null && child.signalCode === null && process.kill(child.pid!, 'SIGKILL'), timeoutMs);
  await exited;
  clearTimeout(timer);
}

class Daemon {
  child: ChildProcess | undefined;
  constructor(
    readonly name: string,
    private readonly args: string[],
    private readonly logPath: string,
  ) {}

  /** extraArgs: for this run only (a restart with other flags). */
  start(extraArgs: string[] = []): void {
    this.child = spawnDaemon(process.execPath, [SKIFF, ...this.args, ...extraArgs], this.logPath);
  }

  get pid(): number {
    return this.child?.pid ?? -1;
  }

  /** Signals our own child by PID and waits for it to exit. */
  stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 15_000): Promise<void> {
    return stopChild(this.child, signal, timeoutMs);
  }

  logs(): string {
    return existsSync(this.logPath) ? readFileSync(this.logPath, 'utf8') : '';
  }
}

export class TestCluster {
  readonly id = randomBytes(3).toString('hex');
  readonly dir = join(tmpdir(), `skiff-test-${this.id}`);
  readonly nodeNames: string[] = [];
  control!: Daemon;
  readonly agents = new Map<string, Daemon>();
  port = 0;
  url = '';
  kubeconfig = '';
  client!: ApiClient;
  private readonly docker = new Docker({ socketPath: DOCKER_SOCKET });
  private releaseContainerd: (() => Promise<void>) | undefined;

  private readonly options: ClusterOptions;

  constructor(options: ClusterOptions = {}) {
    const fromEnv = process.env['SKIFF_TEST_RUNTIME'];
    this.options = { ...options, runtime: options.runtime ?? (fromEnv === 'containerd' ? 'containerd' : 'docker') };
  }

  /** A /20 for this cluster's pods, unlikely to collide with concurrently running tests. */
  private clusterCidr(): string {
    const n = parseInt(this.id, 16);
    return `10.${200 + (n % 50)}.${((n >> 8) % 16) * 16}.0/20`;
  }

  async start(): Promise<void> {
    if (!existsSync(DOCKER_SOCKET)) throw new Error(`dockerd is not running (${DOCKER_SOCKET} missing): run scripts/host-setup.sh`);
    if (this.options.runtime === 'containerd') {
      if (!existsSync(CONTAINERD_SOCKET)) throw new Error(`containerd is not running (${CONTAINERD_SOCKET} missing): run scripts/host-setup.sh`);
      // containerd has one pod network for all its pods: clusters on it take turns.
      this.releaseContainerd = await lockContainerdPodNetwork();
      await ensureContainerdTestImages();
    }
    mkdirSync(this.dir, { recursive: true });
    this.port = await freePort();
    const controlDir = join(this.dir, 'control');
    this.control = new Daemon(
      'control',
      ['control', '--data-dir', controlDir, '--listen', `127.0.0.1:${this.port}`, '--cluster-cidr', this.clusterCidr(), '--log-level', 'debug', ...(this.options.controlArgs ?? [])],
      join(this.dir, 'control.log'),
    );
    this.control.start();
    this.kubeconfig = join(controlDir, 'admin.kubeconfig');
    await waitFor('the control server to write its kubeconfig', () => existsSync(this.kubeconfig) && existsSync(join(controlDir, 'node-token')), 30_000);
    const creds = await readKubeconfig(this.kubeconfig);
    this.url = creds.server;
    this.client = new ApiClient({ server: creds.server, token: creds.token, caPem: creds.caPem });
    await waitFor('the API server to answer', () => this.client.request('GET', '/version').then(() => true), 30_000);
    for (let i = 0; i < (this.options.agents ?? 1); i++) this.addAgent();
    await this.waitForNodesReady();
  }

  /** tokenArgs: how the agent is given its join token (default: the control server's node-token file). */
  addAgent(tokenArgs?: string[]): string {
    const name = `t${this.id}-${this.nodeNames.length}`;
    this.nodeNames.push(name);
    const agent = new Daemon(
      name,
      ['agent', '--server', this.url, ...(tokenArgs ?? ['--token-file', join(this.dir, 'control', 'node-token')]), '--node-name', name, '--data-dir', join(this.dir, name), '--pod-manifest-path', this.manifestDir(name), ...this.runtimeArgs(), '--log-level', 'debug', ...(this.options.proxy ? [] : ['--disable-proxy']), ...(this.options.dns ? [] : ['--disable-dns']), '--eviction-hard', TEST_EVICTION_HARD, ...TEST_IMAGE_GC, ...(this.options.agentArgs ?? [])],
      join(this.dir, `${name}.log`),
    );
    agent.start();
    this.agents.set(name, agent);
    return name;
  }

  private runtimeArgs(): string[] {
    return this.options.runtime === 'containerd' ? ['--runtime', 'containerd', '--runtime-endpoint', CONTAINERD_SOCKET] : ['--runtime', 'docker'];
  }

  /** The agent's static pod manifests (its own, so no test agent runs /etc/skiff/manifests). */
  manifestDir(name = this.nodeNames[0]!): string {
    return join(this.dir, name, 'manifests');
  }

  agent(name = this.nodeNames[0]!): Daemon {
    const a = this.agents.get(name);
    if (!a) throw new Error(`no agent ${name}`);
    return a;
  }

  async waitForNodesReady(timeoutMs = 60_000): Promise<void> {
    await waitFor(`nodes ${this.nodeNames.join(', ')} to be Ready`, async () => {
      const nodes = await this.client.list<Node>(resources.nodes);
      return this.nodeNames.every((n) => {
        const node = nodes.items.find((x) => x.metadata.name === n);
        return node?.spec.podCIDR && node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
      });
    }, timeoutMs);
  }

  kubectl(args: string[], opts: { version?: string; input?: string; timeoutMs?: number } = {}): Promise<RunResult> {
    return run(kubectlPath(opts.version), ['--kubeconfig', this.kubeconfig, ...args], {
      ...(opts.input !== undefined ? { input: opts.input } : {}),
      ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
    });
  }

  /** kubectl that must succeed; returns stdout. */
  async kubectlOk(args: string[], opts: { version?: string; input?: string } = {}): Promise<string> {
    const r = await this.kubectl(args, opts);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}): ${r.stderr || r.stdout}`);
    return r.stdout;
  }

  async pod(name: string, namespace = 'default'): Promise<Pod> {
    return this.client.get<Pod>(resources.pods, name, namespace);
  }

  async waitForPod(name: string, what: string, check: (p: Pod) => boolean, timeoutMs = 60_000, namespace = 'default'): Promise<Pod> {
    return waitFor(`pod ${name} ${what}`, async () => {
      const p = await this.pod(name, namespace);
      return check(p) ? p : undefined;
    }, timeoutMs);
  }

  /** Containers the agents of this cluster created (by their node label). */
  async containers(all = true): Promise<Docker.ContainerInfo[]> {
    const out: Docker.ContainerInfo[] = [];
    for (const n of this.nodeNames) {
      out.push(...(await this.docker.listContainers({ all, filters: { label: [`${LABEL_NODE_NAME}=${n}`] } })));
    }
    return out;
  }

  logs(): string {
    // control is unset when start() failed before it (a lock, an image import).
    return [this.control, ...this.agents.values()].filter((d): d is Daemon => d !== undefined).map((d) => `--- ${d.name} ---\n${d.logs().split('\n').slice(-60).join('\n')}`).join('\n');
  }

  async stop(): Promise<void> {
    this.client?.close();
    await Promise.all([...this.agents.values()].map((a) => a.stop()));
    await this.control?.stop();
    for (const n of this.nodeNames) {
      if (this.options.runtime === 'containerd') {
        const rt = new ContainerdRuntime({ socketPath: CONTAINERD_SOCKET, nodeName: n, logRoot: defaultLogRoot(join(this.dir, n)) });
        for (const s of await rt.listPodSandbox().catch(() => [])) await rt.removePodSandbox(s.id).catch(() => undefined);
        await rt.deletePodNetwork().catch(() => undefined);
        await rt.close();
        continue;
      }
      // The agent's own runtime code, on the agent's own state (see agent.ts).
      const rt = new DockerRuntime({ socketPath: DOCKER_SOCKET, nodeName: n, stateDir: join(this.dir, n, 'pod-network') });
      for (const s of await rt.listPodSandbox().catch(() => [])) await rt.removePodSandbox(s.id).catch(() => undefined);
      await rt.deletePodNetwork();
      await rt.close();
    }
    for (const c of await this.containers()) await this.docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
    if (!process.env['SKIFF_KEEP_TEST_DIRS']) rmSync(this.dir, { recursive: true, force: true });
    await this.releaseContainerd?.();
  }
}

export async function startCluster(options: ClusterOptions = {}): Promise<TestCluster> {
  const c = new TestCluster(options);
  try {
    await c.start();
  } catch (err) {
    const logs = c.logs();
    await c.stop();
    throw new Error(`${(err as Error).message}\n${logs}`);
  }
  return c;
}
