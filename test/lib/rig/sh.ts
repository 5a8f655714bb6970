// Commands the rig runs (ip, iptables, ip netns exec …): the output, or an error that
// carries the command and its stderr.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export async function sh(cmd: string, args: string[], opts: { timeoutMs?: number } = {}): Promise<string> {
  try {
    return (await run(cmd, args, { maxBuffer: 16 * 1024 * 1024, timeout: opts.timeoutMs ?? 30_000 })).stdout;
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')}: ${(e.stderr || e.stdout || e.message).trim()}`);
  }
}

/** The same, ignoring failure (cleanup of what may already be gone). */
export function shQuiet(cmd: string, args: string[]): Promise<string> {
  return sh(cmd, args).catch(() => '');
}

/** A command inside a rig host's network namespace. */
export function inNetns(netns: string, cmd: string, args: string[], opts: { timeoutMs?: number } = {}): Promise<string> {
  return sh('ip', ['netns', 'exec', netns, cmd, ...args], opts);
}
