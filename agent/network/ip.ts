// The pod network's door to the kernel: `ip` and `bridge` from iproute2 (JSON output where it
// is read back) and `iptables`, each a child process, as the runtime's pod network rules do.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export class NetworkCommandError extends Error {
  constructor(readonly command: string, readonly stderr: string) {
    super(`${command}: ${stderr.trim().split('\n')[0] ?? 'failed'}`);
    this.name = 'NetworkCommandError';
  }
}

async function exec(cmd: string, args: string[]): Promise<string> {
  try {
    return (await run(cmd, args, { maxBuffer: 16 * 1024 * 1024 })).stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new NetworkCommandError(`${cmd} ${args.join(' ')}`, e.stderr || e.message);
  }
}

export function ip(args: string[]): Promise<string> {
  return exec('ip', args);
}

/** `ip -j …`: empty output (nothing matched) is an empty list. */
export async function ipJson<T>(args: string[]): Promise<T[]> {
  const out = (await exec('ip', ['-j', ...args])).trim();
  return out ? (JSON.parse(out) as T[]) : [];
}

export async function bridgeJson<T>(args: string[]): Promise<T[]> {
  const out = (await exec('bridge', ['-j', ...args])).trim();
  return out ? (JSON.parse(out) as T[]) : [];
}

export function bridge(args: string[]): Promise<string> {
  return exec('bridge', args);
}

/** -w: wait for the xtables lock that the runtime, the CNI plugins and the proxy also take. */
export function iptables(args: string[]): Promise<string> {
  return exec('iptables', ['-w', '5', ...args]);
}
