// What containerd's CRI plugin is configured with, as it reports it itself (Status with
// verbose: the "config" entry): where its CNI configuration lives and which image its
// sandboxes run. Asking beats assuming paths: the agent works with any containerd.

import { RuntimeError } from '../errors.js';
import type { CriClient } from './cri-client.js';

interface StatusInfo {
  info: Record<string, string>;
}

interface CriPluginConfig {
  cni?: { confDir?: string };
  sandboxImage?: string;
}

/** The CRI plugin's own configuration, as containerd reports it (Status, verbose). */
async function criPluginConfig(cri: CriClient): Promise<CriPluginConfig> {
  const s = await cri.runtime<StatusInfo>('Status', { verbose: true });
  return JSON.parse(s.info['config'] ?? '{}') as CriPluginConfig;
}

/** The image containerd runs every sandbox's pause container from (its sandbox_image). */
export async function sandboxImageOf(cri: CriClient): Promise<string | undefined> {
  return (await criPluginConfig(cri)).sandboxImage || undefined;
}

/** containerd's CNI conf dir. */
export async function cniConfDir(cri: CriClient): Promise<string> {
  const dir = (await criPluginConfig(cri)).cni?.confDir;
  if (!dir) throw new RuntimeError('CreateFailed', 'containerd did not say where its CNI configuration lives (Status has no cni.confDir)');
  return dir;
}
