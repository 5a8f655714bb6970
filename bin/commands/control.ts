// `skiff control`: the control server.

import { hostname } from 'node:os';
import { startControl } from '../../control/control-server.js';
import { parseFlags, parseInteger, parseListen, required, str, list, usage, type FlagSpec, UsageError } from '../cli-flags.js';
import { createLogger, shutdownSignal, skiffVersion } from '../daemon.js';
import { parseCidr, parseIPv4 } from '../../api/cidr.js';
import { parseControllerSet } from '../../control/controllers/controller-set.js';
import { parsePortRange } from '../../control/apiserver/registry/service-allocation/port-allocator.js';

export const controlFlags: FlagSpec[] = [
  { name: 'data-dir', description: 'Where the store, certificates, tokens and admin.kubeconfig live', default: '/var/lib/skiff/control', placeholder: 'DIR' },
  { name: 'listen', description: 'Address and port of the HTTPS API', default: '0.0.0.0:6443', placeholder: 'HOST:PORT' },
  { name: 'advertise-address', description: 'IPv4 address other hosts and pods reach the API on (the kubernetes Service\'s endpoint; default: the listen address, else this host\'s first)', placeholder: 'IP' },
  { name: 'cluster-cidr', description: 'Range the nodes\' pod ranges are cut from', default: '10.42.0.0/16', placeholder: 'CIDR' },
  { name: 'service-cidr', description: 'Range cluster IPs of Services come from (the first is the kubernetes Service\'s)', default: '10.43.0.0/16', placeholder: 'CIDR' },
  { name: 'service-node-port-range', description: 'Ports NodePort and LoadBalancer Services are given on every node', default: '30000-32767', placeholder: 'LOW-HIGH' },
  { name: 'node-cidr-mask-size', description: 'Prefix length of each node\'s pod range', default: '24', placeholder: 'N' },
  { name: 'tls-san', description: 'Extra DNS name or IP for the serving certificate (repeatable)', multiple: true, placeholder: 'HOST' },
  { name: 'store-history', description: 'Revisions of history kept for watches to resume from (older ones answer 410 Expired)', default: '10000', placeholder: 'N' },
  { name: 'store-compact-interval', description: 'Seconds between compactions of that history', default: '60', placeholder: 'SECONDS' },
  { name: 'node-monitor-grace-period', description: 'Seconds a node may go without renewing its lease before it is Unknown and tainted unreachable', default: '40', placeholder: 'SECONDS' },
  { name: 'node-monitor-period', description: 'Seconds between checks of the nodes', default: '5', placeholder: 'SECONDS' },
  { name: 'default-not-ready-toleration-seconds', description: 'tolerationSeconds new pods get for the not-ready NoExecute taint', default: '300', placeholder: 'SECONDS' },
  { name: 'default-unreachable-toleration-seconds', description: 'tolerationSeconds new pods get for the unreachable NoExecute taint', default: '300', placeholder: 'SECONDS' },
  { name: 'controllers', description: 'Controllers to run: * for all, -name to leave one out (e.g. "*,-deployment")', default: '*', placeholder: 'LIST' },
  { name: 'log-level', description: 'fatal, error, warn, info, debug or trace', default: 'info', placeholder: 'LEVEL' },
];

export const controlSummary = 'Runs the control server: the Kubernetes API (HTTPS), its store, the scheduler and the controllers.';

export function controlOptions(flags: Record<string, unknown>) {
  const f = flags as Parameters<typeof str>[0];
  const listen = parseListen(required(f, 'listen'));
  const clusterCidr = required(f, 'cluster-cidr');
  try {
    parseCidr(clusterCidr);
  } catch (err) {
    throw new UsageError(`--cluster-cidr: ${(err as Error).message}`);
  }
  const serviceCidr = required(f, 'service-cidr');
  try {
    const c = parseCidr(serviceCidr);
    if (c.prefix > 30) throw new Error('a service range needs at least 4 addresses (/30)');
  } catch (err) {
    throw new UsageError(`--service-cidr: ${(err as Error).message}`);
  }
  const serviceNodePortRange = required(f, 'service-node-port-range');
  try {
    parsePortRange(serviceNodePortRange);
  } catch (err) {
    throw new UsageError(`--service-node-port-range: ${(err as Error).message}`);
  }
  return {
    serviceCidr,
    serviceNodePortRange,
    dataDir: required(f, 'data-dir'),
    listenHost: listen.host,
    listenPort: listen.port,
    clusterCidr,
    nodeCidrMaskSize: parseInteger(required(f, 'node-cidr-mask-size'), 'node-cidr-mask-size', 16, 30),
    tlsSans: list(f, 'tls-san'),
    advertiseAddress: advertiseFlag(str(f, 'advertise-address')),
    storeHistory: parseInteger(required(f, 'store-history'), 'store-history', 1, 10_000_000),
    controllers: controllerSet(required(f, 'controllers')),
    podAdmission: {
      notReadyTolerationSeconds: parseInteger(required(f, 'default-not-ready-toleration-seconds'), 'default-not-ready-toleration-seconds', 0, 31_536_000),
      unreachableTolerationSeconds: parseInteger(required(f, 'default-unreachable-toleration-seconds'), 'default-unreachable-toleration-seconds', 0, 31_536_000),
    },
    nodeMonitorGracePeriodMs: parseInteger(required(f, 'node-monitor-grace-period'), 'node-monitor-grace-period', 1, 86_400) * 1000,
    nodeMonitorPeriodMs: parseInteger(required(f, 'node-monitor-period'), 'node-monitor-period', 1, 3_600) * 1000,
    storeCompactIntervalMs: parseInteger(required(f, 'store-compact-interval'), 'store-compact-interval', 1, 86_400) * 1000,
  };
}

function advertiseFlag(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  try {
    parseIPv4(value);
  } catch {
    throw new UsageError(`--advertise-address ${value}: expected an IPv4 address`);
  }
  return value;
}

function controllerSet(spec: string) {
  try {
    return parseControllerSet(spec);
  } catch (err) {
    throw new UsageError(`--controllers: ${(err as Error).message}`);
  }
}

export async function controlCommand(argv: string[]): Promise<void> {
  const flags = parseFlags(argv, controlFlags);
  if (flags['help']) return console.log(usage('control', controlSummary, controlFlags));
  const logger = createLogger(str(flags, 'log-level'), 'skiff-control');
  const options = controlOptions(flags);
  const signal = shutdownSignal(logger);
  const control = await startControl({ ...options, logger, version: skiffVersion() });
  logger.info({ kubeconfig: control.kubeconfigPath, nodeToken: control.nodeTokenPath, host: hostname() }, 'control server ready');
  await control.run(signal);
}
