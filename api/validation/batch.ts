// Job and CronJob validation as Kubernetes' pkg/apis/batch/validation does it: counts,
// the generated (or manual) selector matching the template, restart policy OnFailure or
// Never, the cron schedule, and what a Job update may not change.

import type { KubeObject } from '../types.js';
import type { CronJob, Job, JobSpec } from '../workload-types.js';
import { invalid, notSupported, required, StringerValue, type FieldError } from './field-error.js';
import { nonNegative, validatePodTemplate } from './apps.js';
import { cronScheduleErrors } from './cron.js';
import { goStringMap, selectorMatches, validateLabelSelector } from './label-selector.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './object-meta.js';

export const CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid';
export const LEGACY_CONTROLLER_UID_LABEL = 'controller-uid';
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
export const LEGACY_JOB_NAME_LABEL = 'job-name';
/** A CronJob's name plus the 11-character suffix of its Jobs must fit a label value. */
export const CRONJOB_NAME_MAX_LENGTH = 52;

function positive(value: number | undefined, field: string): FieldError[] {
  if (typeof value !== 'number') return [];
  return value <= 0 ? [invalid(field, value, 'must be greater than 0')] : [];
}

/** The spec rules shared by a Job and a CronJob's jobTemplate. */
export function validateJobSpec(spec: JobSpec, field: string, needSelector: boolean): FieldError[] {
  const errs: FieldError[] = [];
  errs.push(...nonNegative(spec.parallelism, `${field}.parallelism`));
  errs.push(...nonNegative(spec.completions ?? undefined, `${field}.completions`));
  errs.push(...nonNegative(spec.backoffLimit, `${field}.backoffLimit`));
  errs.push(...positive(spec.activeDeadlineSeconds, `${field}.activeDeadlineSeconds`));
  errs.push(...nonNegative(spec.ttlSecondsAfterFinished, `${field}.ttlSecondsAfterFinished`));
  if (spec.completionMode !== undefined && !['Indexed', 'NonIndexed'].includes(spec.completionMode)) {
    errs.push(notSupported(`${field}.completionMode`, spec.completionMode, ['NonIndexed', 'Indexed']));
  }
  if (spec.completionMode === 'Indexed' && (spec.completions === undefined || spec.completions === null)) {
    errs.push(required(`${field}.completions`, 'when completion mode is Indexed'));
  }
  if (spec.selector) {
    errs.push(...validateLabelSelector(spec.selector, `${field}.selector`));
  } else if (needSelector) {
    errs.push(required(`${field}.selector`));
  }
  errs.push(...validatePodTemplate(spec.template, `${field}.template`, ['OnFailure', 'Never']));
  if (spec.selector && errs.length === 0 && !selectorMatches(spec.selector, spec.template?.metadata?.labels)) {
    errs.push(invalid(`${field}.template.metadata.labels`, goStringMap(spec.template?.metadata?.labels ?? {}), '`selector` does not match template `labels`'));
  }
  return errs;
}

export function validateJob(job: Job): FieldError[] {
  const errs = validateObjectMeta(job.metadata ?? {}, { namespaced: true, nameRule: 'subdomain' });
  const spec = job.spec ?? ({} as JobSpec);
  if (spec.manualSelector !== true) errs.push(...generatedSelectorErrors(job));
  errs.push(...validateJobSpec(spec, 'spec', true));
  return errs;
}

/** Without manualSelector, the selector must be the one the server generated. */
function generatedSelectorErrors(job: Job): FieldError[] {
  const uid = job.metadata?.uid ?? '';
  const labels = job.spec?.template?.metadata?.labels ?? {};
  const errs: FieldError[] = [];
  if (labels[CONTROLLER_UID_LABEL] !== uid) {
    errs.push(invalid(`spec.template.metadata.labels[${CONTROLLER_UID_LABEL}]`, labels[CONTROLLER_UID_LABEL] ?? '', `must be '${uid}'`));
  }
  const sel = job.spec?.selector;
  const generated = sel?.matchLabels?.[CONTROLLER_UID_LABEL] === uid && Object.keys(sel.matchLabels ?? {}).length === 1 && !(sel.matchExpressions ?? []).length;
  if (sel && !generated) errs.push(invalid('spec.selector', new StringerValue(JSON.stringify(sel)), '`selector` not auto-generated'));
  return errs;
}

/** What a Job update may change; selector, template, completions, completionMode, podFailurePolicy and the rest are fixed. */
const MUTABLE_JOB_FIELDS = ['parallelism', 'activeDeadlineSeconds', 'suspend', 'ttlSecondsAfterFinished', 'manualSelector', 'backoffLimit'];

export function validateJobUpdate(next: Job, old: Job): FieldError[] {
  const errs = validateObjectMetaUpdate(next.metadata ?? {}, old.metadata ?? {});
  const a = (next.spec ?? {}) as unknown as Record<string, unknown>;
  const b = (old.spec ?? {}) as unknown as Record<string, unknown>;
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (MUTABLE_JOB_FIELDS.includes(key)) continue;
    if (JSON.stringify(a[key] ?? null) !== JSON.stringify(b[key] ?? null)) {
      const value = a[key];
      errs.push(invalid(`spec.${key}`, typeof value === 'object' ? new StringerValue(JSON.stringify(value)) : value, 'field is immutable'));
    }
  }
  return errs;
}

export function validateCronJob(cj: CronJob): FieldError[] {
  const errs = validateObjectMeta(cj.metadata ?? {}, { namespaced: true, nameRule: 'subdomain' });
  const name = cj.metadata?.name ?? '';
  if (name.length > CRONJOB_NAME_MAX_LENGTH) errs.push(invalid('metadata.name', name, `must be no more than ${CRONJOB_NAME_MAX_LENGTH} characters`));
  const spec = cj.spec ?? ({} as CronJob['spec']);
  if (!spec.schedule) errs.push(required('spec.schedule'));
  else for (const msg of cronScheduleErrors(spec.schedule)) errs.push(invalid('spec.schedule', spec.schedule, msg));
  if (spec.timeZone !== undefined) {
    const tz = spec.timeZone;
    if (typeof tz !== 'string' || !isKnownTimeZone(tz)) errs.push(invalid('spec.timeZone', tz, `unknown time zone ${String(tz)}`));
  }
  errs.push(...nonNegative(spec.startingDeadlineSeconds, 'spec.startingDeadlineSeconds'));
  const policies = ['Allow', 'Forbid', 'Replace'];
  if (!policies.includes(spec.concurrencyPolicy ?? '')) errs.push(notSupported('spec.concurrencyPolicy', spec.concurrencyPolicy ?? '', policies));
  errs.push(...nonNegative(spec.successfulJobsHistoryLimit, 'spec.successfulJobsHistoryLimit'));
  errs.push(...nonNegative(spec.failedJobsHistoryLimit, 'spec.failedJobsHistoryLimit'));
  if (!spec.jobTemplate || typeof spec.jobTemplate !== 'object') errs.push(required('spec.jobTemplate'));
  else errs.push(...validateJobSpec(spec.jobTemplate.spec ?? ({} as JobSpec), 'spec.jobTemplate.spec', false));
  return errs;
}

/**
 * An IANA zone name the runtime knows ("Etc/UTC", "Europe/Paris"). Go's LoadLocation also
 * takes "Local", which Kubernetes refuses because it depends on the controller's host.
 */
export function isKnownTimeZone(tz: string): boolean {
  if (tz === '' || tz === 'Local' || tz.includes(' ')) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export function validateCronJobUpdate(next: KubeObject, old: KubeObject): FieldError[] {
  return validateObjectMetaUpdate(next.metadata ?? {}, old.metadata ?? {});
}
