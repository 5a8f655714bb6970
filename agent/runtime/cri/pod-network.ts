// The node's pod network on containerd: containerd's CRI plugin runs the CNI plugins for
// every sandbox, from the first network configuration in its CNI conf dir. The agent
// writes this node's (bridge + host-local for the podCIDR + portmap) there, asks
// containerd where that directory is, and waits until containerd has loaded it: a sandbox
// started before the reload would get an address from the old range.

import { execFile } from 'node:child_process';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { RuntimeError } from '../errors.js';
import { cniBridgeName, cniNetworkName, parsePodCIDR, PodCIDRError, podConflist, renderConflist } from '../cni/pod-conflist.js';
import { criError, type CriClient } from './cri-client.js';
import { cniConfDir } from './plugin-config.js';

export const CONFLIST_FILE = '10-skiff.conflist';
const HOST_LOCAL_DIR = '/var/lib/cni/networks';

interface StatusInfo {
  info: Record<string, string>;
}

/** The network containerd has loaded, as its Status reports it. */
async function loadedNetwork(cri: CriClient): Promise<string> {
  const s = await cri.runtime<StatusInfo>('Status', { verbose: true });
  return s.info['cniconfig'] ?? '';
}

export interface PodNetworkOptions {
  cri: CriClient;
  nodeName: string;
  logger: Logger;
  timeoutMs?: number;
}

export async function ensurePodNetwork(o: PodNetworkOptions, podCIDR: string): Promise<void> {
  let text: string;
  let subnet: string;
  try {
    text = renderConflist(podConflist({ nodeName: o.nodeName, podCIDR }));
    subnet = parsePodCIDR(podCIDR).subnet;
  } catch (err) {
    if (err instanceof PodCIDRError) throw new RuntimeError('CreateFailed', err.message);
    throw err;
  }
  const name = cniNetworkName(o.nodeName);
  try {
    const dir = await cniConfDir(o.cri);
    await mkdir(dir, { recursive: true });
    const path = join(dir, CONFLIST_FILE);
    // Written aside and renamed, so containerd's watcher never reads half a file.
    const tmp = join(dir, `.${CONFLIST_FILE}.${process.pid}.tmp`);
    await writeFile(tmp, text, { mode: 0o644 });
    await rename(tmp, path);
    const deadline = Date.now() + (o.timeoutMs ?? 15_000);
    for (;;) {
      const loaded = await loadedNetwork(o.cri);
      if (loaded.includes(`"Name": "${name}"`) || loaded.includes(`"name":"${name}"`) || loaded.includes(`"Name":"${name}"`)) {
        if (loaded.includes(subnet)) break;
      }
      if (Date.now() > deadline) {
        const first = (await readdir(dir)).filter((f) => /\.(conflist|conf|json)$/.test(f)).sort()[0];
        throw new RuntimeError(
          'CreateFailed',
          first && first !== CONFLIST_FILE
            ? `containerd uses ${join(dir, first)}, not Skiff's ${path}: give Skiff a containerd of its own (scripts/host-setup.sh starts one) or remove that file`
            : `containerd did not load the pod network ${path} within ${(o.timeoutMs ?? 15_000) / 1000} s`,
        );
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    o.logger.info({ network: name, subnet, file: path }, 'pod network configured');
  } catch (err) {
    throw criError(o.cri.socketPath, err, 'CreateFailed', `setting up pod network ${name} for ${subnet}`);
  }
}

/**
 * Undoes ensurePodNetwork once the node's last sandbox is gone (CNI DEL has released
 * their addresses and rules): our conflist, if it is still this node's, host-local's
 * lease directory, and the bridge, which the bridge plugin creates but never deletes.
 */
export async function deletePodNetwork(o: PodNetworkOptions): Promise<void> {
  const dir = await cniConfDir(o.cri);
  const path = join(dir, CONFLIST_FILE);
  const current = await readFile(path, 'utf8').then((t) => (JSON.parse(t) as { name?: string }).name, () => undefined);
  if (current === cniNetworkName(o.nodeName)) await rm(path, { force: true });
  // host-local's leases (its default dataDir), empty now but for its last-used marker.
  await rm(join(HOST_LOCAL_DIR, cniNetworkName(o.nodeName)), { recursive: true, force: true });
  try {
    await promisify(execFile)('ip', ['link', 'delete', cniBridgeName(o.nodeName), 'type', 'bridge']);
  } catch (err) {
    if (!/Cannot find device/.test(String((err as { stderr?: string }).stderr ?? ''))) throw err;
  }
}
