// Indexed Jobs (completionMode: Indexed): every pod carries a completion index in
// 0..completions-1 (annotation and label batch.kubernetes.io/job-completion-index, env
// JOB_COMPLETION_INDEX, hostname <job>-<index>), the Job is Complete when every index has
// succeeded once, and status.completedIndexes lists them as Kubernetes does ("1,3-5,7").

import type { Pod } from '../../../api/types.js';
import type { Job } from '../../../api/workload-types.js';

export const JOB_COMPLETION_INDEX = 'batch.kubernetes.io/job-completion-index';
export const JOB_COMPLETION_INDEX_ENV = 'JOB_COMPLETION_INDEX';

export function isIndexed(job: Job): boolean {
  return job.spec.completionMode === 'Indexed';
}

/** A pod's index, when it has a valid one for this Job. */
export function podIndex(pod: Pod, completions: number): number | undefined {
  const text = pod.metadata.annotations?.[JOB_COMPLETION_INDEX];
  if (text === undefined || !/^(0|[1-9]\d*)$/.test(text)) return undefined;
  const n = Number(text);
  return n < completions ? n : undefined;
}

/** "1,3-5,7" → {1,3,4,5,7}; entries out of range or malformed are dropped. */
export function parseIndexes(text: string | undefined, completions: number): Set<number> {
  const out = new Set<number>();
  for (const part of (text ?? '').split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) continue;
    const from = Number(m[1]);
    const to = Math.min(Number(m[2] ?? m[1]), completions - 1);
    for (let i = from; i <= to; i++) out.add(i);
  }
  return out;
}

/** {1,3,4,5,7} → "1,3-5,7": consecutive indexes as First-Last intervals, as Kubernetes writes them. */
export function formatIndexes(indexes: Iterable<number>): string {
  const sorted = [...new Set(indexes)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(j > i ? `${sorted[i]}-${sorted[j]}` : String(sorted[i]));
    i = j + 1;
  }
  return parts.join(',');
}

/** The pod template of one index: its annotation, label, env and hostname. */
export function indexedPodParts(job: Job, index: number, template: Job['spec']['template']): Job['spec']['template'] {
  const t = structuredClone(template);
  const meta = (t.metadata ??= {});
  meta.annotations = { ...(meta.annotations ?? {}), [JOB_COMPLETION_INDEX]: String(index) };
  meta.labels = { ...(meta.labels ?? {}), [JOB_COMPLETION_INDEX]: String(index) };
  const env = { name: JOB_COMPLETION_INDEX_ENV, valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: `metadata.annotations['${JOB_COMPLETION_INDEX}']` } } };
  const spec = t.spec as Job['spec']['template']['spec'] & { hostname?: string; initContainers?: { env?: unknown[] }[] };
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])] as { env?: unknown[] }[]) {
    const existing = (c.env ?? []) as { name?: string }[];
    if (!existing.some((e) => e.name === JOB_COMPLETION_INDEX_ENV)) c.env = [...existing, env];
  }
  spec.hostname ||= `${job.metadata.name}-${index}`;
  return t;
}
