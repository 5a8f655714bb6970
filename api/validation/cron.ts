// Cron schedules as CronJobs accept them: the five-field standard syntax with names, ranges,
// steps and lists, and the @hourly/@daily/… descriptors (what Kubernetes' cron library
// parses), with that library's error texts, which Kubernetes passes on verbatim.

export interface CronField {
  min: number;
  max: number;
  names?: Record<string, number>;
}

const MONTHS: Record<string, number> = { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 };
const DAYS: Record<string, number> = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };

export const CRON_FIELDS: readonly CronField[] = [
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31 },
  { min: 1, max: 12, names: MONTHS },
  { min: 0, max: 6, names: DAYS },
];

/** The @-descriptors and the five fields each stands for (robfig/cron's table). */
export const CRON_DESCRIPTORS: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/** A parsed schedule: for each field, the set of values it allows. */
export type CronSchedule = { fields: Set<number>[] } | { every: number };

export class CronParseError extends Error {
  readonly code = 'CronParseError';
}

function parseInt10(text: string): number {
  if (!/^[+-]?\d+$/.test(text)) throw new CronParseError(`failed to parse int from ${text}: strconv.Atoi: parsing ${JSON.stringify(text)}: invalid syntax`);
  const n = Number(text);
  if (n < 0) throw new CronParseError(`negative number (${n}) not allowed: ${text}`);
  return n;
}

function intOrName(text: string, names?: Record<string, number>): number {
  const named = names?.[text.toLowerCase()];
  return named ?? parseInt10(text);
}

function parseRange(expr: string, field: CronField, into: Set<number>): void {
  const rangeAndStep = expr.split('/');
  const lowHigh = rangeAndStep[0]!.split('-');
  const single = lowHigh.length === 1;
  let start: number;
  let end: number;
  if (lowHigh[0] === '*' || lowHigh[0] === '?') {
    start = field.min;
    end = field.max;
  } else {
    start = intOrName(lowHigh[0]!, field.names);
    if (lowHigh.length === 1) end = start;
    else if (lowHigh.length === 2) end = intOrName(lowHigh[1]!, field.names);
    else throw new CronParseError(`too many hyphens: ${expr}`);
  }
  let step = 1;
  if (rangeAndStep.length === 2) {
    step = parseInt10(rangeAndStep[1]!);
    if (single) end = field.max;
  } else if (rangeAndStep.length > 2) {
    throw new CronParseError(`too many slashes: ${expr}`);
  }
  if (start < field.min) throw new CronParseError(`beginning of range (${start}) below minimum (${field.min}): ${expr}`);
  if (end > field.max) throw new CronParseError(`end of range (${end}) above maximum (${field.max}): ${expr}`);
  if (start > end) throw new CronParseError(`beginning of range (${start}) beyond end of range (${end}): ${expr}`);
  if (step === 0) throw new CronParseError(`step of range should be a positive number: ${expr}`);
  for (let v = start; v <= end; v += step) into.add(v);
}

/** A Go time.Duration string ("1h30m", "90s") in milliseconds, for "@every". */
function parseDuration(text: string): number {
  const unit: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/gy;
  if (text === '0') return 0;
  let total = 0;
  let pos = 0;
  let m: RegExpExecArray | null;
  while (pos < text.length && (m = re.exec(text))) {
    total += Number(m[1]) * unit[m[2]!]!;
    pos = re.lastIndex;
  }
  if (pos !== text.length || text === '') throw new CronParseError(`failed to parse duration ${text}: time: invalid duration ${JSON.stringify(text)}`);
  return total;
}

/** Parses a schedule or throws CronParseError with the cron library's message. */
export function parseCronSchedule(spec: string): CronSchedule {
  if (spec.length === 0) throw new CronParseError('empty spec string');
  if (spec.startsWith('@')) {
    if (spec.startsWith('@every ')) return { every: parseDuration(spec.slice('@every '.length)) };
    const expansion = CRON_DESCRIPTORS[spec];
    if (!expansion) throw new CronParseError(`unrecognized descriptor: ${spec}`);
    spec = expansion;
  }
  const parts = spec.trim().split(/\s+/).filter((p) => p !== '');
  if (parts.length !== 5) throw new CronParseError(`expected exactly 5 fields, found ${parts.length}: [${parts.join(' ')}]`);
  const fields = parts.map((part, i) => {
    const set = new Set<number>();
    for (const expr of part.split(',')) parseRange(expr, CRON_FIELDS[i]!, set);
    return set;
  });
  return { fields };
}

/** Problems with a CronJob schedule as Kubernetes reports them; [] when it parses. */
export function cronScheduleErrors(schedule: string): string[] {
  if (/(^|\s)(CRON_)?TZ=/.test(schedule) || schedule.includes('TZ')) return ['cannot use TZ or CRON_TZ in schedule, use timeZone field instead'];
  try {
    parseCronSchedule(schedule);
    return [];
  } catch (err) {
    if (err instanceof CronParseError) return [err.message];
    throw err;
  }
}
