// The node's pod range, kept in the data dir once the control server has assigned it. A
// restarted agent sets up the pod network from it at once, so static pods (and the pods
// already running) carry on while the control server is away. Only a first start must
// wait for the control server: it alone hands out pod ranges.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../api/atomic-file.js';
import { parseCidr } from '../../api/cidr.js';

function cachePath(dataDir: string): string {
  return join(dataDir, 'pod-cidr');
}

/** The saved pod range, or undefined when there is none (or it is unreadable). */
export async function readCachedPodCIDR(dataDir: string): Promise<string | undefined> {
  try {
    const cidr = (await readFile(cachePath(dataDir), 'utf8')).trim();
    parseCidr(cidr);
    return cidr;
  } catch {
    return undefined;
  }
}

export async function savePodCIDR(dataDir: string, cidr: string): Promise<void> {
  await writeFileAtomic(cachePath(dataDir), `${cidr}\n`, 0o644);
}
