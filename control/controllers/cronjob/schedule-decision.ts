// When a CronJob should start a Job (Kubernetes' getMostRecentScheduleTime and the checks
// around it in syncCronJob), as a pure function of the CronJob and the clock. Every
// activation missed since the last scheduled one (or creation) collapses into at most one
// run, of the most recent; one older than startingDeadlineSeconds is not run at all but
// reported; more
// than 100 missed activations are reported, as Kubernetes reports them.

import type { CronJob } from '../../../api/workload-types.js';
import type { CronSchedule } from './cron-schedule.js';

export const TOO_MANY_MISSED = 100;

export interface ScheduleDecision {
  /** The activation to run now, if one is due. */
  scheduledTime?: number;
  /** An activation fell due but is older than startingDeadlineSeconds now: it is skipped (the latest such). */
  missedTime?: number;
  /** More than TOO_MANY_MISSED activations were missed. */
  tooManyMissed: boolean;
  /** The first activation after now, to resync then. */
  nextTime?: number;
}

export function scheduleDecision(cj: CronJob, schedule: CronSchedule, now: number): ScheduleDecision {
  let earliest = Date.parse(cj.status?.lastScheduleTime ?? cj.metadata.creationTimestamp ?? '');
  if (!Number.isFinite(earliest)) earliest = now;
  const deadline = cj.spec.startingDeadlineSeconds;
  // Activations older than the deadline cannot run any more: they are not counted, only
  // reported as missed (Kubernetes' MissSchedule).
  let missedTime: number | undefined;
  if (deadline !== undefined && now - deadline * 1000 > earliest) {
    const cut = now - deadline * 1000;
    const first = schedule.next(earliest);
    if (first !== undefined && first <= cut) missedTime = latestAtOrBefore(schedule, earliest, cut);
    earliest = cut;
  }

  let mostRecent: number | undefined;
  let missed = 0;
  let t = schedule.next(earliest);
  while (t !== undefined && t <= now && missed <= TOO_MANY_MISSED) {
    mostRecent = t;
    missed++;
    t = schedule.next(t);
  }
  if (t !== undefined && t <= now) {
    // Past the count that matters: find the latest activation from a window before now
    // instead of walking every one since `earliest` (a year of minutes after a long outage).
    mostRecent = latestAtOrBefore(schedule, Math.max(earliest, mostRecent!), now);
    t = schedule.next(now);
  }
  const decision: ScheduleDecision = { tooManyMissed: missed > TOO_MANY_MISSED };
  if (t !== undefined) decision.nextTime = t;
  if (missedTime !== undefined) decision.missedTime = missedTime;
  if (mostRecent !== undefined) decision.scheduledTime = mostRecent;
  return decision;
}

const WINDOWS_MS = [3_600_000, 86_400_000, 32 * 86_400_000, 366 * 86_400_000];

/** The last activation in (after, now]; the caller knows there is one. */
function latestAtOrBefore(schedule: CronSchedule, after: number, now: number): number {
  for (const w of [...WINDOWS_MS, now - after]) {
    let t = schedule.next(Math.max(after, now - w));
    if (t === undefined || t > now) continue;
    for (let n = schedule.next(t); n !== undefined && n <= now; n = schedule.next(n)) t = n;
    return t;
  }
  return after;
}

/** Kubernetes' getJobName: the CronJob's name and the scheduled time in minutes since the epoch. */
export function jobNameFor(cj: CronJob, scheduledTime: number): string {
  return `${cj.metadata.name}-${Math.floor(scheduledTime / 60_000)}`;
}
