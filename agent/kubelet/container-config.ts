// Turns a pod's container spec into the runtime's ContainerConfig / PodSandboxConfig, the
// way the kubelet's kuberuntime_container.go does: env (with $(VAR) expansion in command
// and args), resources → cgroup settings, and the labels that let a restarted agent find
// and adopt what it created.

import { milliValue, parseQuantity, value } from '../../api/quantity.js';
import type { Container, EnvVar, Pod } from '../../api/types.js';
import { truncateHostname } from './pod-identity/hostname.js';
import { linuxSecurityContext, nonRootViolation } from './security-context.js';
import { secretData, type ConfigObjects } from './volumes/config-objects.js';
import {
  ANNOTATION_POD_SANDBOX_ATTEMPT,
  ANNOTATION_RESTART_COUNT,
  LABEL_CONTAINER_NAME,
  LABEL_POD_NAME,
  LABEL_POD_NAMESPACE,
  LABEL_POD_UID,
  type ContainerConfig,
  type KeyValuePair,
  type LinuxContainerResources,
  type PodSandboxConfig,
  type PortMapping,
} from '../runtime/runtime.js';

export interface PodContext {
  nodeName: string;
  hostIP: string;
  podIP: string;
  /** The node's allocatable resources: what a container without a limit may use. */
  allocatable?: Record<string, string>;
  /** ConfigMaps and Secrets for configMapKeyRef, secretKeyRef and envFrom. */
  objects?: ConfigObjects;
}

/** A container that cannot be configured (kubelet reason CreateContainerConfigError). */
export class ContainerConfigError extends Error {
  readonly code = 'CreateContainerConfigError';
}

export function podLabels(pod: Pod): Record<string, string> {
  return {
    [LABEL_POD_NAME]: pod.metadata.name ?? '',
    [LABEL_POD_NAMESPACE]: pod.metadata.namespace ?? '',
    [LABEL_POD_UID]: pod.metadata.uid ?? '',
  };
}

/**
 * spec.hostname, else the pod name cut to 63 characters (a DNS label) without a trailing
 * '-' or '.', as the kubelet's GeneratePodHostNameAndDomain truncates it. The sandbox's
 * final hostname (FQDN, host network) is pod-identity's.
 */
export function podHostname(pod: Pod): string {
  const name = pod.metadata.name ?? '';
  return pod.spec.hostname || truncateHostname(name, name);
}

/** Any container (init ones too) asking to be privileged: its sandbox must be too, as the kubelet makes it. */
function hasPrivilegedContainer(pod: Pod): boolean {
  const all = [...((pod.spec as { initContainers?: Container[] }).initContainers ?? []), ...pod.spec.containers];
  return all.some((c) => (c as { securityContext?: { privileged?: boolean } }).securityContext?.privileged === true);
}

export function sandboxConfig(pod: Pod, attempt: number): PodSandboxConfig {
  const portMappings: PortMapping[] = [];
  for (const c of pod.spec.containers) {
    for (const p of c.ports ?? []) {
      if (!p.hostPort) continue;
      const m: PortMapping = { protocol: p.protocol ?? 'TCP', containerPort: p.containerPort, hostPort: p.hostPort };
      if (p.hostIP) m.hostIp = p.hostIP;
      portMappings.push(m);
    }
  }
  return {
    metadata: { name: pod.metadata.name ?? '', namespace: pod.metadata.namespace ?? '', uid: pod.metadata.uid ?? '', attempt },
    hostname: podHostname(pod),
    ...(pod.spec['hostNetwork'] === true ? { hostNetwork: true } : {}),
    ...(hasPrivilegedContainer(pod) ? { privileged: true } : {}),
    portMappings,
    labels: { ...(pod.metadata.labels ?? {}), ...podLabels(pod) },
    annotations: { [ANNOTATION_POD_SANDBOX_ATTEMPT]: String(attempt) },
  };
}

/** Kubernetes' resources → cgroup mapping (cpu shares from requests, CFS quota from limits). */
export function containerResources(c: Container): LinuxContainerResources {
  const out: LinuxContainerResources = {};
  const limits = c.resources?.limits ?? {};
  const requests = c.resources?.requests ?? {};
  const cpuRequest = requests['cpu'] ?? limits['cpu'];
  // A container with no cpu request gets the minimum weight (2), as the kubelet gives it.
  out.cpuShares = cpuRequest ? Math.max(2, Math.floor((milliValue(parseQuantity(cpuRequest)) * 1024) / 1000)) : 2;
  if (limits['cpu']) {
    out.cpuPeriod = 100_000;
    out.cpuQuota = Math.max(1000, Math.floor((milliValue(parseQuantity(limits['cpu'])) * 100_000) / 1000));
  }
  if (limits['memory']) out.memoryLimitInBytes = Number(value(parseQuantity(limits['memory'])));
  return out;
}

/** The value of a downward-API field reference the kubelet can resolve. */
export function fieldRef(pod: Pod, ctx: PodContext, path: string): string {
  switch (path) {
    case 'metadata.name':
      return pod.metadata.name ?? '';
    case 'metadata.namespace':
      return pod.metadata.namespace ?? '';
    case 'metadata.uid':
      return pod.metadata.uid ?? '';
    case 'spec.nodeName':
      return ctx.nodeName;
    case 'spec.serviceAccountName':
      return String(pod.spec['serviceAccountName'] ?? 'default');
    case 'status.hostIP':
      return ctx.hostIP;
    case 'status.podIP':
      return ctx.podIP;
    default: {
      const label = /^metadata\.labels\['(.+)'\]$/.exec(path);
      if (label) return pod.metadata.labels?.[label[1]!] ?? '';
      const annotation = /^metadata\.annotations\['(.+)'\]$/.exec(path);
      if (annotation) return pod.metadata.annotations?.[annotation[1]!] ?? '';
      return '';
    }
  }
}

interface KeySelector {
  name?: string;
  key: string;
  optional?: boolean;
}

interface EnvFromSource {
  prefix?: string;
  configMapRef?: { name?: string; optional?: boolean };
  secretRef?: { name?: string; optional?: boolean };
}

interface EnvVarSource {
  fieldRef?: { fieldPath?: string };
  resourceFieldRef?: ResourceFieldRef;
  configMapKeyRef?: KeySelector;
  secretKeyRef?: KeySelector;
}

/**
 * Resolves env as the kubelet's makeEnvironmentVariables: envFrom sources first, in order,
 * then env, in order, each overriding what came before; a `value` may refer to earlier
 * variables with $(NAME). A missing ConfigMap, Secret or key that is not optional makes the
 * container unconfigurable (ContainerConfigError, with Kubernetes' messages).
 */
export function containerEnv(pod: Pod, c: Container, ctx: PodContext): KeyValuePair[] {
  const resolved = new Map<string, string>();
  for (const from of (c['envFrom'] as EnvFromSource[] | undefined) ?? []) {
    for (const [k, v] of envFromValues(pod, from, ctx)) {
      // Names with '=' cannot be environment variables; the kubelet skips them too.
      if (k && !k.includes('=')) resolved.set(k, v);
    }
  }
  for (const e of c.env ?? []) {
    const v = envValue(pod, c, e, ctx, resolved);
    if (v !== undefined) resolved.set(e.name, v);
  }
  return [...resolved].map(([key, value]) => ({ key, value }));
}

function objectsOf(ctx: PodContext): ConfigObjects {
  if (!ctx.objects) throw new ContainerConfigError('this node cannot read ConfigMaps or Secrets');
  return ctx.objects;
}

function envFromValues(pod: Pod, from: EnvFromSource, ctx: PodContext): Array<[string, string]> {
  const ns = pod.metadata.namespace ?? 'default';
  const prefix = from.prefix ?? '';
  if (from.configMapRef) {
    const name = from.configMapRef.name ?? '';
    const cm = objectsOf(ctx).configMap(ns, name);
    if (!cm) {
      if (from.configMapRef.optional) return [];
      throw new ContainerConfigError(`configmap "${name}" not found`);
    }
    return Object.entries(cm.data ?? {}).map(([k, v]) => [prefix + k, v]);
  }
  if (from.secretRef) {
    const name = from.secretRef.name ?? '';
    const s = objectsOf(ctx).secret(ns, name);
    if (!s) {
      if (from.secretRef.optional) return [];
      throw new ContainerConfigError(`secret "${name}" not found`);
    }
    return [...secretData(s)].map(([k, v]) => [prefix + k, v.toString('utf8')]);
  }
  return [];
}

/** undefined: an optional source is missing, so the variable is not set at all. */
function envValue(pod: Pod, c: Container, e: EnvVar, ctx: PodContext, resolved: Map<string, string>): string | undefined {
  if (e.value !== undefined) return expand(e.value, resolved);
  const from = e.valueFrom as EnvVarSource | undefined;
  if (from?.fieldRef?.fieldPath) return fieldRef(pod, ctx, from.fieldRef.fieldPath);
  if (from?.resourceFieldRef?.resource) return resourceFieldRef(pod, c, from.resourceFieldRef, ctx);
  const ns = pod.metadata.namespace ?? 'default';
  if (from?.configMapKeyRef) {
    const ref = from.configMapKeyRef;
    const name = ref.name ?? '';
    const cm = objectsOf(ctx).configMap(ns, name);
    if (!cm) {
      if (ref.optional) return undefined;
      throw new ContainerConfigError(`configmap "${name}" not found`);
    }
    const v = cm.data?.[ref.key] ?? (cm.binaryData?.[ref.key] !== undefined ? Buffer.from(cm.binaryData[ref.key]!, 'base64').toString('utf8') : undefined);
    if (v === undefined && !ref.optional) throw new ContainerConfigError(`couldn't find key ${ref.key} in ConfigMap ${ns}/${name}`);
    return v;
  }
  if (from?.secretKeyRef) {
    const ref = from.secretKeyRef;
    const name = ref.name ?? '';
    const s = objectsOf(ctx).secret(ns, name);
    if (!s) {
      if (ref.optional) return undefined;
      throw new ContainerConfigError(`secret "${name}" not found`);
    }
    const v = secretData(s).get(ref.key)?.toString('utf8');
    if (v === undefined && !ref.optional) throw new ContainerConfigError(`couldn't find key ${ref.key} in Secret ${ns}/${name}`);
    return v;
  }
  return '';
}

export interface ResourceFieldRef {
  containerName?: string;
  resource: string;
  divisor?: string;
}

/**
 * A container's request or limit as the downward API gives it: divided by the divisor
 * (default 1) and rounded up to a whole number. A container without a limit gets the
 * node's allocatable amount, as the kubelet does; a missing request is 0.
 */
export function resourceFieldRef(pod: Pod, self: Container, ref: ResourceFieldRef, ctx: PodContext): string {
  const all = [...pod.spec.containers, ...(pod.spec.initContainers ?? [])];
  const c = ref.containerName ? all.find((x) => x.name === ref.containerName) : self;
  if (!c) return '';
  const [kind, name] = ref.resource.split(/\.(.*)/s) as [string, string | undefined];
  if (!name || (kind !== 'limits' && kind !== 'requests')) return '';
  const own = kind === 'limits' ? c.resources?.limits?.[name] : c.resources?.requests?.[name];
  const amount = own ?? (kind === 'limits' ? ctx.allocatable?.[name] : undefined) ?? '0';
  const divisorText = ref.divisor && ref.divisor !== '0' ? ref.divisor : '1';
  if (name === 'cpu') {
    const milli = milliValue(parseQuantity(amount));
    const per = milliValue(parseQuantity(divisorText)) || 1000;
    return String(Math.ceil(milli / per));
  }
  const bytes = value(parseQuantity(amount));
  const per = value(parseQuantity(divisorText)) || 1n;
  return String((bytes + per - 1n) / per);
}

/**
 * Kubernetes' $(VAR) expansion: $(NAME) becomes the variable's value when NAME is defined,
 * stays as written when it is not, and $$ escapes a literal $.
 */
export function expand(input: string, vars: Map<string, string>): string {
  let out = '';
  for (let i = 0; i < input.length; i++) {
    const ch = input[i]!;
    if (ch !== '$' || i + 1 >= input.length) {
      out += ch;
      continue;
    }
    const next = input[i + 1]!;
    if (next === '$') {
      out += '$';
      i++;
    } else if (next === '(') {
      const end = input.indexOf(')', i + 2);
      if (end < 0) {
        out += input.slice(i);
        break;
      }
      const name = input.slice(i + 2, end);
      out += vars.has(name) ? vars.get(name)! : input.slice(i, end + 1);
      i = end;
    } else {
      out += ch;
    }
  }
  return out;
}

export function containerConfig(pod: Pod, c: Container, ctx: PodContext, attempt: number, restartCount: number): ContainerConfig {
  const envs = containerEnv(pod, c, ctx);
  const vars = new Map(envs.map((e) => [e.key, e.value]));
  const config: ContainerConfig = {
    metadata: { name: c.name, attempt },
    image: c.image,
    envs,
    labels: { ...podLabels(pod), [LABEL_CONTAINER_NAME]: c.name },
    annotations: { [ANNOTATION_RESTART_COUNT]: String(restartCount) },
    resources: containerResources(c),
  };
  const violation = nonRootViolation(pod, c);
  if (violation) throw new ContainerConfigError(violation);
  const securityContext = linuxSecurityContext(pod, c);
  if (securityContext) config.linux = { securityContext };
  if (c.command) config.command = c.command.map((s) => expand(s, vars));
  if (c.args) config.args = c.args.map((s) => expand(s, vars));
  if (c.workingDir) config.workingDir = c.workingDir;
  return config;
}
