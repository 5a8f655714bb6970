// The proxy's only door to the kernel: iptables-save, iptables-restore --noflush, and a
// one-rule `iptables` call (the bench's slow baseline). One interface so the proxier can be
// pointed at another network namespace (tests, bench) and so the conformance suite can hold
// every implementation to the same behaviour. IPv4 only.

import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { ProxyError } from './errors.js';

const execFileP = promisify(execFile);

export type IptablesTable = 'nat' | 'filter';
/** Which kernel interface the `iptables` binaries drive. */
export type IptablesBackend = 'nft' | 'legacy';

export interface Iptables {
  readonly backend: IptablesBackend;
  /** e.g. "v1.8.9 (nf_tables)". */
  version(): Promise<string>;
  /** `iptables-save -t TABLE`: the table as restore text. */
  save(table: IptablesTable): Promise<string>;
  /** `iptables-restore --noflush`: chains declared in the text are flushed, others are kept. */
  restore(text: string): Promise<void>;
  /** One `iptables -t TABLE ARGS…` call. */
  run(table: IptablesTable, args: string[]): Promise<void>;
}

/** "(nf_tables)" or "(legacy)" in `iptables --version`, as kube-proxy detects it. */
export function parseBackend(versionLine: string): IptablesBackend {
  if (/\(nf_tables\)/.test(versionLine)) return 'nft';
  if (/\(legacy\)/.test(versionLine)) return 'legacy';
  // iptables before 1.8 had only the legacy backend and printed no mode.
  if (/^iptables v1\.[0-7]\./.test(versionLine.trim())) return 'legacy';
  throw new ProxyError('IptablesUnavailable', `cannot tell the iptables backend from "${versionLine.trim()}"`);
}

export interface ExecIptablesOptions {
  /** Run every command inside this named network namespace (`ip netns exec NAME`). */
  netns?: string;
  /** Force a backend; by default the one `iptables --version` reports. */
  backend?: IptablesBackend;
  /** Wait this long for the xtables lock (legacy backend) instead of failing at once. */
  lockWaitSeconds?: number;
}

function binaries(backend: IptablesBackend | undefined): { iptables: string; save: string; restore: string } {
  if (backend === undefined) return { iptables: 'iptables', save: 'iptables-save', restore: 'iptables-restore' };
  return { iptables: `iptables-${backend}`, save: `iptables-${backend}-save`, restore: `iptables-${backend}-restore` };
}

/** The real binaries. */
export class ExecIptables implements Iptables {
  private readonly bins: { iptables: string; save: string; restore: string };
  private readonly wait: string[];

  private constructor(
    readonly backend: IptablesBackend,
    private readonly options: ExecIptablesOptions,
  ) {
    this.bins = binaries(options.backend);
    this.wait = ['-w', String(options.lockWaitSeconds ?? 5)];
  }

  /** Detects the backend (unless given) and checks the binaries answer. */
  static async create(options: ExecIptablesOptions = {}): Promise<ExecIptables> {
    const bins = binaries(options.backend);
    const line = await runCommand(options.netns, bins.iptables, ['--version']).catch((err: Error) => {
      throw new ProxyError('IptablesUnavailable', `${bins.iptables} --version failed: ${err.message} (Debian: apt-get install -y iptables), or run the agent with --disable-proxy`);
    });
    return new ExecIptables(options.backend ?? parseBackend(line), options);
  }

  async version(): Promise<string> {
    const line = await runCommand(this.options.netns, this.bins.iptables, ['--version']);
    return line.trim().replace(/^iptables\s+/, '');
  }

  save(table: IptablesTable): Promise<string> {
    return runCommand(this.options.netns, this.bins.save, ['-t', table]);
  }

  async restore(text: string): Promise<void> {
    await runCommand(this.options.netns, this.bins.restore, ['--noflush', ...this.wait], text);
  }

  async run(table: IptablesTable, args: string[]): Promise<void> {
    await runCommand(this.options.netns, this.bins.iptables, [...this.wait, '-t', table, ...args]);
  }
}

/** Runs a command (inside a netns if given), feeding stdin; rejects with its stderr. */
function runCommand(netns: string | undefined, cmd: string, args: string[], input?: string): Promise<string> {
  const [file, argv] = netns ? ['ip', ['netns', 'exec', netns, cmd, ...args]] : [cmd, args];
  if (input === undefined) {
    return execFileP(file, argv, { maxBuffer: 256 * 1024 * 1024 }).then(
      (r) => r.stdout,
      (err: NodeJS.ErrnoException & { stderr?: string }) => {
        throw new ProxyError('IptablesFailed', `${cmd} ${args.join(' ')}: ${(err.stderr || err.message).trim()}`);
      },
    );
  }
  return new Promise((resolve, reject) => {
    const child = spawn(file, argv, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', (err) => reject(new ProxyError('IptablesFailed', `${cmd}: ${err.message}`)));
    child.on('close', (code) => {
      if (code === 0) resolve(stdout);
      else reject(new ProxyError('IptablesFailed', `${cmd} ${args.join(' ')} exited ${code}: ${stderr.trim()}`));
    });
    // A restore that fails early closes its stdin; the error is in stderr, not EPIPE.
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}
