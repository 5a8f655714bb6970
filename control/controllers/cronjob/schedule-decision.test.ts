import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CronJob } from '../../../api/workload-types.js';
import { parseSchedule, ScheduleError } from './cron-schedule.js';
import { jobNameFor, scheduleDecision } from './schedule-decision.js';

const at = (s: string) => Date.parse(s);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

test('next activation: fields, descriptors, names, steps, dom OR dow, time zones, @every', () => {
  const cases: [schedule: string, tz: string, from: string, next: string][] = [
    ['*/1 * * * *', 'UTC', '2026-03-01T10:00:30Z', '2026-03-01T10:01:00.000Z'],
    ['*/15 * * * *', 'UTC', '2026-03-01T10:15:00Z', '2026-03-01T10:30:00.000Z'],
    ['@hourly', 'UTC', '2026-03-01T10:00:00Z', '2026-03-01T11:00:00.000Z'],
    ['@daily', 'UTC', '2026-12-31T23:59:00Z', '2027-01-01T00:00:00.000Z'],
    ['@weekly', 'UTC', '2026-03-02T00:00:00Z', '2026-03-08T00:00:00.000Z'], // a Monday → Sunday
    ['@monthly', 'UTC', '2026-01-31T12:00:00Z', '2026-02-01T00:00:00.000Z'],
    ['@yearly', 'UTC', '2026-03-01T00:00:00Z', '2027-01-01T00:00:00.000Z'],
    ['30 9 * * MON-FRI', 'UTC', '2026-03-06T10:00:00Z', '2026-03-09T09:30:00.000Z'], // Friday after 9:30 → Monday
    ['0 0 13 * 5', 'UTC', '2026-03-01T00:00:00Z', '2026-03-06T00:00:00.000Z'], // the 13th OR a Friday: Friday 6th comes first
    ['0 0 29 2 *', 'UTC', '2026-03-01T00:00:00Z', '2028-02-29T00:00:00.000Z'],
    ['0 9 * * *', 'Europe/Berlin', '2026-07-01T00:00:00Z', '2026-07-01T07:00:00.000Z'], // CEST is UTC+2
    ['0 9 * * *', 'Asia/Kolkata', '2026-07-01T00:00:00Z', '2026-07-01T03:30:00.000Z'],
    ['30 2 * * *', 'America/New_York', '2026-03-08T05:00:00Z', '2026-03-09T06:30:00.000Z'], // 2:30 does not exist on the spring-forward day
    ['@every 90s', 'UTC', '2026-03-01T10:00:00.500Z', '2026-03-01T10:01:30.000Z'],
  ];
  for (const [schedule, tz, from, want] of cases) {
    assert.equal(iso(parseSchedule(schedule, tz).next(at(from))), want, `${schedule} in ${tz} after ${from}`);
  }
  // "*/10" restricts the day of month but starts with *: robfig ANDs it with the weekday.
  // The first 1st, 11th, 21st or 31st that is a Friday after March 1st 2026 is May 1st.
  assert.equal(iso(parseSchedule('0 0 */10 * 5', 'UTC').next(at('2026-03-01T00:00:00Z'))), '2026-05-01T00:00:00.000Z');
});

test('bad schedules and zones are reported with a reason', () => {
  assert.throws(() => parseSchedule('61 * * * *', 'UTC'), (e: unknown) => e instanceof ScheduleError && e.reason === 'UnparseableSchedule');
  assert.throws(() => parseSchedule('* * * *', 'UTC'), (e: unknown) => e instanceof ScheduleError && e.reason === 'UnparseableSchedule');
  assert.throws(() => parseSchedule('* * * * *', 'Mars/Olympus'), (e: unknown) => e instanceof ScheduleError && e.reason === 'UnknownTimeZone');
});

function cronJob(o: { created?: string; last?: string; deadline?: number } = {}): CronJob {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'tick', namespace: 'default', creationTimestamp: o.created ?? '2026-03-01T10:00:10Z' },
    spec: { schedule: '*/5 * * * *', ...(o.deadline !== undefined ? { startingDeadlineSeconds: o.deadline } : {}), jobTemplate: { spec: { template: { spec: { containers: [] } } } } },
    status: o.last ? { lastScheduleTime: o.last } : {},
  };
}

test('decision with a fake clock: due, not yet, catch-up of one run after an outage, deadline, too many missed', () => {
  const every5 = parseSchedule('*/5 * * * *', 'UTC');
  const cases: { name: string; cj: CronJob; now: string; run?: string; missed?: string; tooMany?: boolean; next: string }[] = [
    { name: 'nothing due yet', cj: cronJob(), now: '2026-03-01T10:04:59Z', next: '2026-03-01T10:05:00.000Z' },
    { name: 'first activation due', cj: cronJob(), now: '2026-03-01T10:05:02Z', run: '2026-03-01T10:05:00.000Z', next: '2026-03-01T10:10:00.000Z' },
    { name: 'already ran this one', cj: cronJob({ last: '2026-03-01T10:05:00Z' }), now: '2026-03-01T10:07:00Z', next: '2026-03-01T10:10:00.000Z' },
    {
      name: 'control was down for an hour: one run, of the latest',
      cj: cronJob({ last: '2026-03-01T10:05:00Z' }),
      now: '2026-03-01T11:07:00Z',
      run: '2026-03-01T11:05:00.000Z',
      next: '2026-03-01T11:10:00.000Z',
    },
    { name: 'within startingDeadlineSeconds', cj: cronJob({ last: '2026-03-01T10:05:00Z', deadline: 200 }), now: '2026-03-01T10:13:00Z', run: '2026-03-01T10:10:00.000Z', next: '2026-03-01T10:15:00.000Z' },
    {
      name: 'past startingDeadlineSeconds: not run, reported',
      cj: cronJob({ last: '2026-03-01T10:05:00Z', deadline: 60 }),
      now: '2026-03-01T10:13:00Z',
      missed: '2026-03-01T10:10:00.000Z',
      next: '2026-03-01T10:15:00.000Z',
    },
    {
      name: 'more than 100 missed: reported, still one run of the latest',
      cj: cronJob({ last: '2026-03-01T10:05:00Z' }),
      now: '2026-03-03T10:07:00Z',
      run: '2026-03-03T10:05:00.000Z',
      tooMany: true,
      next: '2026-03-03T10:10:00.000Z',
    },
    {
      name: 'a deadline bounds the count: not too many, older ones reported',
      cj: cronJob({ last: '2026-03-01T10:05:00Z', deadline: 600 }),
      now: '2026-03-03T10:07:00Z',
      run: '2026-03-03T10:05:00.000Z',
      missed: '2026-03-03T09:55:00.000Z',
      next: '2026-03-03T10:10:00.000Z',
    },
  ];
  for (const c of cases) {
    const d = scheduleDecision(c.cj, every5, at(c.now));
    assert.equal(iso(d.scheduledTime), c.run, `${c.name}: run`);
    assert.equal(iso(d.missedTime), c.missed, `${c.name}: missed`);
    assert.equal(d.tooManyMissed, c.tooMany ?? false, `${c.name}: tooMany`);
    assert.equal(iso(d.nextTime), c.next, `${c.name}: next`);
  }
});

test('job names carry the scheduled time in minutes since the epoch', () => {
  assert.equal(jobNameFor(cronJob(), at('2026-03-01T10:05:00Z')), `tick-${at('2026-03-01T10:05:00Z') / 60_000}`);
});
