// The machine's real kubectl binaries (the dispatcher at /usr/bin/kubectl has versioned
// binaries beside its real path: kubectl.1.27 … kubectl.1.33). Tests call one directly.

import { execFile } from 'node:child_process';
import { existsSync, readdirSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { which } from './which.js';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Versioned kubectl binaries on this machine, oldest first ("1.27" → path). */
export function kubectlVersions(): Map<string, string> {
  const found = new Map<string, string>();
  const dispatcher = which('kubectl');
  if (!dispatcher) return found;
  const dir = dirname(realpathSync(dispatcher));
  for (const f of readdirSync(dir)) {
    const m = /^kubectl\.(\d+\.\d+)$/.exec(f);
    if (m) found.set(m[1]!, join(dir, f));
  }
  return new Map([...found].sort(([a], [b]) => Number(a.split('.')[1]) - Number(b.split('.')[1])));
}

export function kubectlPath(version?: string): string {
  const versions = kubectlVersions();
  if (versions.size === 0) throw new Error('no versioned kubectl found beside the real path of `kubectl` (expected kubectl.1.27 … kubectl.1.33)');
  if (version) {
    const p = versions.get(version);
    if (!p || !existsSync(p)) throw new Error(`kubectl ${version} is not on this machine (have ${[...versions.keys()].join(', ')})`);
    return p;
  }
  return [...versions.values()].at(-1)!;
}

export function run(cmd: string, args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { env: opts.env ?? process.env, timeout: opts.timeoutMs ?? 60_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}
