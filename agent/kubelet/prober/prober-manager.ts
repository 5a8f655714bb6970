// The prober manager: one ProbeWorker per probe of each container of each pod on this node,
// and the results they publish, by container id. The pod worker reads the results when it
// computes status (ready, started) and when it decides what to kill (liveness, startup);
// a changed result pokes that pod's worker so the change reaches the API at once.

import type { Container, ContainerStatus, Pod } from '../../../api/types.js';
import type { ContainerRuntime } from '../../runtime/runtime.js';
import { runHandler, type ProbeOutcome, type ProbeResult } from './handlers.js';
import { probeOf, probeTitle, type Probe, type ProbeType } from './probe-types.js';
import { ProbeWorker, type WorkerHost } from './probe-worker.js';

const PROBE_TYPES: ProbeType[] = ['liveness', 'readiness', 'startup'];

export type ProbeEventRecorder = (pod: Pod, type: 'Normal' | 'Warning', reason: string, message: string) => void;

interface PodEntry {
  pod: Pod;
  podIP: string;
  statuses: ContainerStatus[];
  workers: Map<string, ProbeWorker>;
}

export class ProberManager implements WorkerHost {
  private readonly pods = new Map<string, PodEntry>();
  /** `${type}/${containerId}` → published result. */
  private readonly results = new Map<string, ProbeResult>();

  constructor(
    private readonly runtime: ContainerRuntime,
    private readonly record: ProbeEventRecorder,
    private readonly onChange: (uid: string) => void,
  ) {}

  /**
   * After each sync: the pod's newest spec and status. Starts workers for probes not yet
   * watched and wakes those whose container changed, so a new container is probed at once.
   */
  observe(pod: Pod, podIP: string, statuses: ContainerStatus[]): void {
    const uid = pod.metadata.uid!;
    let entry = this.pods.get(uid);
    const mark = (s: ContainerStatus | undefined) => `${s?.containerID ?? ''}/${s?.started === true}`;
    const before = new Map((entry?.statuses ?? []).map((s) => [s.name, mark(s)]));
    if (!entry) {
      entry = { pod, podIP, statuses, workers: new Map() };
      this.pods.set(uid, entry);
    }
    entry.pod = pod;
    entry.podIP = podIP;
    entry.statuses = statuses;
    for (const c of probedContainers(pod)) {
      for (const type of PROBE_TYPES) {
        const probe = probeOf(c, type);
        const key = `${c.name}/${type}`;
        if (!probe || entry.workers.has(key)) continue;
        const w = new ProbeWorker(this, uid, c, type, probe);
        entry.workers.set(key, w);
        w.start();
      }
    }
    for (const w of entry.workers.values()) {
      // A new container, or one whose startup probe just passed: probe it now.
      const now = statuses.find((s) => s.name === w.container.name);
      if (now?.containerID && before.get(w.container.name) !== mark(now)) w.trigger();
    }
  }

  /**
   * Before the first sync of a pod this agent has not probed yet (it restarted): a
   * container still running under the same id keeps the ready and started the API last
   * showed, until its probes say otherwise, so an agent restart does not flap Services.
   * Results are keyed by container id, so a replaced container inherits nothing.
   */
  adopt(pod: Pod): void {
    if (this.pods.has(pod.metadata.uid!)) return;
    const specs = probedContainers(pod);
    for (const s of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) {
      const id = s.containerID?.replace(/^[a-z-]+:\/\//, '');
      const spec = specs.find((c) => c.name === s.name);
      if (!id || !spec || !s.state.running) continue;
      if (s.started && probeOf(spec, 'startup')) this.results.set(`startup/${id}`, 'success');
      if (s.ready && probeOf(spec, 'readiness')) this.results.set(`readiness/${id}`, 'success');
    }
  }

  removePod(uid: string): void {
    const entry = this.pods.get(uid);
    if (!entry) return;
    for (const w of entry.workers.values()) w.stop();
    this.pods.delete(uid);
  }

  /** A container is ready when its readiness probe (if any) has passed. */
  isReady(container: Container, containerId: string): boolean {
    if (!probeOf(container, 'readiness')) return true;
    return this.results.get(`readiness/${containerId}`) === 'success';
  }

  /** A container has started when its startup probe (if any) has passed. */
  isStarted(container: Container, containerId: string): boolean {
    if (!probeOf(container, 'startup')) return true;
    return this.results.get(`startup/${containerId}`) === 'success';
  }

  /** Which probe, if any, says this container must be restarted. */
  failedProbe(containerId: string): 'liveness' | 'startup' | undefined {
    if (this.results.get(`liveness/${containerId}`) === 'failure') return 'liveness';
    if (this.results.get(`startup/${containerId}`) === 'failure') return 'startup';
    return undefined;
  }

  // ---- WorkerHost ----

  observed(uid: string): { pod: Pod; podIP: string; statuses: ContainerStatus[] } | undefined {
    return this.pods.get(uid);
  }

  hasResult(type: ProbeType, containerId: string): boolean {
    return this.results.has(`${type}/${containerId}`);
  }

  setResult(type: ProbeType, uid: string, containerId: string, result: ProbeResult | undefined): void {
    const key = `${type}/${containerId}`;
    if (this.results.get(key) === result) return;
    if (result === undefined) this.results.delete(key);
    else this.results.set(key, result);
    if (this.pods.has(uid)) this.onChange(uid);
  }

  probe(target: { containerId: string; container: Container; podIP: string }, probe: Probe, timeoutSeconds: number): Promise<ProbeOutcome> {
    return runHandler(probe, { runtime: this.runtime, ...target }, timeoutSeconds);
  }

  probeFailed(pod: Pod, type: ProbeType, _container: Container, output: string): void {
    this.record(pod, 'Warning', 'Unhealthy', `${probeTitle(type)} probe failed: ${output}`);
  }
}

/** App containers and native sidecars (restartable init containers) are probed. */
function probedContainers(pod: Pod): Container[] {
  const sidecars = (pod.spec.initContainers ?? []).filter((c) => c['restartPolicy'] === 'Always');
  return [...sidecars, ...pod.spec.containers];
}
