// Throwaway network namespaces for the proxy's tests and bench: the iptables they program
// live and die with the namespace, never touching the host's own tables. Names carry the
// `skiff-t-` prefix and a random suffix, so only namespaces we made are ever deleted.

import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { ProxyError } from './errors.js';

const exec = promisify(execFile);

export interface Netns {
  name: string;
  /** Runs a command inside the namespace; returns stdout. */
  exec(cmd: string, args: string[]): Promise<string>;
  delete(): Promise<void>;
}

export async function createNetns(prefix = 'skiff-t-'): Promise<Netns> {
  const name = `${prefix}${randomBytes(4).toString('hex')}`;
  try {
    await exec('ip', ['netns', 'add', name]);
    // Loopback up, so tools that talk to 127.0.0.1 inside work.
    await exec('ip', ['netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up']);
  } catch (err) {
    await exec('ip', ['netns', 'delete', name]).catch(() => undefined);
    throw new ProxyError('NetnsFailed', `creating network namespace ${name}: ${(err as Error).message}`);
  }
  let deleted = false;
  return {
    name,
    exec: async (cmd, args) => (await exec('ip', ['netns', 'exec', name, cmd, ...args], { maxBuffer: 256 * 1024 * 1024 })).stdout,
    delete: async () => {
      if (deleted) return;
      deleted = true;
      await exec('ip', ['netns', 'delete', name]);
    },
  };
}
