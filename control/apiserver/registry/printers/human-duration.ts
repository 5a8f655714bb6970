// Ages as kubectl shows them, by apimachinery's duration.HumanDuration: two or three
// significant figures ("45s", "3m20s", "2d3h", "400d"), "0s" for a clock a second
// ahead, "<invalid>" for anything further in the future.

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / SECOND);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.trunc(ms / MINUTE);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.trunc(ms / HOUR);
  const days = Math.trunc(hours / 24);
  const years = Math.trunc(days / 365);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${days}d` : `${days}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${days}d`;
  if (hours < 24 * 365 * 8) {
    const d = days % 365;
    return d === 0 ? `${years}y` : `${years}y${d}d`;
  }
  return `${years}y`;
}

/** translateTimestampSince: the age of an RFC 3339 timestamp, "<unknown>" when unset. */
export function timestampAge(timestamp: string | null | undefined, now: Date): string {
  const at = parseTimestamp(timestamp);
  return at === undefined ? '<unknown>' : humanDuration(now.getTime() - at);
}

/** Milliseconds since the epoch, or undefined for a missing, zero or unreadable time. */
export function parseTimestamp(timestamp: string | null | undefined): number | undefined {
  if (!timestamp) return undefined;
  const at = Date.parse(timestamp);
  // Go's zero time (0001-01-01T00:00:00Z) means "not set", as an empty string does.
  if (Number.isNaN(at) || timestamp.startsWith('0001-01-01T00:00:00')) return undefined;
  return at;
}
