// Strategies of batch/v1 Jobs and CronJobs: scheme defaults, the generated selector and
// template labels a Job gets unless it asks for manualSelector, validation, and status
// only through /status.

import { resources } from '../../../api/resources.js';
import type { CronJob, Job } from '../../../api/workload-types.js';
import {
  CONTROLLER_UID_LABEL,
  JOB_NAME_LABEL,
  LEGACY_CONTROLLER_UID_LABEL,
  LEGACY_JOB_NAME_LABEL,
  validateCronJob,
  validateCronJobUpdate,
  validateJob,
  validateJobUpdate,
} from '../../../api/validation/batch.js';
import { toCauses } from './causes.js';
import { defaultPodTemplate } from './pod-template-defaults.js';
import { cronJobTable, jobTable } from './printers/index.js';
import { keepAllButStatus, keepStatus } from './status-strategy.js';
import type { Strategy } from './strategy.js';

export function defaultJob(job: Job): void {
  const spec = (job.spec ??= {} as Job['spec']);
  if ((spec.completions === undefined || spec.completions === null) && spec.parallelism === undefined) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  spec.parallelism ??= 1;
  spec.backoffLimit ??= spec.backoffLimitPerIndex !== undefined ? 2147483647 : 6;
  spec.completionMode ??= 'NonIndexed';
  spec.suspend ??= false;
  if (spec.podFailurePolicy === undefined) spec.podReplacementPolicy ??= 'TerminatingOrFailed';
  // A Job without labels of its own shows its template's (generated ones included): Kubernetes
  // defaults this on every decode, so it holds after the selector has been generated too.
  const templateLabels = spec.template?.metadata?.labels;
  if (templateLabels && Object.keys(job.metadata.labels ?? {}).length === 0) job.metadata.labels = { ...templateLabels };
  defaultPodTemplate(spec.template);
}

/**
 * generateSelector: label the template with the Job's uid and name and select on the uid,
 * so no two Jobs can ever select each other's pods.
 */
export function generateJobSelector(job: Job): void {
  const spec = job.spec;
  if (!spec || typeof spec !== 'object' || spec.manualSelector === true) return;
  const template = (spec.template ??= { spec: { containers: [] } });
  const meta = (template.metadata ??= {});
  const uid = job.metadata.uid ?? '';
  const name = job.metadata.name ?? '';
  const labels = (meta.labels ??= {});
  labels[CONTROLLER_UID_LABEL] ??= uid;
  labels[LEGACY_CONTROLLER_UID_LABEL] ??= uid;
  labels[JOB_NAME_LABEL] ??= name;
  labels[LEGACY_JOB_NAME_LABEL] ??= name;
  spec.selector ??= { matchLabels: { [CONTROLLER_UID_LABEL]: uid } };
}

export const jobStrategy: Strategy = {
  type: resources.jobs,
  defaults: (obj) => defaultJob(obj as Job),
  prepareForCreate(obj) {
    obj['status'] = {};
    generateJobSelector(obj as Job);
  },
  prepareForUpdate: keepStatus,
  prepareForStatusUpdate: keepAllButStatus,
  validate: (obj) => toCauses(validateJob(obj as Job)),
  validateUpdate: (obj, old) => toCauses(validateJobUpdate(obj as Job, old as Job)),
  fields: {
    names: ['status.successful'],
    getter: (obj) => (field) => (field === 'status.successful' ? String((obj as Job).status?.succeeded ?? 0) : undefined),
  },
  table: jobTable,
};

export function defaultCronJob(cj: CronJob): void {
  const spec = (cj.spec ??= {} as CronJob['spec']);
  spec.concurrencyPolicy ??= 'Allow';
  spec.suspend ??= false;
  spec.successfulJobsHistoryLimit ??= 3;
  spec.failedJobsHistoryLimit ??= 1;
  if (spec.jobTemplate && typeof spec.jobTemplate === 'object') defaultPodTemplate(spec.jobTemplate.spec?.template);
}

export const cronJobStrategy: Strategy = {
  type: resources.cronjobs,
  defaults: (obj) => defaultCronJob(obj as CronJob),
  prepareForCreate(obj) {
    obj['status'] = {};
  },
  prepareForUpdate: keepStatus,
  prepareForStatusUpdate: keepAllButStatus,
  validate: (obj) => toCauses(validateCronJob(obj as CronJob)),
  validateUpdate: (obj, old) => toCauses(validateCronJobUpdate(obj, old)),
  table: cronJobTable,
};
