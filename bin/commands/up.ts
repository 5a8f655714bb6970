// `skiff up`: a one-node cluster on this host — the control server and an agent in one
// process, sharing nothing but the API (the agent joins with the node token like any other).

import { hostname } from 'node:os';
import { join } from 'node:path';
import { resolveRuntime, runAgent } from '../../agent/agent.js';
import { startControl } from '../../control/control-server.js';
import { parseFlags, required, str, usage, type FlagSpec } from '../cli-flags.js';
import { createLogger, shutdownSignal, skiffVersion } from '../daemon.js';
import { controlFlags, controlOptions } from './control.js';
import { agentFlags, dnsOptions, nodeDnsOptions, proxyOptions, resourceOptions, runtimeFlag, shutdownOptions } from './agent.js';

const pick = (specs: FlagSpec[], names: string[]) => specs.filter((s) => names.includes(s.name));

export const upFlags: FlagSpec[] = [
  { name: 'data-dir', description: 'State of both parts: DIR/control and DIR/agent', default: '/var/lib/skiff', placeholder: 'DIR' },
  ...pick(controlFlags, ['listen', 'cluster-cidr', 'service-cidr', 'service-node-port-range', 'node-cidr-mask-size', 'tls-san', 'store-history', 'store-compact-interval', 'node-monitor-grace-period', 'node-monitor-period', 'default-not-ready-toleration-seconds', 'default-unreachable-toleration-seconds', 'controllers']),
  ...pick(agentFlags, [
    'node-name',
    'runtime',
    'runtime-endpoint',
    'node-ip',
    'log-level',
    'disable-proxy',
    'proxy-min-sync-period',
    'proxy-sync-period',
    'eviction-hard',
    'eviction-pressure-transition-period',
    'housekeeping-interval',
    'system-reserved',
    'kube-reserved',
    'max-pods',
    'shutdown-grace-period',
    'shutdown-grace-period-critical-pods',
    'disable-dns',
    'cluster-dns',
    'cluster-domain',
    'resolv-conf',
    'pod-manifest-path',
  ]),
];

export const upSummary = 'Starts a one-node cluster on this host: the control server and an agent.';

export async function upCommand(argv: string[]): Promise<void> {
  const flags = parseFlags(argv, upFlags);
  if (flags['help']) return console.log(usage('up', upSummary, upFlags));
  const logger = createLogger(str(flags, 'log-level'), 'skiff');
  const dataDir = required(flags, 'data-dir');
  const runtime = { runtime: runtimeFlag(required(flags, 'runtime')), runtimeEndpoint: str(flags, 'runtime-endpoint') };
  resolveRuntime(runtime); // fail before anything is created when there is no runtime
  // The proxy guards the control server's own --service-cidr.
  const proxy = proxyOptions(flags);
  const resources = resourceOptions(flags);
  const dns = nodeDnsOptions(flags, dnsOptions(flags));
  const control = await startControl({
    ...controlOptions({ ...flags, 'data-dir': join(dataDir, 'control') }),
    logger: logger.child({ part: 'control' }),
    version: skiffVersion(),
  });
  const shutdown = shutdownOptions(flags);
  const signal = shutdownSignal(logger, shutdown.gracePeriodMs);
  // The control server stops after the agent: on a machine shutdown the agent still writes
  // its pods' final status through it.
  const controlStop = new AbortController();
  const controlDone = control.run(controlStop.signal);
  const nodeName = str(flags, 'node-name') ?? hostname().toLowerCase();
  process.stderr.write(
    `skiff is up: kubeconfig at ${control.kubeconfigPath}\n` +
      `  try: kubectl --kubeconfig ${control.kubeconfigPath} get nodes\n` +
      `  join another host: skiff agent --server https://<this-host>:${control.port} --token-file ${control.nodeTokenPath}\n`,
  );
  const agentDone = runAgent(
    {
      server: control.url,
      token: control.nodeToken,
      nodeName,
      dataDir: join(dataDir, 'agent'),
      ...runtime,
      nodeIP: str(flags, 'node-ip'),
      proxy,
      resources,
      podManifestPath: str(flags, 'pod-manifest-path') || undefined,
      ...dns,
      shutdown,
      logger: logger.child({ part: 'agent' }),
      version: skiffVersion(),
    },
    signal,
  ).finally(() => controlStop.abort());
  // If either half fails, stop the other too; the first error is the one reported.
  await Promise.all([agentDone, controlDone].map((p) => p.catch((err) => {
    if (!signal.aborted) process.emit('SIGTERM', 'SIGTERM');
    controlStop.abort();
    throw err;
  })));
}
