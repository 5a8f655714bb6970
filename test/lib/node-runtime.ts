// What the node's container runtime itself holds and did, for tests that check the kubelet
// against the runtime rather than against the API: its sandboxes and containers (labels,
// state), a container's resource limits, and a record of what happened to containers
// (signals sent, execs started, exits). One interface, two implementations, chosen by
// SKIFF_TEST_RUNTIME as startCluster chooses the agents' runtime:
//
// - Docker: dockerode, and dockerd's own event log (kill with its signal, exec_start with
//   its command, die with its exit code).
// - containerd: the CRI (ListPodSandbox, ListContainers, ContainerStatus verbose), the
//   task events containerd publishes (`ctr events`: /tasks/exit, /tasks/exec-started; an
//   exec's command read from /proc while it runs) and, for signals, which containerd
//   publishes no event for, its own log: "Stop container … with signal terminated" and
//   "Kill container …" are logged as it sends SIGTERM and SIGKILL (CRI StopContainer).

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { open, readFile, stat } from 'node:fs/promises';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { CriClient } from '../../agent/runtime/cri/cri-client.js';
import { LABEL_CONTAINER_NAME, LABEL_NODE_NAME, LABEL_POD_UID } from '../../agent/runtime/runtime.js';
import { CONTAINERD_SOCKET } from '../fixtures/images.js';
import { DOCKER_SOCKET } from './cluster.js';

export type RuntimeName = 'docker' | 'containerd';

/** The runtime test clusters use (see startCluster). */
export function testRuntime(): RuntimeName {
  return process.env['SKIFF_TEST_RUNTIME'] === 'containerd' ? 'containerd' : 'docker';
}

/** Where scripts/host-setup.sh has Skiff's containerd log. */
export const CONTAINERD_LOG = process.env['SKIFF_CONTAINERD_LOG'] ?? '/var/log/skiff/containerd.log';

export interface RuntimeObject {
  id: string;
  kind: 'sandbox' | 'container';
  state: 'created' | 'running' | 'exited' | 'unknown';
  labels: Record<string, string>;
}

export interface ContainerLimits {
  memoryLimitBytes: number;
  cpuQuota: number;
  cpuPeriod: number;
  cpuShares: number;
}

export type ContainerEvent =
  | { containerId: string; at: number; type: 'signal'; signal: number }
  | { containerId: string; at: number; type: 'exec'; command: string }
  | { containerId: string; at: number; type: 'exit'; exitCode: number };

/** Events recorded from start() until stop(), oldest first; `at` is ms since the epoch. */
export interface EventRecording {
  stop(containerIds: string[]): Promise<ContainerEvent[]>;
}

export interface NodeRuntime {
  readonly name: RuntimeName;
  /** The container id inside a pod status containerID (docker://… or containerd://…); throws on another scheme. */
  idOf(containerID: string | undefined): string;
  /** Sandboxes and containers the given nodes' agents made, optionally of one pod. */
  objects(nodeNames: string[], podUid?: string): Promise<RuntimeObject[]>;
  limits(containerId: string): Promise<ContainerLimits>;
  /** Starts recording container events now (before the action to observe). */
  record(): Promise<EventRecording>;
  close(): void;
}

export function nodeRuntime(name: RuntimeName = testRuntime()): NodeRuntime {
  return name === 'containerd' ? new ContainerdNode() : new DockerNode();
}

/** The containers (not sandboxes) of one pod, optionally only those of one container name. */
export async function podContainers(rt: NodeRuntime, nodeNames: string[], podUid: string, containerName?: string): Promise<RuntimeObject[]> {
  const all = await rt.objects(nodeNames, podUid);
  return all.filter((o) => o.kind === 'container' && (containerName === undefined || o.labels[LABEL_CONTAINER_NAME] === containerName));
}

function idOf(scheme: RuntimeName, containerID: string | undefined): string {
  const prefix = `${scheme}://`;
  if (!containerID?.startsWith(prefix)) throw new Error(`containerID ${containerID} is not a ${scheme} one`);
  return containerID.slice(prefix.length);
}

// ---- Docker ------------------------------------------------------------------------------

interface DockerEvent {
  Action: string;
  id?: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  timeNano: number;
}

class DockerNode implements NodeRuntime {
  readonly name = 'docker' as const;
  private readonly docker = new Docker({ socketPath: DOCKER_SOCKET });

  idOf(containerID: string | undefined): string {
    return idOf('docker', containerID);
  }

  async objects(nodeNames: string[], podUid?: string): Promise<RuntimeObject[]> {
    const out: RuntimeObject[] = [];
    for (const n of nodeNames) {
      const label = [`${LABEL_NODE_NAME}=${n}`, ...(podUid ? [`${LABEL_POD_UID}=${podUid}`] : [])];
      for (const c of await this.docker.listContainers({ all: true, filters: { label } })) {
        const kind = c.Labels['io.kubernetes.docker.type'] === 'podsandbox' ? 'sandbox' : 'container';
        const state = c.State === 'running' || c.State === 'created' || c.State === 'exited' ? c.State : 'unknown';
        out.push({ id: c.Id, kind, state, labels: c.Labels });
      }
    }
    return out;
  }

  async limits(containerId: string): Promise<ContainerLimits> {
    const h = (await this.docker.getContainer(containerId).inspect()).HostConfig;
    return { memoryLimitBytes: h.Memory ?? 0, cpuQuota: h.CpuQuota ?? 0, cpuPeriod: h.CpuPeriod ?? 0, cpuShares: h.CpuShares ?? 0 };
  }

  async record(): Promise<EventRecording> {
    const since = Date.now();
    // dockerd keeps its events: they are read back afterwards, from a second before.
    return {
      stop: async (ids) => {
        const stream = (await this.docker.getEvents({ since: Math.floor(since / 1000) - 1, until: Math.ceil(Date.now() / 1000) + 1, filters: { container: ids } })) as NodeJS.ReadableStream;
        let text = '';
        for await (const chunk of stream) text += chunk.toString();
        const out: ContainerEvent[] = [];
        for (const e of text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as DockerEvent)) {
          const containerId = e.Actor.ID;
          const at = e.timeNano / 1e6;
          if (e.Action === 'kill') out.push({ containerId, at, type: 'signal', signal: Number(e.Actor.Attributes['signal']) });
          else if (e.Action === 'die') out.push({ containerId, at, type: 'exit', exitCode: Number(e.Actor.Attributes['exitCode']) });
          else if (e.Action.startsWith('exec_start: ')) out.push({ containerId, at, type: 'exec', command: e.Action.slice('exec_start: '.length) });
        }
        return out;
      },
    };
  }

  close(): void {
    // dockerode keeps no connection open.
  }
}

// ---- containerd --------------------------------------------------------------------------

interface CriObject {
  id: string;
  state: string;
  labels: Record<string, string>;
}

const CRI_STATE: Record<string, RuntimeObject['state']> = {
  SANDBOX_READY: 'running',
  SANDBOX_NOTREADY: 'exited',
  CONTAINER_CREATED: 'created',
  CONTAINER_RUNNING: 'running',
  CONTAINER_EXITED: 'exited',
};

/** Go's names for the signals containerd logs ("with signal terminated"). */
const GO_SIGNALS: Record<string, number> = { terminated: 15, killed: 9, interrupt: 2, quit: 3, hangup: 1 };

class ContainerdNode implements NodeRuntime {
  readonly name = 'containerd' as const;
  private readonly cri = new CriClient(CONTAINERD_SOCKET);

  idOf(containerID: string | undefined): string {
    return idOf('containerd', containerID);
  }

  async objects(nodeNames: string[], podUid?: string): Promise<RuntimeObject[]> {
    const out: RuntimeObject[] = [];
    for (const n of nodeNames) {
      const label_selector = { [LABEL_NODE_NAME]: n, ...(podUid ? { [LABEL_POD_UID]: podUid } : {}) };
      const s = await this.cri.runtime<{ items: CriObject[] }>('ListPodSandbox', { filter: { label_selector } });
      const c = await this.cri.runtime<{ containers: CriObject[] }>('ListContainers', { filter: { label_selector } });
      for (const x of s.items) out.push({ id: x.id, kind: 'sandbox', state: CRI_STATE[x.state] ?? 'unknown', labels: x.labels });
      for (const x of c.containers) out.push({ id: x.id, kind: 'container', state: CRI_STATE[x.state] ?? 'unknown', labels: x.labels });
    }
    return out;
  }

  async limits(containerId: string): Promise<ContainerLimits> {
    // The OCI spec containerd ran the container with (ContainerStatus verbose "info").
    const r = await this.cri.runtime<{ info: Record<string, string> }>('ContainerStatus', { container_id: containerId, verbose: true });
    const info = JSON.parse(r.info['info'] ?? '{}') as { runtimeSpec?: { linux?: { resources?: { memory?: { limit?: number }; cpu?: { quota?: number; period?: number; shares?: number } } } } };
    const res = info.runtimeSpec?.linux?.resources;
    return { memoryLimitBytes: res?.memory?.limit ?? 0, cpuQuota: res?.cpu?.quota ?? 0, cpuPeriod: res?.cpu?.period ?? 0, cpuShares: res?.cpu?.shares ?? 0 };
  }

  async record(): Promise<EventRecording> {
    const logFrom = await stat(CONTAINERD_LOG).then(
      (s) => s.size,
      () => {
        throw new Error(`containerd's log ${CONTAINERD_LOG} is missing (scripts/host-setup.sh writes it; SKIFF_CONTAINERD_LOG names another)`);
      },
    );
    const tasks = new TaskEvents();
    await tasks.start();
    return {
      stop: async (ids) => {
        const wanted = new Set(ids);
        // Give the log and the event stream a moment to catch up with the last action.
        await new Promise((r) => setTimeout(r, 300));
        const events = [...(await tasks.stop()).filter((e) => wanted.has(e.containerId)), ...(await signalsFromLog(logFrom, wanted))];
        return events.sort((a, b) => a.at - b.at);
      },
    };
  }

  close(): void {
    this.cri.close();
  }
}

/** containerd's task events, from `ctr events` (a subscription: only what happens while it runs). */
class TaskEvents {
  private child: ChildProcess | undefined;
  private readonly events: ContainerEvent[] = [];
  private readonly pending: Promise<void>[] = [];
  private buffered = '';
  /** Namespaces whose updates ctr has shown (see start). */
  private readonly synced = new Set<string>();

  async start(): Promise<void> {
    const child = spawn('ctr', ['--address', CONTAINERD_SOCKET, 'events'], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    // A test that fails before stop() must not be kept alive by ctr, nor leave it running.
    child.unref();
    (child.stdout as unknown as { unref(): void }).unref();
    (child.stderr as unknown as { unref(): void }).unref();
    const killOnExit = () => child.exitCode === null && child.signalCode === null && process.kill(child.pid!, 'SIGKILL');
    process.once('exit', killOnExit);
    child.once('exit', () => process.off('exit', killOnExit));
    let stderr = '';
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    child.stdout!.on('data', (c: Buffer) => {
      this.buffered += c.toString();
      const lines = this.buffered.split('\n');
      this.buffered = lines.pop() ?? '';
      for (const l of lines) this.line(l);
    });
    const failure: { error?: Error } = {};
    child.once('error', (err) => (failure.error = err));
    child.once('exit', (code) => (failure.error = new Error(`ctr events exited (${code}): ${stderr}`)));
    // ctr prints nothing once it has subscribed, and an event before that is lost: touch a
    // namespace of our own until ctr shows the change, then remove the namespace.
    const ns = `skiff-test-events-${process.pid}-${++syncCount}`;
    try {
      await ctr('namespaces', 'create', ns);
      try {
        const deadline = Date.now() + 20_000;
        for (let n = 0; !this.synced.has(ns); n++) {
          if (failure.error) throw failure.error;
          if (Date.now() > deadline) throw new Error('ctr events showed no event within 20 s');
          await ctr('namespaces', 'label', ns, `seq=${n}`);
          await new Promise((r) => setTimeout(r, 100));
        }
      } finally {
        await ctr('namespaces', 'remove', ns);
      }
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  private line(l: string): void {
    const update = /\/namespaces\/update \{"name":"([^"]+)",/.exec(l);
    if (update) this.synced.add(update[1]!);
    // 2026-11-29 15:14:20.201295143 +0000 UTC k8s.io /tasks/exit {"container_id":…}
    const m = /^(\S+ \S+) \+0000 UTC (\S+) (\/tasks\/exit|\/tasks\/exec-started) (\{.*\})$/.exec(l);
    if (!m || m[2] !== 'k8s.io') return;
    const at = nanoTime(`${m[1]!.replace(' ', 'T')}Z`);
    const body = JSON.parse(m[4]!) as { container_id: string; id?: string; pid?: number; exit_status?: number; exited_at?: string };
    if (m[3] === '/tasks/exit') {
      // Exits of exec processes carry the exec's id; the container's own has its id.
      if (body.id !== body.container_id) return;
      this.events.push({ containerId: body.container_id, at: body.exited_at ? nanoTime(body.exited_at) : at, type: 'exit', exitCode: body.exit_status ?? 0 });
      return;
    }
    // The command is not in the event: read it from the process while it runs.
    const containerId = body.container_id;
    this.pending.push(commandOf(body.pid ?? 0).then((command) => void this.events.push({ containerId, at, type: 'exec', command })));
  }

  async stop(): Promise<ContainerEvent[]> {
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      process.kill(child.pid!, 'SIGTERM');
      await exited;
    }
    await Promise.all(this.pending);
    return this.events;
  }
}

let syncCount = 0;

/**
 * A process's command line. Right after exec-started it may still be runc's (its init
 * execs the command a moment later) or not yet readable: read again for up to 2 s.
 */
async function commandOf(pid: number): Promise<string> {
  let last = '';
  for (const deadline = Date.now() + 2000; Date.now() < deadline; ) {
    last = await readFile(`/proc/${pid}/cmdline`, 'utf8').then(
      (c) => c.split('\0').filter(Boolean).join(' '),
      (err: Error) => `(${err.message})`,
    );
    if (last && !last.startsWith('(') && !/^runc\b|\/runc\b/.test(last)) return last;
    await new Promise((r) => setTimeout(r, 20));
  }
  return last;
}

async function ctr(...args: string[]): Promise<void> {
  await promisify(execFile)('ctr', ['--address', CONTAINERD_SOCKET, ...args]);
}

/** SIGTERM and SIGKILL as containerd logged sending them, after byte offset `from`. */
async function signalsFromLog(from: number, ids: Set<string>): Promise<ContainerEvent[]> {
  const fh = await open(CONTAINERD_LOG, 'r');
  let text: string;
  try {
    const size = (await fh.stat()).size;
    const buf = Buffer.alloc(Math.max(0, size - from));
    await fh.read(buf, 0, buf.length, from);
    text = buf.toString('utf8');
  } finally {
    await fh.close();
  }
  const out: ContainerEvent[] = [];
  for (const l of text.split('\n')) {
    const time = /^time="([^"]+)"/.exec(l)?.[1];
    if (!time) continue;
    const stop = /msg="Stop container \\"([0-9a-f]{64})\\" with signal (\w+)"/.exec(l);
    const kill = /msg="Kill container \\"([0-9a-f]{64})\\""/.exec(l);
    if (stop && ids.has(stop[1]!)) {
      const signal = GO_SIGNALS[stop[2]!];
      if (signal === undefined) throw new Error(`containerd logged an unknown signal name: ${l}`);
      out.push({ containerId: stop[1]!, at: nanoTime(time), type: 'signal', signal });
    } else if (kill && ids.has(kill[1]!)) {
      out.push({ containerId: kill[1]!, at: nanoTime(time), type: 'signal', signal: 9 });
    }
  }
  return out;
}

/** An RFC 3339 time with up to nanoseconds → ms since the epoch, keeping the fraction. */
function nanoTime(rfc3339: string): number {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(rfc3339);
  if (!m) throw new Error(`not an RFC 3339 time: ${rfc3339}`);
  const whole = Date.parse(`${m[1]}${m[3]}`);
  return whole + Number(`0.${m[2] ?? '0'}`) * 1000;
}
