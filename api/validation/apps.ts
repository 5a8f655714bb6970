// Validation of apps/v1 Deployments, ReplicaSets and DaemonSets as Kubernetes'
// pkg/apis/apps/validation does it: object meta, selector matching the template, a pod
// template that restarts Always, rollout strategy numbers, and the immutable selector.

import type { KubeObject, ObjectMeta } from '../types.js';
import type { DaemonSet, Deployment, IntOrString, PodTemplateSpec, ReplicaSet } from '../workload-types.js';
import { forbidden, invalid, notSupported, required, StringerValue, type FieldError } from './field-error.js';
import { goStringMap, validateWorkloadSelector } from './label-selector.js';
import { IS_NEGATIVE_ERROR_MSG, validateAnnotations, validateLabels, validateObjectMeta, validateObjectMetaUpdate } from './object-meta.js';
import { validatePodSpec } from './pod.js';

const PERCENT = /^[0-9]+%$/;
const PERCENT_MSG = "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')";

export function nonNegative(value: number | undefined | null, field: string): FieldError[] {
  if (typeof value !== 'number') return [];
  return value < 0 ? [invalid(field, value, IS_NEGATIVE_ERROR_MSG)] : [];
}

/** The pod template of a controller: valid labels/annotations and pod spec. */
export function validatePodTemplate(template: PodTemplateSpec | undefined, field: string, restartPolicies: readonly string[]): FieldError[] {
  if (!template || typeof template !== 'object') return [required(field)];
  const meta: ObjectMeta = template.metadata ?? {};
  const errs = [...validateLabels(meta.labels, `${field}.metadata.labels`), ...validateAnnotations(meta.annotations, `${field}.metadata.annotations`)];
  const spec = template.spec ?? { containers: [] };
  errs.push(...validatePodSpec(spec, `${field}.spec`));
  const policy = spec.restartPolicy ?? '';
  if (!restartPolicies.includes(policy)) errs.push(notSupported(`${field}.spec.restartPolicy`, policy, restartPolicies));
  return errs;
}

function replicaSetTemplate(template: PodTemplateSpec | undefined): FieldError[] {
  const errs = validatePodTemplate(template, 'spec.template', ['Always']);
  const deadline = (template?.spec as { activeDeadlineSeconds?: number } | undefined)?.activeDeadlineSeconds;
  if (deadline !== undefined && deadline !== null) {
    errs.push(forbidden('spec.template.spec.activeDeadlineSeconds', 'activeDeadlineSeconds in ReplicaSet is not Supported'));
  }
  return errs;
}

/** A count or a percentage up to 100% (maxSurge, maxUnavailable, a PodDisruptionBudget's minAvailable). */
export function intOrPercent(value: IntOrString | undefined, field: string): FieldError[] {
  if (value === undefined) return [];
  if (typeof value === 'number') return nonNegative(value, field);
  if (!PERCENT.test(value)) return [invalid(field, value, PERCENT_MSG)];
  if (parseInt(value, 10) > 100) return [invalid(field, value, 'must not be greater than 100%')];
  return [];
}

function isZero(value: IntOrString | undefined): boolean {
  return value === 0 || value === '0%' || value === undefined;
}

function rollingUpdateErrors(ru: { maxUnavailable?: IntOrString; maxSurge?: IntOrString }, field: string, surgeAllowed: boolean): FieldError[] {
  const errs = [...intOrPercent(ru.maxUnavailable, `${field}.maxUnavailable`), ...intOrPercent(ru.maxSurge, `${field}.maxSurge`)];
  if (surgeAllowed && isZero(ru.maxUnavailable) && isZero(ru.maxSurge)) {
    errs.push(invalid(`${field}.maxUnavailable`, ru.maxUnavailable ?? 0, 'may not be 0 when `maxSurge` is 0'));
  }
  return errs;
}

function metaErrors(obj: KubeObject): FieldError[] {
  return validateObjectMeta(obj.metadata ?? {}, { namespaced: true, nameRule: 'subdomain' });
}

export function validateDeployment(d: Deployment): FieldError[] {
  const spec = d.spec ?? ({} as Deployment['spec']);
  const errs = metaErrors(d);
  errs.push(...nonNegative(spec.replicas, 'spec.replicas'));
  errs.push(...validateWorkloadSelector(spec.selector, spec.template?.metadata?.labels, 'deployment'));
  errs.push(...replicaSetTemplate(spec.template));
  const strategy = spec.strategy ?? {};
  if (strategy.type === 'Recreate') {
    if (strategy.rollingUpdate) errs.push(forbidden('spec.strategy.rollingUpdate', "may not be specified when strategy `type` is 'Recreate'"));
  } else if (strategy.type === 'RollingUpdate') {
    if (strategy.rollingUpdate) errs.push(...rollingUpdateErrors(strategy.rollingUpdate, 'spec.strategy.rollingUpdate', true));
  } else {
    errs.push(notSupported('spec.strategy.type', strategy.type ?? '', ['Recreate', 'RollingUpdate']));
  }
  errs.push(...nonNegative(spec.minReadySeconds, 'spec.minReadySeconds'));
  errs.push(...nonNegative(spec.revisionHistoryLimit, 'spec.revisionHistoryLimit'));
  if (typeof spec.progressDeadlineSeconds === 'number') {
    errs.push(...nonNegative(spec.progressDeadlineSeconds, 'spec.progressDeadlineSeconds'));
    if (spec.progressDeadlineSeconds <= (spec.minReadySeconds ?? 0)) {
      errs.push(invalid('spec.progressDeadlineSeconds', spec.progressDeadlineSeconds, 'must be greater than minReadySeconds'));
    }
  }
  return errs;
}

export function validateReplicaSet(rs: ReplicaSet): FieldError[] {
  const spec = rs.spec ?? ({} as ReplicaSet['spec']);
  const errs = metaErrors(rs);
  errs.push(...nonNegative(spec.replicas, 'spec.replicas'));
  errs.push(...nonNegative(spec.minReadySeconds, 'spec.minReadySeconds'));
  errs.push(...validateWorkloadSelector(spec.selector, spec.template?.metadata?.labels, 'deployment'));
  errs.push(...replicaSetTemplate(spec.template));
  return errs;
}

export function validateDaemonSet(ds: DaemonSet): FieldError[] {
  const spec = ds.spec ?? ({} as DaemonSet['spec']);
  const errs = metaErrors(ds);
  errs.push(...validateWorkloadSelector(spec.selector, spec.template?.metadata?.labels, 'daemonset'));
  errs.push(...replicaSetTemplate(spec.template));
  const strategy = spec.updateStrategy ?? {};
  if (strategy.type === 'RollingUpdate') {
    if (strategy.rollingUpdate) errs.push(...rollingUpdateErrors(strategy.rollingUpdate, 'spec.updateStrategy.rollingUpdate', true));
  } else if (strategy.type !== 'OnDelete') {
    errs.push(notSupported('spec.updateStrategy.type', strategy.type ?? '', ['OnDelete', 'RollingUpdate']));
  }
  errs.push(...nonNegative(spec.minReadySeconds, 'spec.minReadySeconds'));
  errs.push(...nonNegative(spec.revisionHistoryLimit, 'spec.revisionHistoryLimit'));
  return errs;
}

/** apps/v1 made spec.selector immutable for all three kinds. */
export function validateSelectorUnchanged(next: KubeObject, old: KubeObject): FieldError[] {
  const errs = validateObjectMetaUpdate(next.metadata ?? {}, old.metadata ?? {});
  const a = (next['spec'] as { selector?: unknown } | undefined)?.selector;
  const b = (old['spec'] as { selector?: unknown } | undefined)?.selector;
  if (JSON.stringify(a ?? null) !== JSON.stringify(b ?? null)) {
    const sel = a as { matchLabels?: Record<string, string> } | undefined;
    errs.push(invalid('spec.selector', sel ? new StringerValue(`v1.LabelSelector{MatchLabels:${goStringMap(sel.matchLabels).text}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}`) : null, 'field is immutable'));
  }
  return errs;
}
