// Flag parsing for the skiff commands: every flag can also come from an environment
// variable (SKIFF_ + the flag name in upper snake case), so systemd EnvironmentFiles can
// configure a daemon. Precedence: command line, then environment, then the default.

import { parseArgs } from 'node:util';

export interface FlagSpec {
  name: string;
  description: string;
  default?: string;
  /** May be given several times (and comma-separated in the environment). */
  multiple?: boolean;
  boolean?: boolean;
  placeholder?: string;
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function envName(flag: string): string {
  return `SKIFF_${flag.replace(/-/g, '_').toUpperCase()}`;
}

export type ParsedFlags = Record<string, string | string[] | boolean | undefined>;

export function parseFlags(argv: string[], specs: FlagSpec[], env: NodeJS.ProcessEnv = process.env): ParsedFlags {
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }> = { help: { type: 'boolean' } };
  for (const s of specs) options[s.name] = s.boolean ? { type: 'boolean' } : s.multiple ? { type: 'string', multiple: true } : { type: 'string' };
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({ args: argv, options, strict: true, allowPositionals: false }));
  } catch (err) {
    throw new UsageError((err as Error).message.split('\n')[0]!.replace(/^TypeError \[[A-Z_]+\]: /, ''));
  }
  const out: ParsedFlags = { help: values['help'] === true };
  for (const s of specs) {
    const given = values[s.name];
    const fromEnv = env[envName(s.name)];
    if (s.boolean) {
      out[s.name] = given === true || (given === undefined && (fromEnv === 'true' || fromEnv === '1'));
    } else if (s.multiple) {
      const list = (given as string[] | undefined) ?? (fromEnv ? fromEnv.split(',') : s.default ? [s.default] : []);
      out[s.name] = list.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
    } else {
      const v = (given as string | undefined) ?? (fromEnv !== undefined && fromEnv !== '' ? fromEnv : s.default);
      out[s.name] = v;
    }
  }
  return out;
}

export function usage(command: string, summary: string, specs: FlagSpec[]): string {
  const lines = [`Usage: skiff ${command} [flags]`, '', summary, '', 'Flags:'];
  const rows = specs.map((s) => {
    const flag = s.boolean ? `--${s.name}` : `--${s.name} ${s.placeholder ?? 'VALUE'}`;
    const def = s.default !== undefined ? ` (default ${s.default})` : '';
    return [`  ${flag}`, `${s.description}${def} [$${envName(s.name)}]`] as const;
  });
  const width = Math.max(...rows.map(([f]) => f.length)) + 2;
  for (const [f, d] of rows) lines.push(f.padEnd(width) + d);
  lines.push(`  --help`.padEnd(width) + 'Show this help');
  return lines.join('\n');
}

export function str(flags: ParsedFlags, name: string): string | undefined {
  const v = flags[name];
  return typeof v === 'string' ? v : undefined;
}

export function required(flags: ParsedFlags, name: string): string {
  const v = str(flags, name);
  if (!v) throw new UsageError(`--${name} is required (or set ${envName(name)})`);
  return v;
}

export function list(flags: ParsedFlags, name: string): string[] {
  const v = flags[name];
  return Array.isArray(v) ? v : [];
}

/** "HOST:PORT", "[v6]:PORT" or ":PORT". */
export function parseListen(value: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(value);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new UsageError(`--listen ${value}: expected HOST:PORT, e.g. 0.0.0.0:6443`);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

export function parseInteger(value: string, flag: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) throw new UsageError(`--${flag} ${value}: expected a whole number from ${min} to ${max}`);
  return n;
}

/** "500ms", "1s", "2m" or plain seconds → milliseconds. */
export function parseDuration(value: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(value.trim());
  if (!m) throw new UsageError(`--${flag} ${value}: expected a duration such as 500ms, 1s or 2m`);
  const unit = m[2] === 'ms' ? 1 : m[2] === 'm' ? 60_000 : 1_000;
  return Math.round(Number(m[1]) * unit);
}
