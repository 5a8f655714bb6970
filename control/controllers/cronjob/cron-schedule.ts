// A CronJob's schedule as times: node-cron parses the five fields (and names, ranges,
// steps, lists) into the values each allows; this file walks wall-clock time in the
// CronJob's time zone to find the next matching minute. Semantics follow the cron library
// Kubernetes uses (robfig/cron): the @yearly…@hourly descriptors, @every <duration>, and
// day-of-month OR day-of-week when both are restricted (AND when either starts with * or ?).

import { parse as parseCronFields } from 'node-cron';
import { CRON_DESCRIPTORS, parseCronSchedule } from '../../../api/validation/cron.js';

const MINUTE_MS = 60_000;
/** Enough steps to cross several years of day skips: a schedule that never matches ends here. */
const MAX_STEPS = 50_000;

export class ScheduleError extends Error {
  constructor(readonly reason: 'UnparseableSchedule' | 'UnknownTimeZone', message: string) {
    super(message);
  }
}

export interface CronSchedule {
  /** The first activation strictly after `t` (ms since the epoch), or undefined if none within years. */
  next(t: number): number | undefined;
}

interface WallClock {
  month: number;
  day: number;
  hour: number;
  minute: number;
  weekday: number;
  daysInMonth: number;
}

const WEEKDAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', weekday: 'short' });
    } catch {
      throw new ScheduleError('UnknownTimeZone', `unknown time zone ${timeZone}`);
    }
    formatters.set(timeZone, f);
  }
  return f;
}

function wallClock(t: number, timeZone: string): WallClock {
  const parts: Record<string, string> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(t))) parts[p.type] = p.value;
  const year = Number(parts['year']);
  const month = Number(parts['month']);
  return {
    month,
    day: Number(parts['day']),
    hour: Number(parts['hour']),
    minute: Number(parts['minute']),
    weekday: WEEKDAYS[parts['weekday'] ?? ''] ?? 0,
    daysInMonth: new Date(Date.UTC(year, month, 0)).getUTCDate(),
  };
}

/** The controller's own zone, which Kubernetes uses for a CronJob without spec.timeZone. */
export function localTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

export function parseSchedule(schedule: string, timeZone: string = localTimeZone()): CronSchedule {
  formatter(timeZone); // an unknown zone fails here, before any time is computed
  const trimmed = schedule.trim();
  if (trimmed.startsWith('@every ')) {
    let every: number;
    try {
      const parsed = parseCronSchedule(trimmed);
      every = 'every' in parsed ? parsed.every : NaN;
    } catch (err) {
      throw new ScheduleError('UnparseableSchedule', (err as Error).message);
    }
    // robfig's ConstantDelaySchedule: at least a second, activations on whole seconds.
    const delay = Math.max(1000, Math.floor(every / 1000) * 1000);
    return { next: (t) => t - (t % 1000) + delay };
  }
  const expression = CRON_DESCRIPTORS[trimmed] ?? trimmed;
  const texts = expression.split(/\s+/);
  if (texts.length !== 5) throw new ScheduleError('UnparseableSchedule', `expected exactly 5 fields, found ${texts.length}: [${texts.join(' ')}]`);
  let fields: ReturnType<typeof parseCronFields>;
  try {
    fields = parseCronFields(expression);
  } catch (err) {
    throw new ScheduleError('UnparseableSchedule', (err as Error).message);
  }
  const minutes = new Set(fields.minute);
  const hours = new Set(fields.hour);
  const months = new Set(fields.month);
  const weekdays = new Set(fields.dayOfWeek.map((d) => Number(d) % 7));
  const lastDay = fields.dayOfMonth.includes('L');
  const days = new Set(fields.dayOfMonth.filter((d): d is number => typeof d === 'number'));
  const starred = (text: string) => text.startsWith('*') || text.startsWith('?');
  const either = !starred(texts[2]!) && !starred(texts[4]!);
  const dayMatches = (w: WallClock) => {
    const dom = days.has(w.day) || (lastDay && w.day === w.daysInMonth);
    const dow = weekdays.has(w.weekday);
    return either ? dom || dow : dom && dow;
  };
  return {
    next(t) {
      let ts = Math.floor(t / MINUTE_MS) * MINUTE_MS + MINUTE_MS;
      for (let i = 0; i < MAX_STEPS; i++) {
        const w = wallClock(ts, timeZone);
        // Skip whole days, then hours, then minutes: a year is a few hundred steps.
        if (!months.has(w.month) || !dayMatches(w)) ts += ((23 - w.hour) * 60 + (60 - w.minute)) * MINUTE_MS;
        else if (!hours.has(w.hour)) ts += (60 - w.minute) * MINUTE_MS;
        else if (!minutes.has(w.minute)) ts += MINUTE_MS;
        else return ts;
      }
      return undefined;
    },
  };
}
