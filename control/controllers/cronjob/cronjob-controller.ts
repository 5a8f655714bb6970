// The CronJob controller (Kubernetes' cronjob_controllerv2, reduced): each CronJob owns the
// Jobs it started. A sync brings status.active in line with the owned Jobs (finished ones
// leave it, lastSuccessfulTime follows the latest completion), deletes finished Jobs beyond
// the history limits, and — unless suspended — starts the Job for the most recent due
// activation (schedule-decision.ts) within concurrencyPolicy: Allow runs it beside the
// active ones, Forbid skips it while one is active, Replace deletes the active ones first.
// The key is then re-queued for the next activation, so no sync polls. Missed activations
// after a restart come out of lastScheduleTime: at most one catch-up run.

import type { Logger } from 'pino';
import type { ApiClient } from '../../../api/client.js';
import { isAlreadyExists, isConflict, isNotFound } from '../../../api/errors.js';
import type { Recorder } from '../../../api/events.js';
import { Informer, objectKey } from '../../../api/informer.js';
import { resources } from '../../../api/resources.js';
import { metaTime } from '../../../api/time.js';
import type { OwnerReference } from '../../../api/types.js';
import type { CronJob, CronJobStatus, Job } from '../../../api/workload-types.js';
import { processQueue, WorkQueue } from '../../../api/workqueue.js';
import { conditionOf, isJobFinished } from '../job/job-plan.js';
import { controllerRef } from '../replicaset-controller.js';
import { parseSchedule, ScheduleError } from './cron-schedule.js';
import { jobNameFor, scheduleDecision } from './schedule-decision.js';

export const SCHEDULED_TIMESTAMP_ANNOTATION = 'batch.kubernetes.io/cronjob-scheduled-timestamp';

export interface CronJobControllerOptions {
  client: ApiClient;
  logger: Logger;
  record: Recorder;
  now?: () => number;
}

type ActiveRef = NonNullable<CronJobStatus['active']>[number];

export class CronJobController {
  private readonly client: ApiClient;
  private readonly logger: Logger;
  private readonly record: Recorder;
  private readonly now: () => number;
  private readonly cronJobs: Informer<CronJob>;
  private readonly jobs: Informer<Job>;
  private readonly queue = new WorkQueue({ baseDelayMs: 1_000, maxDelayMs: 60_000 });
  /**
   * One timer per CronJob for its next activation. WorkQueue.addAfter keeps the first timer
   * it was given, so a schedule edited to run sooner would wait for the old, later one.
   */
  private readonly nextRun = new Map<string, { at: number; timer: NodeJS.Timeout }>();

  constructor(o: CronJobControllerOptions) {
    this.client = o.client;
    this.logger = o.logger;
    this.record = o.record;
    this.now = o.now ?? Date.now;
    this.cronJobs = new Informer<CronJob>(o.client, resources.cronjobs, { logger: o.logger });
    this.jobs = new Informer<Job>(o.client, resources.jobs, { logger: o.logger });
    const enqueue = (cj: CronJob) => this.queue.add(objectKey(cj));
    this.cronJobs.addHandlers({ onAdd: enqueue, onUpdate: (_o, cj) => enqueue(cj), onDelete: enqueue });
    const onJob = (job: Job) => {
      const ref = controllerRef(job);
      if (ref?.kind !== 'CronJob') return;
      const cj = this.cronJobs.get(`${job.metadata.namespace}/${ref.name}`);
      if (cj?.metadata.uid === ref.uid) enqueue(cj);
    };
    this.jobs.addHandlers({ onAdd: onJob, onUpdate: (_o, j) => onJob(j), onDelete: onJob });
  }

  async run(signal: AbortSignal): Promise<void> {
    const informers = [this.cronJobs.run(signal), this.jobs.run(signal)];
    signal.addEventListener('abort', () => {
      this.queue.shutDown();
      for (const { timer } of this.nextRun.values()) clearTimeout(timer);
      this.nextRun.clear();
    }, { once: true });
    await Promise.race([Promise.all([this.cronJobs.synced, this.jobs.synced]), new Promise((r) => signal.addEventListener('abort', r, { once: true }))]);
    await processQueue(this.queue, (key) => this.syncCronJob(key), (key, err) => {
      if (isConflict(err)) this.logger.debug({ cronJob: key }, 'cronjob sync conflicted, retrying');
      else this.logger.warn({ cronJob: key, err: (err as Error).message }, 'cronjob sync failed');
    });
    await Promise.allSettled(informers);
  }

  private async syncCronJob(key: string): Promise<void> {
    const cj = this.cronJobs.get(key);
    if (!cj) {
      const cur = this.nextRun.get(key);
      if (cur) clearTimeout(cur.timer);
      this.nextRun.delete(key);
      return;
    }
    const owned = this.jobs.list().filter((j) => j.metadata.namespace === cj.metadata.namespace && controllerRef(j)?.uid === cj.metadata.uid);
    const status: CronJobStatus = structuredClone(cj.status ?? {});
    await this.reconcileActive(cj, owned, status);
    if (cj.metadata.deletionTimestamp) return this.updateStatus(cj, status);
    await this.cleanupFinishedJobs(cj, owned);
    if (cj.spec.suspend) return this.updateStatus(cj, status);

    let schedule;
    try {
      schedule = parseSchedule(cj.spec.schedule, cj.spec.timeZone);
    } catch (err) {
      if (!(err instanceof ScheduleError)) throw err;
      this.record(cj, 'Warning', err.reason, err.reason === 'UnknownTimeZone' ? `invalid timeZone: "${cj.spec.timeZone}": ${err.message}` : `unparseable schedule: "${cj.spec.schedule}" : ${err.message}`);
      return this.updateStatus(cj, status); // nothing to retry until the spec changes
    }
    const now = this.now();
    const decision = scheduleDecision({ ...cj, status }, schedule, now);
    if (decision.tooManyMissed) {
      this.record(cj, 'Warning', 'TooManyMissedTimes', 'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew');
    }
    try {
      if (decision.missedTime !== undefined) {
        this.record(cj, 'Warning', 'MissSchedule', `Missed scheduled time to start a job: ${new Date(decision.missedTime).toUTCString()}`);
      }
      if (decision.scheduledTime !== undefined) await this.startJob(cj, status, decision.scheduledTime);
      await this.updateStatus(cj, status);
    } finally {
      if (decision.nextTime !== undefined) this.syncAt(key, decision.nextTime);
    }
  }

  /** Sync `key` just after `at`, replacing a timer set for another time. */
  private syncAt(key: string, at: number): void {
    const cur = this.nextRun.get(key);
    if (cur?.at === at) return;
    if (cur) clearTimeout(cur.timer);
    const timer = setTimeout(() => {
      this.nextRun.delete(key);
      this.queue.add(key);
    }, Math.max(0, at - this.now()) + 100);
    timer.unref();
    this.nextRun.set(key, { at, timer });
  }

  /** Active refs follow the owned Jobs: finished and vanished ones leave, running ones join. */
  private async reconcileActive(cj: CronJob, owned: Job[], status: CronJobStatus): Promise<void> {
    const byUid = new Map(owned.map((j) => [j.metadata.uid, j]));
    const active: ActiveRef[] = [];
    for (const ref of status.active ?? []) {
      const job = byUid.get(ref.uid);
      if (job) {
        if (job.metadata.deletionTimestamp) continue; // replaced or deleted: no longer running for us
        if (!isJobFinished(job)) active.push(ref);
        else this.sawFinished(cj, job, status);
        continue;
      }
      // Not in the cache: a Job we just made may not have arrived yet; ask the API server.
      try {
        const live = await this.client.get<Job>(resources.jobs, ref.name!, cj.metadata.namespace);
        if (live.metadata.uid === ref.uid && !isJobFinished(live) && !live.metadata.deletionTimestamp) active.push(ref);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    for (const job of owned) {
      if (isJobFinished(job)) {
        this.noteSuccess(job, status);
        continue;
      }
      if (!job.metadata.deletionTimestamp && !active.some((r) => r.uid === job.metadata.uid)) active.push(refTo(job));
    }
    status.active = active;
  }

  private sawFinished(cj: CronJob, job: Job, status: CronJobStatus): void {
    const type = conditionOf(job, 'Failed')?.status === 'True' ? 'Failed' : 'Complete';
    this.record(cj, 'Normal', 'SawCompletedJob', `Saw completed job: ${job.metadata.name}, condition: ${type}`);
    this.noteSuccess(job, status);
  }

  private noteSuccess(job: Job, status: CronJobStatus): void {
    const done = conditionOf(job, 'Complete')?.status === 'True' ? job.status?.completionTime : undefined;
    if (done && (!status.lastSuccessfulTime || Date.parse(done) > Date.parse(status.lastSuccessfulTime))) status.lastSuccessfulTime = done;
  }

  private async startJob(cj: CronJob, status: CronJobStatus, scheduled: number): Promise<void> {
    const name = jobNameFor(cj, scheduled);
    // Already started (a sync that ran before the Job reached the cache): nothing to do.
    if ((status.active ?? []).some((r) => r.name === name)) return;
    const policy = cj.spec.concurrencyPolicy ?? 'Allow';
    if (policy === 'Forbid' && (status.active ?? []).length > 0) {
      this.record(cj, 'Normal', 'JobAlreadyActive', 'Not starting job because prior execution is running and concurrency policy is Forbid');
      return;
    }
    if (policy === 'Replace') {
      for (const ref of status.active ?? []) {
        try {
          await this.client.delete(resources.jobs, ref.name!, cj.metadata.namespace, { propagationPolicy: 'Background', preconditions: { uid: ref.uid! } });
          this.record(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${ref.name}`);
        } catch (err) {
          if (!isNotFound(err) && !isConflict(err)) throw err;
        }
      }
      status.active = [];
    }
    const template = structuredClone(cj.spec.jobTemplate);
    const job: Job = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        name,
        namespace: cj.metadata.namespace!,
        ...(template.metadata?.labels ? { labels: template.metadata.labels } : {}),
        annotations: { ...(template.metadata?.annotations ?? {}), [SCHEDULED_TIMESTAMP_ANNOTATION]: metaTime(new Date(scheduled)) },
        ownerReferences: [ownerRefTo(cj)],
      },
      spec: template.spec,
    };
    let created: Job;
    try {
      created = await this.client.create<Job>(resources.jobs, job);
      this.record(cj, 'Normal', 'SuccessfulCreate', `Created job ${name}`);
    } catch (err) {
      if (!isAlreadyExists(err)) {
        this.record(cj, 'Warning', 'FailedCreate', `Error creating job: ${(err as Error).message}`);
        throw err;
      }
      // Made by an earlier sync whose status write was lost: adopt its outcome, not a second run.
      created = await this.client.get<Job>(resources.jobs, name, cj.metadata.namespace);
      if (controllerRef(created)?.uid !== cj.metadata.uid) return;
    }
    if (!isJobFinished(created)) status.active = [...(status.active ?? []), refTo(created)];
    status.lastScheduleTime = metaTime(new Date(scheduled));
  }

  /** successfulJobsHistoryLimit / failedJobsHistoryLimit: the oldest finished Jobs beyond them go. */
  private async cleanupFinishedJobs(cj: CronJob, owned: Job[]): Promise<void> {
    const started = (j: Job) => Date.parse(j.status?.startTime ?? j.metadata.creationTimestamp ?? '') || 0;
    const finished = owned.filter((j) => isJobFinished(j) && !j.metadata.deletionTimestamp);
    const groups: [Job[], number | undefined][] = [
      [finished.filter((j) => conditionOf(j, 'Complete')?.status === 'True'), cj.spec.successfulJobsHistoryLimit],
      [finished.filter((j) => conditionOf(j, 'Failed')?.status === 'True'), cj.spec.failedJobsHistoryLimit],
    ];
    for (const [jobs, limit] of groups) {
      if (limit === undefined || jobs.length <= limit) continue;
      for (const job of jobs.sort((a, b) => started(a) - started(b)).slice(0, jobs.length - limit)) {
        try {
          await this.client.delete(resources.jobs, job.metadata.name!, job.metadata.namespace, { propagationPolicy: 'Background', preconditions: { uid: job.metadata.uid! } });
          this.record(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${job.metadata.name}`);
        } catch (err) {
          if (!isNotFound(err) && !isConflict(err)) throw err;
        }
      }
    }
  }

  private async updateStatus(cj: CronJob, status: CronJobStatus): Promise<void> {
    const active = status.active?.length ? status.active : undefined;
    const cur = cj.status ?? {};
    const same = JSON.stringify(cur.active ?? []) === JSON.stringify(active ?? []) &&
      cur.lastScheduleTime === status.lastScheduleTime && cur.lastSuccessfulTime === status.lastSuccessfulTime;
    if (same) return;
    const patch = { status: { active: active ?? null, lastScheduleTime: status.lastScheduleTime ?? null, lastSuccessfulTime: status.lastSuccessfulTime ?? null } };
    try {
      await this.client.patch(resources.cronjobs, cj.metadata.name!, patch, { namespace: cj.metadata.namespace, subresource: 'status' });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

function refTo(job: Job): ActiveRef {
  return { kind: 'Job', namespace: job.metadata.namespace!, name: job.metadata.name!, uid: job.metadata.uid!, apiVersion: 'batch/v1', resourceVersion: job.metadata.resourceVersion! } as ActiveRef;
}

function ownerRefTo(cj: CronJob): OwnerReference {
  return { apiVersion: 'batch/v1', kind: 'CronJob', name: cj.metadata.name!, uid: cj.metadata.uid!, controller: true, blockOwnerDeletion: true };
}
