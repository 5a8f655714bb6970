// Loads an image archive into containerd's CRI namespace (k8s.io) with `ctr`, the client
// that ships with containerd: the CRI has no import call, and there is no registry here.

import { spawn } from 'node:child_process';

/** containerd's namespace for everything the CRI plugin manages. */
export const CRI_NAMESPACE = 'k8s.io';

export interface CtrImportOptions {
  socketPath: string;
  archive: Buffer;
  /** Path or name of the ctr binary. */
  ctr?: string;
  timeoutMs?: number;
}

export function ctrImport(o: CtrImportOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(o.ctr ?? 'ctr', ['--address', o.socketPath, '--namespace', CRI_NAMESPACE, 'images', 'import', '-'], {
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 60_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${o.ctr ?? 'ctr'} (it ships with containerd): ${err.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`ctr images import failed (${signal ?? `exit ${code}`}): ${stderr.trim().split('\n').pop() ?? ''}`));
    });
    // A closed stdin (ctr died early) is reported by 'close' above.
    child.stdin.on('error', () => undefined);
    child.stdin.end(o.archive);
  });
}
