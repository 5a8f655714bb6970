// Where a pod's create→Running time goes, read back from the agent's debug log: the Docker
// runtime logs how long each sandbox and container create/start took (docker-runtime.ts),
// and pino stamps each line with the wall clock, which the bench shares (same machine).
// Everything between those Docker calls is API, scheduler, watch and kubelet time.

export interface PodTimeline {
  /** Bench created the pod → the agent began creating the sandbox (API, scheduler, watch, kubelet). */
  toSandbox: number;
  sandboxCreate: number;
  sandboxStart: number;
  /** CNI ADD: bridge + host-local, portmap, firewall plugins. */
  sandboxNetwork: number;
  /** Sandbox running → container create began (kubelet lists, inspects, image status). */
  betweenSandboxAndContainer: number;
  containerCreate: number;
  containerStart: number;
  /** Container started → the bench's watch saw Running (log link, status, API write, watch). */
  toRunning: number;
}

export const TIMELINE_PARTS: Array<[keyof PodTimeline, string]> = [
  ['toSandbox', 'API create → scheduler → agent watch → kubelet'],
  ['sandboxCreate', 'sandbox create (docker)'],
  ['sandboxStart', 'sandbox start, network none (docker)'],
  ['sandboxNetwork', 'sandbox attach to the pod network (CNI ADD)'],
  ['betweenSandboxAndContainer', 'kubelet between sandbox and container'],
  ['containerCreate', 'container create (incl. sandbox inspect)'],
  ['containerStart', 'container start (docker)'],
  ['toRunning', 'started → status write → watch sees Running'],
];

interface LogLine {
  time?: number;
  msg?: string;
  pod?: string;
  createMs?: number;
  startMs?: number;
  networkMs?: number;
}

/** Docker timings per pod ("ns/name") from the agent's log; the first attempt wins. */
export function runtimeTimings(log: string): Map<string, { sandbox?: LogLine; created?: LogLine; started?: LogLine }> {
  const out = new Map<string, { sandbox?: LogLine; created?: LogLine; started?: LogLine }>();
  for (const raw of log.split('\n')) {
    if (!raw.includes('"createMs"') && !raw.includes('"startMs"')) continue;
    let line: LogLine;
    try {
      line = JSON.parse(raw) as LogLine;
    } catch {
      continue;
    }
    if (!line.pod || line.time === undefined) continue;
    const entry = out.get(line.pod) ?? {};
    if (line.msg === 'pod sandbox started') entry.sandbox ??= line;
    else if (line.msg === 'container created') entry.created ??= line;
    else if (line.msg === 'container started') entry.started ??= line;
    out.set(line.pod, entry);
  }
  return out;
}

/**
 * One pod's timeline, given the wall-clock times (ms since the epoch) at which the bench
 * created it and saw it Running; undefined when the log lacks one of the steps.
 */
export function podTimeline(t: ReturnType<typeof runtimeTimings> extends Map<string, infer V> ? V : never, createdAt: number, runningAt: number): PodTimeline | undefined {
  const { sandbox, created, started } = t;
  if (!sandbox?.time || !created?.time || !started?.time) return undefined;
  const sbCreate = sandbox.createMs ?? 0;
  const sbStart = sandbox.startMs ?? 0;
  const sbNetwork = sandbox.networkMs ?? 0;
  const sbBegin = sandbox.time - sbCreate - sbStart - sbNetwork;
  const cCreate = created.createMs ?? 0;
  const cStart = started.startMs ?? 0;
  return {
    toSandbox: sbBegin - createdAt,
    sandboxCreate: sbCreate,
    sandboxStart: sbStart,
    sandboxNetwork: sbNetwork,
    betweenSandboxAndContainer: created.time - cCreate - sandbox.time,
    containerCreate: cCreate,
    containerStart: cStart,
    toRunning: runningAt - started.time,
  };
}
