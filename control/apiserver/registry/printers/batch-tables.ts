// The jobs and cronjobs Tables as Kubernetes' printJob / printCronJob build them: a Job's
// STATUS from its conditions, COMPLETIONS as succeeded/desired, DURATION from start to
// completion (or now); a CronJob's schedule, time zone, suspension and last schedule.

import type { TableRow } from '../../../../api/types.js';
import type { CronJob, Job } from '../../../../api/workload-types.js';
import { ageColumn, column, formatLabelSelector, nameColumn, tableOf, templateCells, templateColumns } from './columns.js';
import { humanDuration, parseTimestamp, timestampAge } from './human-duration.js';

export const jobColumnDefinitions = [
  nameColumn(),
  column('Status', 'string', 'Status of the job.'),
  column('Completions', 'string', 'The desired number of successfully finished pods the job should be run with.'),
  column('Duration', 'string', 'Time required to complete the job.'),
  ageColumn(),
  ...templateColumns(),
];

function hasCondition(job: Job, type: string): boolean {
  return (job.status?.conditions ?? []).some((c) => c.type === type && c.status === 'True');
}

/** STATUS: the most final condition the Job has reached. */
export function jobStatus(job: Job): string {
  if (hasCondition(job, 'Complete')) return 'Complete';
  if (hasCondition(job, 'Failed')) return 'Failed';
  if (job.metadata.deletionTimestamp) return 'Terminating';
  if (hasCondition(job, 'SuccessCriteriaMet')) return 'SuccessCriteriaMet';
  if (hasCondition(job, 'FailureTarget')) return 'FailureTarget';
  if (hasCondition(job, 'Suspended')) return 'Suspended';
  return 'Running';
}

export function jobCompletions(job: Job): string {
  const succeeded = job.status?.succeeded ?? 0;
  const completions = job.spec?.completions;
  if (typeof completions === 'number') return `${succeeded}/${completions}`;
  const parallelism = job.spec?.parallelism ?? 0;
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

export function jobDuration(job: Job, now: Date): string {
  const start = parseTimestamp(job.status?.startTime);
  if (start === undefined) return '';
  const end = parseTimestamp(job.status?.completionTime) ?? now.getTime();
  return humanDuration(end - start);
}

export function printJob(job: Job, now: Date): TableRow {
  const [containers, images] = templateCells(job.spec?.template);
  return {
    cells: [
      job.metadata.name ?? '',
      jobStatus(job),
      jobCompletions(job),
      jobDuration(job, now),
      timestampAge(job.metadata.creationTimestamp, now),
      containers,
      images,
      formatLabelSelector(job.spec?.selector),
    ],
  };
}

export const jobTable = tableOf<Job>(jobColumnDefinitions, printJob);

export const cronJobColumnDefinitions = [
  nameColumn(),
  column('Schedule', 'string', 'The schedule in Cron format.'),
  column('Timezone', 'string', 'The time zone name for the given schedule.'),
  column('Suspend', 'boolean', 'This flag tells the controller to suspend subsequent executions.'),
  column('Active', 'integer', 'A list of pointers to currently running jobs.'),
  column('Last Schedule', 'string', 'Information when was the last time the job was successfully scheduled.'),
  ageColumn(),
  ...templateColumns(),
];

export function printCronJob(cj: CronJob, now: Date): TableRow {
  const spec = cj.spec ?? ({} as CronJob['spec']);
  const [containers, images] = templateCells(spec.jobTemplate?.spec?.template);
  const last = cj.status?.lastScheduleTime ? timestampAge(cj.status.lastScheduleTime, now) : '<none>';
  return {
    cells: [
      cj.metadata.name ?? '',
      spec.schedule ?? '',
      spec.timeZone ?? '<none>',
      spec.suspend === undefined ? '<unset>' : spec.suspend ? 'True' : 'False',
      (cj.status?.active ?? []).length,
      last,
      timestampAge(cj.metadata.creationTimestamp, now),
      containers,
      images,
      formatLabelSelector(spec.jobTemplate?.spec?.selector),
    ],
  };
}

export const cronJobTable = tableOf<CronJob>(cronJobColumnDefinitions, printCronJob);
