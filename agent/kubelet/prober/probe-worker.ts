// One worker per probe of one container, as the kubelet's prober worker: it probes every
// periodSeconds, counts consecutive results against the thresholds, and publishes a result
// only when the threshold turns it. It follows the container by id: a new attempt resets
// the count and the initial result (readiness starts failed, liveness passed, startup
// unknown). After a liveness or startup failure it holds until a new container replaces
// the one that failed, so one failure means one restart.

import type { Container, ContainerStatus, Pod } from '../../../api/types.js';
import { runHandler, type ProbeOutcome, type ProbeResult } from './handlers.js';
import { probeTiming, type Probe, type ProbeType } from './probe-types.js';

export interface WorkerHost {
  /** The pod's last computed status and IP (undefined before its first sync). */
  observed(uid: string): { pod: Pod; podIP: string; statuses: ContainerStatus[] } | undefined;
  /** Whether a result is already known for the container (adopted after an agent restart). */
  hasResult(type: ProbeType, containerId: string): boolean;
  /** Publishes a result (undefined clears it) for a container id. */
  setResult(type: ProbeType, uid: string, containerId: string, result: ProbeResult | undefined): void;
  probe(target: { containerId: string; container: Container; podIP: string }, probe: Probe, timeoutSeconds: number): Promise<ProbeOutcome>;
  probeFailed(pod: Pod, type: ProbeType, container: Container, output: string): void;
}

export class ProbeWorker {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private running = false;
  private containerId = '';
  private lastResult: ProbeResult | undefined;
  private resultRun = 0;
  private onHold = false;

  constructor(
    private readonly host: WorkerHost,
    private readonly uid: string,
    readonly container: Container,
    readonly type: ProbeType,
    readonly probe: Probe,
  ) {}

  start(): void {
    this.schedule(0);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.containerId) this.host.setResult(this.type, this.uid, this.containerId, undefined);
  }

  /** Probe now rather than at the next tick (a new container was seen). */
  trigger(): void {
    if (this.stopped || this.running) return;
    this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), ms);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    this.running = true;
    const started = Date.now();
    try {
      await this.doProbe();
    } finally {
      this.running = false;
    }
    if (!this.stopped) this.schedule(Math.max(0, probeTiming(this.probe).periodSeconds * 1000 - (Date.now() - started)));
  }

  private async doProbe(): Promise<void> {
    const seen = this.host.observed(this.uid);
    if (!seen) return;
    const status = seen.statuses.find((s) => s.name === this.container.name);
    const id = status?.containerID?.replace(/^[a-z-]+:\/\//, '');
    if (!status || !id) return;
    if (id !== this.containerId) {
      if (this.containerId) this.host.setResult(this.type, this.uid, this.containerId, undefined);
      this.containerId = id;
      this.lastResult = undefined;
      this.resultRun = 0;
      this.onHold = false;
      // Initial results: readiness starts failed, liveness passed, startup unknown; a
      // result adopted from before an agent restart stands until the probe runs.
      if (this.type === 'readiness' && !this.host.hasResult(this.type, id)) this.host.setResult(this.type, this.uid, id, 'failure');
      if (this.type === 'liveness') this.host.setResult(this.type, this.uid, id, 'success');
    }
    if (this.onHold) return;
    const running = status.state.running;
    if (!running) return;
    // Until the startup probe passes, liveness and readiness do not run; after, it stops.
    if (this.type !== 'startup' && !status.started) return;
    if (this.type === 'startup' && status.started) return;
    const timing = probeTiming(this.probe);
    const startedAt = running.startedAt ? Date.parse(running.startedAt) : 0;
    if (startedAt && (Date.now() - startedAt) / 1000 < timing.initialDelaySeconds) return;

    const outcome = await this.host.probe({ containerId: id, container: this.container, podIP: seen.podIP }, this.probe, timing.timeoutSeconds);
    if (this.stopped || id !== this.containerId) return;
    if (outcome.result === 'failure') this.host.probeFailed(seen.pod, this.type, this.container, outcome.output);
    if (this.lastResult === outcome.result) this.resultRun++;
    else {
      this.lastResult = outcome.result;
      this.resultRun = 1;
    }
    if (outcome.result === 'failure' && this.resultRun < timing.failureThreshold) return;
    if (outcome.result === 'success' && this.resultRun < timing.successThreshold) return;
    this.host.setResult(this.type, this.uid, id, outcome.result);
    if (outcome.result === 'failure' && this.type !== 'readiness') {
      // The container will be restarted: stop probing it until a new one replaces it.
      this.resultRun = 0;
      this.onHold = true;
    }
  }
}
