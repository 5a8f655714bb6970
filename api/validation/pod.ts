// Pod validation as Kubernetes' ValidatePodCreate / ValidatePodSpec / ValidatePodUpdate
// do it, for the fields Skiff runs. validatePod checks a whole (defaulted) pod;
// validatePodUpdate adds only what an update must also respect — the API server runs
// both on an update, so no problem is reported twice.

import type { Pod, PodSpec } from '../types.js';
import { validateContainers, validateImageWhitespace, validateInitContainers } from './container.js';
import { forbidden, invalid, notSupported, required, type FieldError } from './field-error.js';
import { inclusiveRangeError, isDNS1123Label, nameIsDNSSubdomain } from './names.js';
import { IS_NEGATIVE_ERROR_MSG, validateLabels, validateObjectMeta, validateObjectMetaUpdate } from './object-meta.js';
import { validateHostAliases, validatePodDNSConfig, type HostAliasSpec, type PodDNSConfigSpec } from './pod-dns.js';
import { validateMirrorPodAnnotation, validateMirrorPodAnnotationUpdate } from './mirror-pod.js';
import { semanticDiff } from './semantic-diff.js';
import { sameTolerationIgnoringSeconds, validateTolerations, type Toleration } from './tolerations.js';

export const SUPPORTED_RESTART_POLICIES = ['Always', 'OnFailure', 'Never'] as const;
export const SUPPORTED_DNS_POLICIES = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'] as const;
const MAX_INT32 = 2147483647;

/** Fields of a PodSpec that api/types.ts leaves untyped but validation reads. */
interface PodSpecExtras {
  activeDeadlineSeconds?: number | null;
  hostNetwork?: boolean;
  serviceAccountName?: string;
  subdomain?: string;
  priorityClassName?: string;
  tolerations?: Toleration[];
  dnsConfig?: PodDNSConfigSpec | null;
  hostAliases?: HostAliasSpec[] | null;
  schedulingGates?: { name: string }[];
}

const extras = (spec: PodSpec): PodSpecExtras => spec as PodSpecExtras;

function nameErrors(field: string, value: string | undefined, check: (v: string) => string[]): FieldError[] {
  return value ? check(value).map((msg) => invalid(field, value, msg)) : [];
}

export function validatePodSpec(spec: PodSpec, field = 'spec'): FieldError[] {
  const errs: FieldError[] = [];
  const x = extras(spec);
  const grace = spec.terminationGracePeriodSeconds;
  if (grace === undefined || grace === null) errs.push(required(`${field}.terminationGracePeriodSeconds`));
  else if (grace < 0) errs.push(invalid(`${field}.terminationGracePeriodSeconds`, grace, IS_NEGATIVE_ERROR_MSG));

  errs.push(...validateContainers(spec.containers, `${field}.containers`));
  errs.push(...validateInitContainers(spec.initContainers, spec.containers, `${field}.initContainers`));

  if (x.hostNetwork) {
    // On the host's network a container port is a host port, so the two must agree.
    (spec.containers ?? []).forEach((c, ci) =>
      (c?.ports ?? []).forEach((p, pi) => {
        if (!p) return;
        const hostPort = p.hostPort ?? 0;
        if (hostPort !== p.containerPort) {
          errs.push(invalid(`${field}.containers[${ci}].ports[${pi}].hostPort`, hostPort, 'must match `containerPort` when `hostNetwork` is true'));
        }
      }),
    );
  }

  const restartPolicy = spec.restartPolicy ?? '';
  if (!restartPolicy) errs.push(required(`${field}.restartPolicy`));
  else if (!(SUPPORTED_RESTART_POLICIES as readonly string[]).includes(restartPolicy)) {
    errs.push(notSupported(`${field}.restartPolicy`, restartPolicy, SUPPORTED_RESTART_POLICIES));
  }
  const dnsPolicy = spec.dnsPolicy ?? '';
  if (!dnsPolicy) errs.push(required(`${field}.dnsPolicy`));
  else if (!(SUPPORTED_DNS_POLICIES as readonly string[]).includes(dnsPolicy)) {
    errs.push(notSupported(`${field}.dnsPolicy`, dnsPolicy, SUPPORTED_DNS_POLICIES));
  }
  errs.push(...validateLabels(spec.nodeSelector, `${field}.nodeSelector`));
  if (dnsPolicy === 'None') {
    if (!x.dnsConfig) errs.push(required(`${field}.dnsConfig`, 'must provide `dnsConfig` when `dnsPolicy` is None'));
    else if (!x.dnsConfig.nameservers?.length) {
      errs.push(required(`${field}.dnsConfig.nameservers`, 'must provide at least one DNS nameserver when `dnsPolicy` is None'));
    }
  }
  errs.push(...validatePodDNSConfig(x.dnsConfig, `${field}.dnsConfig`));
  errs.push(...nameErrors(`${field}.serviceAccountName`, x.serviceAccountName, (v) => nameIsDNSSubdomain(v, false)));
  errs.push(...nameErrors(`${field}.nodeName`, spec.nodeName, (v) => nameIsDNSSubdomain(v, false)));
  const deadline = x.activeDeadlineSeconds;
  if (deadline !== undefined && deadline !== null && (deadline < 1 || deadline > MAX_INT32)) {
    errs.push(invalid(`${field}.activeDeadlineSeconds`, deadline, inclusiveRangeError(1, MAX_INT32)));
  }
  errs.push(...nameErrors(`${field}.hostname`, spec.hostname, isDNS1123Label));
  errs.push(...nameErrors(`${field}.subdomain`, x.subdomain, isDNS1123Label));
  errs.push(...validateTolerations(x.tolerations, `${field}.tolerations`));
  errs.push(...validateHostAliases(x.hostAliases, `${field}.hostAliases`));
  errs.push(...nameErrors(`${field}.priorityClassName`, x.priorityClassName, (v) => nameIsDNSSubdomain(v, false)));
  return errs;
}

/** A pod's metadata and spec, as checked on create (and again, whole, on every update). */
export function validatePod(pod: Pod): FieldError[] {
  const spec = pod.spec ?? ({ containers: [] } as PodSpec);
  return [
    ...validateObjectMeta(pod.metadata ?? {}, { namespaced: true, nameRule: 'subdomain' }),
    ...validateMirrorPodAnnotation(pod),
    ...validatePodSpec(spec),
    ...validateImageWhitespace(spec.containers, 'spec.containers'),
    ...validateImageWhitespace(spec.initContainers, 'spec.initContainers'),
  ];
}

export const UPDATABLE_POD_SPEC_FIELDS = [
  '`spec.containers[*].image`',
  '`spec.initContainers[*].image`',
  '`spec.activeDeadlineSeconds`',
  '`spec.tolerations` (only additions to existing tolerations)',
  '`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
];

/**
 * What an update of a pod may change: container images, a shorter activeDeadlineSeconds,
 * added tolerations (existing ones may only change tolerationSeconds), removed scheduling
 * gates. Everything else in the spec is immutable.
 */
export function validatePodUpdate(next: Pod, old: Pod): FieldError[] {
  const errs = [...validateObjectMetaUpdate(next.metadata ?? {}, old.metadata ?? {}), ...validateMirrorPodAnnotationUpdate(next, old)];
  const spec = next.spec ?? ({ containers: [] } as PodSpec);
  const oldSpec = old.spec ?? ({ containers: [] } as PodSpec);
  const x = extras(spec);
  const ox = extras(oldSpec);

  for (const key of ['containers', 'initContainers'] as const) {
    if ((spec[key] ?? []).length !== (oldSpec[key] ?? []).length) {
      errs.push(forbidden(`spec.${key}`, 'pod updates may not add or remove containers'));
      return errs;
    }
  }

  const deadline = x.activeDeadlineSeconds;
  const oldDeadline = ox.activeDeadlineSeconds;
  if (deadline !== undefined && deadline !== null) {
    if (deadline < 0 || deadline > MAX_INT32) {
      errs.push(invalid('spec.activeDeadlineSeconds', deadline, inclusiveRangeError(0, MAX_INT32)));
      return errs;
    }
    if (oldDeadline !== undefined && oldDeadline !== null && oldDeadline < deadline) {
      errs.push(invalid('spec.activeDeadlineSeconds', deadline, 'must be less than or equal to previous value'));
      return errs;
    }
  } else if (oldDeadline !== undefined && oldDeadline !== null) {
    errs.push(invalid('spec.activeDeadlineSeconds', null, 'must not update from a positive integer to nil value'));
  }

  for (const was of ox.tolerations ?? []) {
    if (!(x.tolerations ?? []).some((t) => sameTolerationIgnoringSeconds(was, t))) {
      errs.push(forbidden('spec.tolerations', 'existing toleration can not be modified except its tolerationSeconds'));
      break;
    }
  }

  const oldGates = new Set((ox.schedulingGates ?? []).map((g) => g.name));
  (x.schedulingGates ?? []).forEach((g, i) => {
    if (!oldGates.has(g.name)) errs.push(forbidden(`spec.schedulingGates[${i}].name`, `only deletion is allowed, but found new scheduling gate '${g.name}'`));
  });

  // Put back what may change, then anything still different was not allowed to.
  const munged = structuredClone(spec) as PodSpec & PodSpecExtras;
  munged.containers = (munged.containers ?? []).map((c, i) => (c ? { ...c, image: oldSpec.containers?.[i]?.image ?? c.image } : c));
  if (munged.initContainers) {
    munged.initContainers = munged.initContainers.map((c, i) => (c ? { ...c, image: oldSpec.initContainers?.[i]?.image ?? c.image } : c));
  }
  setOrDelete(munged, 'activeDeadlineSeconds', ox.activeDeadlineSeconds);
  setOrDelete(munged, 'schedulingGates', ox.schedulingGates);
  setOrDelete(munged, 'tolerations', ox.tolerations);
  const oldGrace = oldSpec.terminationGracePeriodSeconds;
  if (typeof oldGrace === 'number' && oldGrace < 0 && munged.terminationGracePeriodSeconds === 1) munged.terminationGracePeriodSeconds = oldGrace;

  const diff = semanticDiff(oldSpec, munged, 'spec');
  if (diff.length) {
    errs.push(forbidden('spec', `pod updates may not change fields other than ${UPDATABLE_POD_SPEC_FIELDS.join(',')}\n${diff.join('\n')}`));
  }
  return errs;
}

function setOrDelete<K extends keyof PodSpecExtras>(spec: PodSpecExtras, key: K, value: PodSpecExtras[K] | undefined): void {
  if (value === undefined) delete spec[key];
  else spec[key] = value;
}
