// What goes into a configMap, secret, downwardAPI or projected volume: the payload the
// atomic writer puts on disk, computed from the pod and the objects it names, as the
// kubelet's MakePayload functions do (items or every key, modes, optional sources).

import type { Container, Pod } from '../../../api/types.js';
import type { ConfigMap } from '../../../api/service-types.js';
import { fieldRef, resourceFieldRef, type PodContext } from '../container-config.js';
import type { FileProjection, Payload } from './atomic-writer.js';
import { secretData, type ConfigObjects } from './config-objects.js';
import type { DownwardAPIVolumeFile, KeyToPath, Volume } from './types.js';

/** Kubernetes' default mode for every projected file (configMap, secret, downwardAPI). */
export const DEFAULT_MODE = 0o644;

/** A volume that cannot be set up; the message is what FailedMount events show. */
export class VolumeSetupError extends Error {
  readonly code = 'VolumeSetupFailed';
}

function configMapData(cm: ConfigMap): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const [k, v] of Object.entries(cm.data ?? {})) out.set(k, Buffer.from(v, 'utf8'));
  for (const [k, v] of Object.entries(cm.binaryData ?? {})) out.set(k, Buffer.from(v, 'base64'));
  return out;
}

/**
 * Keys → files: every key when items is empty, else only the items (a missing key is an
 * error unless the source is optional, as the kubelet has it).
 */
function project(data: Map<string, Buffer>, items: KeyToPath[] | undefined, mode: number, optional: boolean, missingKey: (key: string) => string, into: Payload): void {
  if (!items?.length) {
    for (const [k, v] of data) into.set(k, { data: v, mode });
    return;
  }
  for (const item of items) {
    const v = data.get(item.key);
    if (v === undefined) {
      if (optional) continue;
      throw new VolumeSetupError(missingKey(item.key));
    }
    into.set(item.path, { data: v, mode: item.mode ?? mode });
  }
}

export function configMapPayload(
  namespace: string,
  src: { name?: string; items?: KeyToPath[]; optional?: boolean },
  objects: ConfigObjects,
  mode: number,
  into: Payload = new Map(),
): Payload {
  const name = src.name ?? '';
  const cm = objects.configMap(namespace, name);
  if (!cm) {
    if (src.optional) return into;
    throw new VolumeSetupError(`configmap "${name}" not found`);
  }
  project(configMapData(cm), src.items, mode, !!src.optional, (k) => `configmap references non-existent config key: ${k}`, into);
  return into;
}

export function secretPayload(
  namespace: string,
  src: { name?: string; items?: KeyToPath[]; optional?: boolean },
  objects: ConfigObjects,
  mode: number,
  into: Payload = new Map(),
): Payload {
  const name = src.name ?? '';
  const s = objects.secret(namespace, name);
  if (!s) {
    if (src.optional) return into;
    throw new VolumeSetupError(`secret "${name}" not found`);
  }
  project(secretData(s), src.items, mode, !!src.optional, (k) => `references non-existent secret key: ${k}`, into);
  return into;
}

/** labels and annotations files: sorted key="value" lines, as the kubelet's FormatMap. */
export function formatMap(m: Record<string, string> | undefined): string {
  return Object.keys(m ?? {})
    .sort()
    .map((k) => `${k}=${JSON.stringify(m![k])}`)
    .join('\n');
}

export function downwardAPIFileValue(pod: Pod, file: DownwardAPIVolumeFile, ctx: PodContext): string {
  if (file.fieldRef) {
    const path = file.fieldRef.fieldPath;
    if (path === 'metadata.labels') return formatMap(pod.metadata.labels);
    if (path === 'metadata.annotations') return formatMap(pod.metadata.annotations);
    return fieldRef(pod, ctx, path);
  }
  if (file.resourceFieldRef) {
    // A volume has no container of its own: containerName is required by validation.
    const self: Container | undefined = pod.spec.containers[0];
    if (!self) return '';
    return resourceFieldRef(pod, self, file.resourceFieldRef, ctx);
  }
  throw new VolumeSetupError(`downwardAPI file ${file.path} has neither fieldRef nor resourceFieldRef`);
}

export function downwardAPIPayload(pod: Pod, items: DownwardAPIVolumeFile[] | undefined, ctx: PodContext, mode: number, into: Payload = new Map()): Payload {
  for (const f of items ?? []) {
    const file: FileProjection = { data: Buffer.from(downwardAPIFileValue(pod, f, ctx), 'utf8'), mode: f.mode ?? mode };
    into.set(f.path, file);
  }
  return into;
}

/** The payload of a configMap, secret, downwardAPI or projected volume. */
export function volumePayload(pod: Pod, volume: Volume, objects: ConfigObjects, ctx: PodContext): Payload {
  const ns = pod.metadata.namespace ?? 'default';
  if (volume.configMap) {
    const src = volume.configMap;
    return configMapPayload(ns, { ...src }, objects, src.defaultMode ?? DEFAULT_MODE);
  }
  if (volume.secret) {
    const src = volume.secret;
    return secretPayload(ns, { ...src, name: src.secretName ?? '' }, objects, src.defaultMode ?? DEFAULT_MODE);
  }
  if (volume.downwardAPI) return downwardAPIPayload(pod, volume.downwardAPI.items, ctx, volume.downwardAPI.defaultMode ?? DEFAULT_MODE);
  if (volume.projected) {
    const mode = volume.projected.defaultMode ?? DEFAULT_MODE;
    const out: Payload = new Map();
    for (const source of volume.projected.sources ?? []) {
      if (source.configMap) configMapPayload(ns, source.configMap, objects, mode, out);
      else if (source.secret) secretPayload(ns, source.secret, objects, mode, out);
      else if (source.downwardAPI) downwardAPIPayload(pod, source.downwardAPI.items, ctx, mode, out);
      else if (source.serviceAccountToken) throw new VolumeSetupError('projected serviceAccountToken sources are not supported by this node (Skiff issues no service account tokens)');
    }
    return out;
  }
  throw new VolumeSetupError(`volume ${volume.name} is not a configMap, secret, downwardAPI or projected volume`);
}
