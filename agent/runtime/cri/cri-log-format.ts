// CRI's container log line format, as containerd writes it:
//   <RFC3339Nano timestamp> <stdout|stderr> <F|P> <text>\n
// F ends a line of the container's output; P is a piece of a longer line whose rest
// follows in the next entries. Parsing and formatting only; no I/O.

export interface CriLogEntry {
  /** The timestamp exactly as written (kubectl logs --timestamps shows it). */
  time: string;
  /** Milliseconds since the epoch, for --since comparisons (ms precision is enough there). */
  ms: number;
  stream: 'stdout' | 'stderr';
  /** false for a P (partial) entry. */
  full: boolean;
  text: Buffer;
}

const SP = 0x20;

/** Parses one entry (without its trailing newline); undefined when it is not CRI format. */
export function parseCriLogLine(line: Buffer): CriLogEntry | undefined {
  const a = line.indexOf(SP);
  if (a <= 0) return undefined;
  const b = line.indexOf(SP, a + 1);
  if (b < 0) return undefined;
  const c = line.indexOf(SP, b + 1);
  // "... stdout F" with empty text has no third space in some writers.
  const tagEnd = c < 0 ? line.length : c;
  const time = line.subarray(0, a).toString('latin1');
  const stream = line.subarray(a + 1, b).toString('latin1');
  const tag = line.subarray(b + 1, tagEnd).toString('latin1');
  if ((stream !== 'stdout' && stream !== 'stderr') || (tag !== 'F' && tag !== 'P')) return undefined;
  const ms = Date.parse(time);
  if (!Number.isFinite(ms)) return undefined;
  return { time, ms, stream, full: tag === 'F', text: c < 0 ? Buffer.alloc(0) : line.subarray(c + 1) };
}

/**
 * Turns entries into what kubectl logs shows: the text, a newline after each full entry,
 * and with timestamps the entry's time before each line (not before a line's continuation).
 */
export class CriLogFormatter {
  private midLine = false;
  constructor(private readonly timestamps: boolean) {}

  format(e: CriLogEntry): Buffer {
    const parts: Buffer[] = [];
    if (this.timestamps && !this.midLine) parts.push(Buffer.from(`${e.time} `, 'latin1'));
    parts.push(e.text);
    if (e.full) parts.push(Buffer.from('\n'));
    this.midLine = !e.full;
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }
}
