// The scheduler loop: a client of the API like any other. Informers keep a cache of nodes
// and bound pods; pods without a node are queued; each is filtered and scored against the
// cache and bound with a Binding. A pod that fits nowhere gets PodScheduled=False with
// kube-scheduler's message and waits in the unschedulable set until a node or pod changes
// (kube-scheduler's MoveAllToActiveOrBackoffQueue), then it is tried again.

import type { Logger } from 'pino';
import type { ApiClient } from '../../api/client.js';
import { isConflict, isNotFound } from '../../api/errors.js';
import { Informer, objectKey } from '../../api/informer.js';
import { milliValue, parseQuantity, value } from '../../api/quantity.js';
import { resources } from '../../api/resources.js';
import type { Node, Pod, PodCondition } from '../../api/types.js';
import { processQueue, WorkQueue } from '../../api/workqueue.js';
import { SchedulerCache } from './algorithm/index.js';
import { metaTime } from '../../api/time.js';

export const SCHEDULER_NAME = 'default-scheduler';

export type EventRecorder = (pod: Pod, type: 'Normal' | 'Warning', reason: string, message: string) => void;

export interface SchedulerOptions {
  client: ApiClient;
  logger: Logger;
  record: EventRecorder;
  /** Concurrent bindings in flight (API round trips overlap; decisions stay sequential). */
  parallelism?: number;
}

export const quantityParser = {
  cpuMillis: (s: string) => milliValue(parseQuantity(s)),
  bytes: (s: string) => Number(value(parseQuantity(s))),
};

function needsScheduling(pod: Pod): boolean {
  return !pod.spec.nodeName && !pod.metadata.deletionTimestamp && (pod.spec.schedulerName ?? SCHEDULER_NAME) === SCHEDULER_NAME
    && pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed';
}

export class Scheduler {
  private readonly nodes: Informer<Node>;
  private readonly pods: Informer<Pod>;
  private readonly cache = new SchedulerCache(quantityParser);
  private readonly queue = new WorkQueue({ baseDelayMs: 1_000, maxDelayMs: 10_000 });
  /** Pods that fit nowhere, waiting for a cluster change. */
  private readonly unschedulable = new Set<string>();

  constructor(private readonly options: SchedulerOptions) {
    this.nodes = new Informer<Node>(options.client, resources.nodes, { logger: options.logger });
    this.pods = new Informer<Pod>(options.client, resources.pods, { logger: options.logger });
    this.nodes.addHandlers({
      onAdd: (n) => {
        this.cache.addNode(n);
        this.retryUnschedulable();
      },
      onUpdate: (_o, n) => {
        this.cache.updateNode(n);
        this.retryUnschedulable();
      },
      onDelete: (n) => this.cache.removeNode(n),
    });
    this.pods.addHandlers({
      onAdd: (p) => this.onPod(p),
      onUpdate: (_o, p) => this.onPod(p),
      onDelete: (p) => {
        this.cache.removePod(p);
        this.unschedulable.delete(objectKey(p));
        this.retryUnschedulable();
      },
    });
  }

  private onPod(pod: Pod): void {
    this.cache.addPod(pod);
    if (pod.spec.nodeName) {
      const finished = pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed' || pod.metadata.deletionTimestamp;
      if (finished) this.retryUnschedulable();
      return;
    }
    if (!needsScheduling(pod)) return;
    const key = objectKey(pod);
    if (!this.unschedulable.has(key)) this.queue.add(key);
  }

  private retryUnschedulable(): void {
    for (const key of this.unschedulable) this.queue.addRateLimited(key);
    this.unschedulable.clear();
  }

  async run(signal: AbortSignal): Promise<void> {
    const loops = [this.nodes.run(signal), this.pods.run(signal)];
    await Promise.all([this.nodes.synced, this.pods.synced].map((p) => Promise.race([p, aborted(signal)])));
    signal.addEventListener('abort', () => this.queue.shutDown(), { once: true });
    const workers = Array.from({ length: this.options.parallelism ?? 1 }, () => this.worker());
    await Promise.all([...workers, ...loops]);
  }

  private worker(): Promise<void> {
    return processQueue(this.queue, (key) => this.scheduleOne(key), (key, err) =>
      this.options.logger.warn({ pod: key, err: (err as Error).message }, 'scheduling attempt failed'),
    );
  }

  private async scheduleOne(key: string): Promise<void> {
    const pod = this.pods.get(key);
    if (!pod || !needsScheduling(pod)) return;
    const result = this.cache.schedule(pod);
    const { client, logger, record } = this.options;
    if ('nodeName' in result) {
      // Assume first, so the next decision already counts this pod's requests.
      this.cache.assumePod(pod, result.nodeName);
      try {
        await client.request('POST', `/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}/binding`, {
          body: { apiVersion: 'v1', kind: 'Binding', metadata: { name: pod.metadata.name, uid: pod.metadata.uid }, target: { apiVersion: 'v1', kind: 'Node', name: result.nodeName } },
        });
      } catch (err) {
        this.cache.forgetPod(pod);
        if (isNotFound(err) || isConflict(err)) return; // deleted, or bound by someone else
        throw err;
      }
      logger.debug({ pod: key, node: result.nodeName }, 'pod bound');
      record(pod, 'Normal', 'Scheduled', `Successfully assigned ${key} to ${result.nodeName}`);
      return;
    }
    this.unschedulable.add(key);
    record(pod, 'Warning', 'FailedScheduling', result.message);
    const existing = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
    if (existing?.status === 'False' && existing.message === result.message) return;
    const condition: PodCondition = {
      type: 'PodScheduled',
      status: 'False',
      reason: 'Unschedulable',
      message: result.message,
      lastProbeTime: null,
      lastTransitionTime: metaTime(),
    };
    const others = (pod.status?.conditions ?? []).filter((c) => c.type !== 'PodScheduled');
    try {
      await client.patch(resources.pods, pod.metadata.name!, { metadata: { uid: pod.metadata.uid }, status: { phase: 'Pending', conditions: [...others, condition] } }, { namespace: pod.metadata.namespace, subresource: 'status' });
    } catch (err) {
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
  }
}

function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((r) => (signal.aborted ? r() : signal.addEventListener('abort', () => r(), { once: true })));
}
