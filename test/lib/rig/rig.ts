// A multi-host Skiff cluster on one machine: N hosts as network namespaces on one bridge
// (host-network.ts), each with its own containerd (host-containerd.ts) and its own
// `skiff agent`, and the control server in the root netns on the bridge's address. One rig
// per test file; startRig() takes a free rig number (cleaning rigs of killed runs first),
// rig.stop() takes everything apart, also after a failed start.

import { existsSync, writeFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ApiClient } from '../../../api/client.js';
import { readKubeconfig } from '../../../api/kubeconfig.js';
import { resources } from '../../../api/resources.js';
import type { Node, Pod } from '../../../api/types.js';
import { waitFor } from '../cluster.js';
import { kubectlPath, run, type RunResult } from '../kubectl.js';
import { importTestImages, startHostContainerd } from './host-containerd.js';
import { createBridge, createHost, expectedBaseRoutes, guardDrops, hostRoutes, probeGuard } from './host-network.js';
import { bridgeIP, clusterCidr, hostIP, hostLetter, MAX_RIGS, netnsName, nodeName, rigDir } from './names.js';
import { RigProcess } from './process.js';
import { inNetns, sh } from './sh.js';
import { cleanStaleRigsHoldingLock, teardownRig } from './teardown.js';
import { withRigLock } from './rig-lock.js';

const SKIFF = resolve(new URL('../../../bin/skiff.js', import.meta.url).pathname);
export const CONTROL_PORT = 6443;

export type PodNetworkBackend = 'host-gw' | 'vxlan';

export interface RigOptions {
  hosts?: number;
  backend?: PodNetworkBackend;
  /** Extra flags for every agent / for the control server. */
  agentArgs?: string[];
  controlArgs?: string[];
}

export interface RigHost {
  letter: string;
  index: number;
  netns: string;
  ip: string;
  nodeName: string;
  dir: string;
  containerdSocket: string;
  containerd: RigProcess;
  agent: RigProcess;
}

/** What the rig measured while starting. */
export interface RigTimings {
  totalMs: number;
  networkMs: number;
  containerdStartMs: number[];
  nodesReadyMs: number;
}

export class Rig {
  readonly hosts: RigHost[] = [];
  control!: RigProcess;
  kubeconfig = '';
  client!: ApiClient;
  timings: RigTimings = { totalMs: 0, networkMs: 0, containerdStartMs: [], nodesReadyMs: 0 };
  readonly dir: string;

  constructor(readonly n: number, readonly options: RigOptions) {
    this.dir = rigDir(n);
  }

  get url(): string {
    return `https://${bridgeIP(this.n)}:${CONTROL_PORT}`;
  }

  host(letter: string): RigHost {
    const h = this.hosts.find((x) => x.letter === letter || x.nodeName === letter);
    if (!h) throw new Error(`rig ${this.n} has no host ${letter}`);
    return h;
  }

  async start(): Promise<void> {
    const t0 = Date.now();
    const count = this.options.hosts ?? 3;
    await createBridge(this.n);
    for (let i = 0; i < count; i++) await createHost(this.n, hostLetter(i), i);
    for (let i = 0; i < count; i++) {
      const routes = await hostRoutes(this.n, hostLetter(i));
      if (JSON.stringify(routes.sort()) !== JSON.stringify(expectedBaseRoutes(this.n, i).sort())) throw new Error(`rig host ${hostLetter(i)} has unexpected routes: ${routes.join('; ')}`);
    }
    const guard = await guardDrops(this.n);
    if (guard.present !== 3) throw new Error(`rig ${this.n}: the FORWARD guard is not in place (${guard.present} of 3 rules)`);
    this.timings.networkMs = Date.now() - t0;

    this.startControl();
    const controlDir = join(this.dir, 'control');
    this.kubeconfig = join(controlDir, 'admin.kubeconfig');
    await waitFor('the control server to write its kubeconfig', () => {
      if (!this.control.running) throw new Error(`the control server exited:\n${this.control.logs(30)}`);
      return existsSync(this.kubeconfig) && existsSync(join(controlDir, 'node-token'));
    }, 30_000);
    const creds = await readKubeconfig(this.kubeconfig);
    this.client = new ApiClient({ server: creds.server, token: creds.token, caPem: creds.caPem });
    await waitFor('the API server to answer', () => this.client.request('GET', '/version').then(() => true), 30_000);

    // containerd and the images on every host at once: the slowest part of the start.
    await Promise.all(
      Array.from({ length: count }, async (_, i) => {
        const letter = hostLetter(i);
        const dir = join(this.dir, letter);
        await mkdir(dir, { recursive: true });
        const netns = netnsName(this.n, letter);
        const cd = await startHostContainerd(netns, dir);
        this.timings.containerdStartMs[i] = cd.startMs;
        const host: RigHost = { letter, index: i, netns, ip: hostIP(this.n, i), nodeName: nodeName(this.n, letter), dir, containerdSocket: cd.paths.socket, containerd: cd.proc, agent: undefined as unknown as RigProcess };
        this.hosts[i] = host;
        await importTestImages(cd.paths.socket);
        host.agent = this.agentProcess(host);
        host.agent.start();
      }),
    );
    const tReady = Date.now();
    await this.waitForNodesReady();
    this.timings.nodesReadyMs = Date.now() - tReady;
    this.timings.totalMs = Date.now() - t0;
  }

  private startControl(): void {
    const controlDir = join(this.dir, 'control');
    this.control = new RigProcess('control', process.execPath, [
      SKIFF, 'control',
      '--data-dir', controlDir,
      '--listen', `${bridgeIP(this.n)}:${CONTROL_PORT}`,
      '--advertise-address', bridgeIP(this.n),
      '--tls-san', bridgeIP(this.n),
      '--cluster-cidr', clusterCidr(this.n),
      '--log-level', 'debug',
      ...(this.options.controlArgs ?? []),
    ], join(this.dir, 'control.log'));
    this.control.start();
    // For teardownRig() of a run killed before it could stop the control server itself.
    writeFileSync(join(this.dir, 'control.pid'), String(this.control.pid));
  }

  /** Starts the control server again after stopControl() (same data dir, same address). */
  async restartControl(): Promise<void> {
    this.startControl();
    await waitFor('the API server to answer again', () => this.client.request('GET', '/version').then(() => true), 30_000);
  }

  async stopControl(): Promise<void> {
    await this.control.stop();
  }

  private agentProcess(h: RigHost): RigProcess {
    return new RigProcess(`agent ${h.letter}`, 'nsenter', [
      `--net=/var/run/netns/${h.netns}`,
      process.execPath, SKIFF, 'agent',
      '--server', this.url,
      '--token-file', join(this.dir, 'control', 'node-token'),
      '--node-name', h.nodeName,
      '--node-ip', h.ip,
      '--data-dir', join(h.dir, 'agent'),
      '--runtime', 'containerd',
      '--runtime-endpoint', h.containerdSocket,
      '--pod-network-backend', this.options.backend ?? 'host-gw',
      '--eviction-hard', 'memory.available<100Mi',
      '--log-level', 'debug',
      ...(this.options.agentArgs ?? []),
    ], join(h.dir, 'agent.log'));
  }

  async waitForNodesReady(timeoutMs = 90_000): Promise<void> {
    const names = this.hosts.map((h) => h.nodeName);
    await waitFor(`rig nodes ${names.join(', ')} to be Ready`, async () => {
      const nodes = await this.client.list<Node>(resources.nodes);
      return names.every((n) => {
        const node = nodes.items.find((x) => x.metadata.name === n);
        return node?.spec.podCIDR && node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
      });
    }, timeoutMs);
  }

  kubectl(args: string[], opts: { input?: string } = {}): Promise<RunResult> {
    return run(kubectlPath(), ['--kubeconfig', this.kubeconfig, ...args], opts.input !== undefined ? { input: opts.input } : {});
  }

  async kubectlOk(args: string[], opts: { input?: string } = {}): Promise<string> {
    const r = await this.kubectl(args, opts);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}): ${r.stderr || r.stdout}`);
    return r.stdout;
  }

  /** A command in host h's netns (the host's own network, not a pod's). */
  inHost(letter: string, cmd: string, args: string[]): Promise<string> {
    return inNetns(this.host(letter).netns, cmd, args);
  }

  /**
   * A shell command in a pod's first running container without the API (it works while the
   * control server is down): entered into the container's network, mount and UTS
   * namespaces by its PID, so it runs the image's own sh with the pod's resolv.conf, as
   * `kubectl exec` would.
   */
  async inPod(pod: Pod, command: string, timeoutMs = 15_000): Promise<string> {
    const host = this.host(pod.spec!.nodeName!);
    const pid = await containerPid(host.containerdSocket, pod.metadata.uid!);
    return sh('nsenter', [`--target=${pid}`, '--net', '--mount', '--uts', '--', 'sh', '-c', command], { timeoutMs });
  }

  async guardDrops(): Promise<{ present: number; dropped: number }> {
    return guardDrops(this.n);
  }

  /** Pings the root netns' sink from host letter, count times: each must be a guard drop. */
  probeGuard(letter: string, count: number): Promise<void> {
    return probeGuard(this.n, letter, count);
  }

  logs(): string {
    const procs = [this.control, ...this.hosts.flatMap((h) => [h.containerd, h.agent])].filter((p): p is RigProcess => p !== undefined);
    return procs.map((p) => `--- ${p.name} ---\n${p.logs(40)}`).join('\n');
  }

  async stop(): Promise<void> {
    this.client?.close();
    const stopDaemons = async () => {
      await Promise.all(this.hosts.filter(Boolean).map((h) => h.agent?.stop()));
      await this.control?.stop();
    };
    await teardownRig(this.n, { stopDaemons });
  }
}

/** The PID of a pod's running container, from containerd's verbose container status. */
async function containerPid(socket: string, podUid: string): Promise<number> {
  const { CriClient } = await import('../../../agent/runtime/cri/cri-client.js');
  const cri = new CriClient(socket);
  try {
    const list = await cri.runtime<{ containers?: Array<{ id: string }> }>('ListContainers', { filter: { state: { state: 'CONTAINER_RUNNING' }, label_selector: { 'io.kubernetes.pod.uid': podUid } } });
    for (const c of list.containers ?? []) {
      const st = await cri.runtime<{ info?: Record<string, string> }>('ContainerStatus', { container_id: c.id, verbose: true });
      const info = st.info?.['info'];
      const pid = info ? (JSON.parse(info) as { pid?: number }).pid : undefined;
      if (pid) return pid;
    }
  } finally {
    cri.close();
  }
  throw new Error(`no running container of pod uid ${podUid} in ${socket}`);
}

/** Takes the lowest free rig number: its directory, created exclusively, holds our pid. */
async function allocate(): Promise<number> {
  for (let n = 0; n < MAX_RIGS; n++) {
    try {
      await mkdir(rigDir(n));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw err;
    }
    await writeFile(join(rigDir(n), 'owner'), String(process.pid));
    return n;
  }
  throw new Error(`all ${MAX_RIGS} rig numbers are taken (${rigDir(0)}…): stale rigs are cleaned at start; is something else holding them?`);
}

export async function startRig(options: RigOptions = {}): Promise<Rig> {
  // Cleaning and picking a number under one lock: no other process can take apart the rig
  // this number is about to be, nor pick the same number.
  const n = await withRigLock(async () => {
    await cleanStaleRigsHoldingLock();
    return allocate();
  });
  // Anything of this number left by a run whose directory was already gone; the directory,
  // our claim on the number, stays.
  await teardownRig(n, { keepDir: true }).catch(() => undefined);
  const rig = new Rig(n, options);
  try {
    await rig.start();
  } catch (err) {
    const logs = rig.logs();
    await rig.stop();
    throw new Error(`${(err as Error).message}\n${logs}`);
  }
  return rig;
}
