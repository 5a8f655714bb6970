// The Job controller (Kubernetes' pkg/controller/job, NonIndexed and Indexed) together
// with the TTL-after-finished controller. A sync claims the Job's pods by controllerRef and
// selector, lets job-plan.ts decide, starts or stops pods — unless creates or deletes it
// asked for are still on their way to the informer (expectations) — and writes status
// last: counts, startTime, and the Complete or Failed condition. A finished Job with
// ttlSecondsAfterFinished is deleted (with its pods, by the garbage collector) once that
// time has passed.

import type { Logger } from 'pino';
import type { ApiClient } from '../../../api/client.js';
import { isConflict, isNotFound } from '../../../api/errors.js';
import type { Recorder } from '../../../api/events.js';
import { Informer, objectKey } from '../../../api/informer.js';
import { labelSelectorAsMatcher, type LabelMatcher } from '../../../api/labels.js';
import { resources } from '../../../api/resources.js';
import { metaTime } from '../../../api/time.js';
import type { OwnerReference, Pod } from '../../../api/types.js';
import type { Job, JobStatus } from '../../../api/workload-types.js';
import { processQueue, WorkQueue } from '../../../api/workqueue.js';
import { controllerRef } from '../replicaset-controller.js';
import { ControllerExpectations } from '../workloads/expectations.js';
import { indexedPodParts } from './indexed.js';
import { isJobFinished, msUntilTtlExpiry, nextJobStatus, planJob, type JobPlan } from './job-plan.js';

export interface JobControllerOptions {
  client: ApiClient;
  logger: Logger;
  record: Recorder;
  now?: () => number;
}

export function jobOwnerRef(job: Job): OwnerReference {
  return { apiVersion: 'batch/v1', kind: 'Job', name: job.metadata.name!, uid: job.metadata.uid!, controller: true, blockOwnerDeletion: true };
}

export class JobController {
  private readonly client: ApiClient;
  private readonly logger: Logger;
  private readonly record: Recorder;
  private readonly now: () => number;
  private readonly jobs: Informer<Job>;
  private readonly pods: Informer<Pod>;
  private readonly queue = new WorkQueue({ baseDelayMs: 250, maxDelayMs: 30_000 });
  private readonly expectations: ControllerExpectations;

  constructor(o: JobControllerOptions) {
    this.client = o.client;
    this.logger = o.logger;
    this.record = o.record;
    this.now = o.now ?? Date.now;
    this.expectations = new ControllerExpectations(this.now);
    this.jobs = new Informer<Job>(o.client, resources.jobs, { logger: o.logger });
    this.pods = new Informer<Pod>(o.client, resources.pods, { logger: o.logger });
    this.jobs.addHandlers({
      onAdd: (job) => this.queue.add(objectKey(job)),
      onUpdate: (_old, job) => this.queue.add(objectKey(job)),
      onDelete: (job) => {
        this.expectations.delete(objectKey(job));
        this.queue.add(objectKey(job));
      },
    });
    this.pods.addHandlers({
      onAdd: (pod) => {
        if (pod.metadata.deletionTimestamp) return this.onPodDelete(pod);
        const job = this.resolveRef(pod);
        if (!job) return;
        this.expectations.creationObserved(objectKey(job));
        this.queue.add(objectKey(job));
      },
      onUpdate: (old, pod) => {
        if (pod.metadata.deletionTimestamp && !old.metadata.deletionTimestamp) return this.onPodDelete(pod);
        const job = this.resolveRef(pod);
        if (job) this.queue.add(objectKey(job));
      },
      onDelete: (pod) => this.onPodDelete(pod),
    });
  }

  async run(signal: AbortSignal): Promise<void> {
    const informers = [this.jobs.run(signal), this.pods.run(signal)];
    signal.addEventListener('abort', () => this.queue.shutDown(), { once: true });
    await Promise.race([Promise.all([this.jobs.synced, this.pods.synced]), new Promise((r) => signal.addEventListener('abort', r, { once: true }))]);
    await processQueue(this.queue, (key) => this.syncJob(key), (key, err) => {
      if (isConflict(err)) this.logger.debug({ job: key }, 'job sync conflicted, retrying');
      else this.logger.warn({ job: key, err: (err as Error).message }, 'job sync failed');
    });
    await Promise.allSettled(informers);
  }

  private resolveRef(pod: Pod): Job | undefined {
    const ref = controllerRef(pod);
    if (!ref || ref.kind !== 'Job') return undefined;
    const job = this.jobs.get(`${pod.metadata.namespace}/${ref.name}`);
    return job?.metadata.uid === ref.uid ? job : undefined;
  }

  private onPodDelete(pod: Pod): void {
    const job = this.resolveRef(pod);
    if (!job) return;
    this.expectations.deletionObserved(objectKey(job), objectKey(pod));
    this.queue.add(objectKey(job));
  }

  private async syncJob(key: string): Promise<void> {
    const job = this.jobs.get(key);
    if (!job) {
      this.expectations.delete(key);
      return;
    }
    if (job.metadata.deletionTimestamp) return;
    if (isJobFinished(job)) return this.syncFinished(job);
    const matcher = matcherOf(job);
    if (!matcher) {
      this.logger.warn({ job: key }, 'job selector invalid, not syncing');
      return;
    }
    const pods = await this.claimPods(job, matcher);
    const now = this.now();
    const plan = planJob(job, pods, now);
    // Until the informer has seen our last creates and deletes, counting pods would act twice.
    const settled = this.expectations.satisfied(key);
    let manageError: unknown;
    if (settled) {
      try {
        await this.manage(job, plan);
      } catch (err) {
        manageError = err;
      }
    }
    if (plan.finish && !settled) return; // decide the finish on a settled view
    await this.updateStatus(job, nextJobStatus(job, plan, metaTime(new Date(now))));
    if (plan.finish) {
      if (plan.finish.type === 'Complete') this.record(job, 'Normal', 'Completed', 'Job completed');
      else this.record(job, 'Warning', plan.finish.reason, plan.finish.message);
    }
    if (manageError) throw manageError;
    if (plan.recheckAfterMs !== undefined) this.queue.addAfter(key, plan.recheckAfterMs + 100);
  }

  private async syncFinished(job: Job): Promise<void> {
    const left = msUntilTtlExpiry(job, this.now());
    if (left === undefined) return;
    if (left > 0) {
      this.queue.addAfter(objectKey(job), left + 100);
      return;
    }
    try {
      // The garbage collector takes the pods; uid guards against a Job recreated under the name.
      await this.client.delete(resources.jobs, job.metadata.name!, job.metadata.namespace, { propagationPolicy: 'Background', preconditions: { uid: job.metadata.uid! } });
      this.logger.info({ job: objectKey(job) }, 'finished job deleted after ttlSecondsAfterFinished');
    } catch (err) {
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
  }

  private async claimPods(job: Job, matcher: LabelMatcher): Promise<Pod[]> {
    const owned: Pod[] = [];
    for (const pod of this.pods.list()) {
      if (pod.metadata.namespace !== job.metadata.namespace) continue;
      const ref = controllerRef(pod);
      if (ref) {
        if (ref.uid === job.metadata.uid && matcher.matches(pod.metadata.labels)) owned.push(pod);
        continue;
      }
      // Orphans are adopted only by a selector the user chose; a generated one names our uid.
      if (!matcher.matches(pod.metadata.labels) || pod.metadata.deletionTimestamp || pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') continue;
      try {
        const ownerReferences = [...(pod.metadata.ownerReferences ?? []), jobOwnerRef(job)];
        owned.push(await this.client.patch<Pod>(resources.pods, pod.metadata.name!, { metadata: { ownerReferences, resourceVersion: pod.metadata.resourceVersion } }, { namespace: pod.metadata.namespace }));
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    return owned;
  }

  private async manage(job: Job, plan: JobPlan): Promise<void> {
    const key = objectKey(job);
    if (plan.create === 0 && plan.delete.length === 0) return;
    this.expectations.expect(key, plan.create, plan.delete.map(objectKey));
    const creates = Array.from({ length: plan.create }, (_, i) => this.createPod(job, plan.createIndexes?.[i]));
    const results = await Promise.allSettled([...creates, ...plan.delete.map((p) => this.deletePod(job, p))]);
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) throw failure.reason;
  }

  /** @param index the completion index of an Indexed Job's pod */
  private async createPod(job: Job, index?: number): Promise<void> {
    const template = index === undefined ? structuredClone(job.spec.template) : indexedPodParts(job, index, job.spec.template);
    const meta = template.metadata ?? {};
    const pod: Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        generateName: index === undefined ? `${job.metadata.name}-` : `${job.metadata.name}-${index}-`,
        namespace: job.metadata.namespace!,
        ...(meta.labels ? { labels: meta.labels } : {}),
        ...(meta.annotations ? { annotations: meta.annotations } : {}),
        ...(meta.finalizers ? { finalizers: meta.finalizers } : {}),
        ownerReferences: [jobOwnerRef(job)],
      },
      spec: template.spec,
    };
    try {
      const created = await this.client.create<Pod>(resources.pods, pod);
      this.record(job, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name}`);
    } catch (err) {
      this.expectations.creationObserved(objectKey(job));
      this.record(job, 'Warning', 'FailedCreate', `Error creating: ${(err as Error).message}`);
      throw err;
    }
  }

  private async deletePod(job: Job, pod: Pod): Promise<void> {
    try {
      await this.client.delete(resources.pods, pod.metadata.name!, pod.metadata.namespace, { preconditions: { uid: pod.metadata.uid! } });
      this.record(job, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`);
    } catch (err) {
      this.expectations.deletionObserved(objectKey(job), objectKey(pod));
      if (isNotFound(err) || isConflict(err)) return;
      this.record(job, 'Warning', 'FailedDelete', `Error deleting: ${(err as Error).message}`);
      throw err;
    }
  }

  private async updateStatus(job: Job, status: JobStatus): Promise<void> {
    if (JSON.stringify(status) === JSON.stringify(job.status ?? {})) return;
    try {
      await this.client.patch(resources.jobs, job.metadata.name!, { status }, { namespace: job.metadata.namespace, subresource: 'status' });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

function matcherOf(job: Job): LabelMatcher | undefined {
  try {
    return labelSelectorAsMatcher(job.spec.selector);
  } catch {
    return undefined;
  }
}
