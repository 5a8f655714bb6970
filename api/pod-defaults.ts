// The pod scheme defaults (pkg/apis/core/v1/defaults.go): what Kubernetes fills in when a
// Pod or a PodSpec is decoded. Shared by the API server (before admission and validation)
// and the agent's static pods, which the kubelet defaults with the same scheme.

import type { Container, Pod, PodSpec, ResourceRequirements } from './types.js';

export const DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS = 30;
export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';
export const TERMINATION_MESSAGE_PATH_DEFAULT = '/dev/termination-log';

// ---- image references ---------------------------------------------------------------------

// The distribution/reference grammar Kubernetes parses images with.
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const REFERENCE = new RegExp(`^((?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*)(?::(${TAG}))?(?:@(${DIGEST}))?$`);
const NAME_TOTAL_LENGTH_MAX = 255;

export interface ImageReference {
  name: string;
  tag?: string;
  digest?: string;
}

/** Splits "registry:5000/repo/app:tag@sha256:…"; undefined for an unparsable reference. */
export function parseImageReference(image: string): ImageReference | undefined {
  const m = REFERENCE.exec(image);
  if (!m || m[1]!.length > NAME_TOTAL_LENGTH_MAX) return undefined;
  const ref: ImageReference = { name: m[1]! };
  if (m[2] !== undefined) ref.tag = m[2];
  if (m[3] !== undefined) ref.digest = m[3];
  return ref;
}

/**
 * Kubernetes' default pull policy: Always for ":latest" and for images with neither tag
 * nor digest (which mean latest), IfNotPresent otherwise — including references it cannot
 * parse, whose tag it then does not know.
 */
export function defaultImagePullPolicy(image: string): 'Always' | 'IfNotPresent' {
  const ref = parseImageReference(image);
  if (!ref) return 'IfNotPresent';
  const tag = ref.tag ?? (ref.digest ? '' : 'latest');
  return tag === 'latest' ? 'Always' : 'IfNotPresent';
}

// ---- defaulting -----------------------------------------------------------------------------

interface Probe {
  timeoutSeconds?: number;
  periodSeconds?: number;
  successThreshold?: number;
  failureThreshold?: number;
  httpGet?: { path?: string; scheme?: string };
}

function defaultProbe(probe: Probe | undefined): void {
  if (!probe) return;
  probe.timeoutSeconds ||= 1;
  probe.periodSeconds ||= 10;
  probe.successThreshold ||= 1;
  probe.failureThreshold ||= 3;
  if (probe.httpGet) {
    probe.httpGet.path ||= '/';
    probe.httpGet.scheme ||= 'HTTP';
  }
}

function defaultContainer(c: Container): void {
  if (!c.imagePullPolicy) c.imagePullPolicy = defaultImagePullPolicy(c.image ?? '');
  c.terminationMessagePath ||= TERMINATION_MESSAGE_PATH_DEFAULT;
  c.terminationMessagePolicy ||= 'File';
  for (const port of c.ports ?? []) {
    if (!port) continue; // left for validation to report
    port.protocol ||= 'TCP';
  }
  for (const env of c.env ?? []) {
    const fieldRef = (env?.valueFrom as { fieldRef?: { apiVersion?: string } } | undefined)?.fieldRef;
    if (fieldRef) fieldRef.apiVersion ||= 'v1';
  }
  for (const key of ['livenessProbe', 'readinessProbe', 'startupProbe'] as const) defaultProbe(c[key] as Probe | undefined);
  for (const key of ['postStart', 'preStop'] as const) {
    const httpGet = (c['lifecycle'] as Record<string, { httpGet?: { scheme?: string } } | undefined> | undefined)?.[key]?.httpGet;
    if (httpGet) httpGet.scheme ||= 'HTTP';
  }
}

// A pod that only sets limits requests exactly its limits (SetDefaults_Pod).
function defaultRequestsFromLimits(resources: ResourceRequirements | undefined): void {
  if (!resources?.limits) return;
  const requests = (resources.requests ??= {});
  for (const [name, quantity] of Object.entries(resources.limits)) {
    if (!Object.prototype.hasOwnProperty.call(requests, name)) requests[name] = quantity;
  }
}

type SpecExtras = PodSpec & {
  enableServiceLinks?: boolean;
  securityContext?: object;
  hostNetwork?: boolean;
};

/**
 * The PodSpec scheme defaults: what Kubernetes fills in wherever a PodSpec appears,
 * including the pod templates of workloads. Mutates spec.
 */
export function defaultPodSpec(spec: PodSpec): void {
  const x = spec as SpecExtras;
  spec.dnsPolicy ||= 'ClusterFirst';
  spec.restartPolicy ||= 'Always';
  x.securityContext ??= {};
  spec.terminationGracePeriodSeconds ??= DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS;
  spec.schedulerName ||= DEFAULT_SCHEDULER_NAME;
  for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
    if (c) defaultContainer(c); // a null entry is left for validation to report
  }
}

/**
 * What SetDefaults_Pod adds on top of the PodSpec defaults for a real pod (not a template):
 * enableServiceLinks, requests copied from limits, host ports on the host network. Mutates
 * the pod and returns it.
 */
export function defaultPodObject(pod: Pod): Pod {
  const spec = (pod.spec ??= { containers: [] });
  const x = spec as SpecExtras;
  defaultPodSpec(spec);
  x.enableServiceLinks ??= true;
  for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
    if (!c) continue;
    defaultRequestsFromLimits(c.resources);
    // On the host's network the container port is the host port.
    if (x.hostNetwork === true) for (const port of c.ports ?? []) if (port && !port.hostPort) port.hostPort = port.containerPort;
  }
  return pod;
}
