// Where a pod's volumes live on the node, as the kubelet lays them out:
// <dataDir>/pods/<uid>/volumes/<plugin>/<volume name>, the plugin name escaped with '~'
// for '/' (kubernetes.io/empty-dir → kubernetes.io~empty-dir).

import { join } from 'node:path';

export type VolumePlugin = 'kubernetes.io/empty-dir' | 'kubernetes.io/configmap' | 'kubernetes.io/secret' | 'kubernetes.io/downward-api' | 'kubernetes.io/projected';

export function escapePluginName(plugin: string): string {
  return plugin.replaceAll('/', '~');
}

export function podsDir(dataDir: string): string {
  return join(dataDir, 'pods');
}

export function podDir(dataDir: string, uid: string): string {
  assertPathSegment(uid, 'pod uid');
  return join(podsDir(dataDir), uid);
}

export function podVolumesDir(dataDir: string, uid: string): string {
  return join(podDir(dataDir, uid), 'volumes');
}

export function volumeDir(dataDir: string, uid: string, plugin: VolumePlugin, name: string): string {
  assertPathSegment(name, 'volume name');
  return join(podVolumesDir(dataDir, uid), escapePluginName(plugin), name);
}

/** uids and volume names become directory names: one segment, never '.' or '..'. */
function assertPathSegment(s: string, what: string): void {
  if (!s || s === '.' || s === '..' || s.includes('/') || s.includes('\0')) throw new Error(`invalid ${what} ${JSON.stringify(s)}`);
}

/**
 * A subPath (or an item path) is relative and stays inside its volume: no absolute path
 * and no '..' element, as the API server's validation and the kubelet both insist.
 */
export function checkRelativePath(p: string, what: string): string | undefined {
  if (p.startsWith('/')) return `${what} ${JSON.stringify(p)} must be a relative path`;
  if (p.split('/').includes('..')) return `${what} ${JSON.stringify(p)} must not contain '..'`;
  return undefined;
}
