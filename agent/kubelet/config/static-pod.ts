// A static pod from a manifest file, as the kubelet's file source makes one
// (pkg/kubelet/config/common.go): decoded as a single v1 Pod, scheme-defaulted with the
// API server's own defaulting, given an identity of its own, validated with the API
// server's pod validation, and refused if it names API objects the node could not read
// without the control server.
//
// The identity is what lets a restarted agent adopt its static pods instead of starting
// them twice: the UID is an md5 of the defaulted manifest, the node name and the file
// path, so the same file on the same node is the same pod, and a changed file is a new one.

import { createHash } from 'node:crypto';
import { parseAllDocuments } from 'yaml';
import { defaultPodObject } from '../../../api/pod-defaults.js';
import type { Pod } from '../../../api/types.js';
import { aggregateMessage, fieldErrorString } from '../../../api/validation/field-error.js';
import { validatePod } from '../../../api/validation/pod.js';

import { CONFIG_HASH_ANNOTATION, CONFIG_MIRROR_ANNOTATION, CONFIG_SOURCE_ANNOTATION } from '../../../api/mirror-pod.js';

export { CONFIG_HASH_ANNOTATION, CONFIG_MIRROR_ANNOTATION, CONFIG_SEEN_ANNOTATION, CONFIG_SOURCE_ANNOTATION, isMirrorPod } from '../../../api/mirror-pod.js';
export const FILE_SOURCE = 'file';

export class StaticPodError extends Error {
  readonly code = 'InvalidStaticPod';
  override readonly name = 'StaticPodError';
}

export interface DecodedStaticPod {
  pod: Pod;
  /** Documents after the first, which the kubelet never reads either. */
  ignoredDocuments: number;
}

/**
 * Decodes one manifest file into the static pod this node runs. Throws StaticPodError
 * with the message the kubelet logs ("invalid pod: …", "static pods may not reference …").
 */
export function decodeStaticPod(text: string, file: string, nodeName: string): DecodedStaticPod {
  const docs = parseAllDocuments(text);
  const list = Array.isArray(docs) ? docs : [docs];
  const first = list[0];
  if (!first) throw new StaticPodError(`${file}: couldn't parse as pod (empty file), please check manifest file`);
  if (first.errors.length > 0) throw new StaticPodError(`${file}: couldn't parse as pod (${first.errors[0]!.message.split('\n')[0]}), please check manifest file`);
  const obj = first.toJS() as unknown;
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) throw new StaticPodError(`${file}: couldn't parse as pod (not an object), please check manifest file`);
  const o = obj as { apiVersion?: unknown; kind?: unknown };
  if (o.kind !== 'Pod' || o.apiVersion !== 'v1') {
    throw new StaticPodError(`${file}: couldn't parse as pod (kind ${JSON.stringify(o.kind ?? '')} apiVersion ${JSON.stringify(o.apiVersion ?? '')}, want Pod v1), please check manifest file`);
  }
  const pod = obj as Pod;
  pod.metadata ??= {};
  if (pod.spec === null || typeof pod.spec !== 'object') throw new StaticPodError('invalid pod: spec: Required value');
  delete (pod as { status?: unknown }).status;
  defaultPodObject(pod);
  applyStaticDefaults(pod, file, nodeName);
  const errs = validatePod(pod);
  if (errs.length > 0) throw new StaticPodError(`invalid pod: ${aggregateMessage(errs.map(fieldErrorString))}`);
  const resource = apiObjectReference(pod);
  if (resource) throw new StaticPodError(`static pods may not reference ${resource}`);
  return { pod, ignoredDocuments: list.slice(1).filter((d) => d.contents !== null).length };
}

/**
 * applyDefaults for a file source: a UID from the manifest's hash (unless the file sets
 * one), the node's name appended to the pod's, the default namespace, this node, the
 * config hash and source annotations, and a toleration of every NoExecute taint (a node
 * problem never evicts a static pod).
 */
function applyStaticDefaults(pod: Pod, file: string, nodeName: string): void {
  const meta = pod.metadata;
  if (!meta.uid) {
    const hasher = createHash('md5');
    hasher.update(`${JSON.stringify(pod)}\n`);
    hasher.update(`host:${nodeName}`);
    hasher.update(`file:${file}`);
    meta.uid = hasher.digest('hex');
  }
  meta.name = `${meta.name ?? ''}-${nodeName.toLowerCase()}`;
  meta.namespace ||= 'default';
  pod.spec.nodeName = nodeName;
  meta.annotations = { ...(meta.annotations ?? {}), [CONFIG_HASH_ANNOTATION]: meta.uid, [CONFIG_SOURCE_ANNOTATION]: FILE_SOURCE };
  const tolerations = ((pod.spec as { tolerations?: unknown[] }).tolerations ??= []);
  const everyNoExecute = { operator: 'Exists', effect: 'NoExecute' };
  if (!tolerations.some((t) => JSON.stringify(t) === JSON.stringify(everyNoExecute))) tolerations.push(everyNoExecute);
}

interface EnvSource {
  valueFrom?: { secretKeyRef?: unknown; configMapKeyRef?: unknown };
}
interface EnvFromSource {
  secretRef?: unknown;
  configMapRef?: unknown;
}
interface VolumeSource {
  secret?: unknown;
  configMap?: unknown;
  persistentVolumeClaim?: unknown;
  ephemeral?: unknown;
  projected?: { sources?: Array<{ secret?: unknown; configMap?: unknown; serviceAccountToken?: unknown; clusterTrustBundle?: unknown } | null> };
}

/**
 * The first kind of API object the pod names, as the kubelet's HasAPIObjectReference
 * finds it: a static pod must run with no control server, so it may name none.
 */
export function apiObjectReference(pod: Pod): string | undefined {
  const spec = pod.spec as Pod['spec'] & { serviceAccountName?: string; serviceAccount?: string; imagePullSecrets?: unknown[]; volumes?: VolumeSource[]; resourceClaims?: unknown[] };
  if (spec.serviceAccountName || spec.serviceAccount) return 'serviceaccounts';
  const containers = [...(spec.containers ?? []), ...(spec.initContainers ?? [])].filter((c) => !!c);
  const env = containers.flatMap((c) => (c.env ?? []) as EnvSource[]).filter((e) => !!e);
  const envFrom = containers.flatMap((c) => ((c as { envFrom?: EnvFromSource[] }).envFrom ?? [])).filter((e) => !!e);
  const volumes = (spec.volumes ?? []).filter((v) => !!v);
  const projected = volumes.flatMap((v) => v.projected?.sources ?? []).filter((s) => !!s);
  if ((spec.imagePullSecrets ?? []).length > 0 || env.some((e) => e.valueFrom?.secretKeyRef) || envFrom.some((e) => e.secretRef) || volumes.some((v) => v.secret) || projected.some((s) => s!.secret)) return 'secrets';
  if (env.some((e) => e.valueFrom?.configMapKeyRef) || envFrom.some((e) => e.configMapRef) || volumes.some((v) => v.configMap) || projected.some((s) => s!.configMap)) return 'configmaps';
  if (volumes.some((v) => v.persistentVolumeClaim || v.ephemeral)) return 'persistentvolumeclaims';
  if (projected.some((s) => s!.serviceAccountToken)) return 'serviceaccounts';
  if (projected.some((s) => s!.clusterTrustBundle)) return 'clustertrustbundles';
  if ((spec.resourceClaims ?? []).length > 0) return 'resourceclaims';
  return undefined;
}

export function isStaticPod(pod: Pod): boolean {
  const source = pod.metadata.annotations?.[CONFIG_SOURCE_ANNOTATION];
  return source !== undefined && source !== 'api';
}

/** The mirror pod stands for this static pod: same name and namespace, same manifest hash. */
export function isMirrorPodOf(mirror: Pod, pod: Pod): boolean {
  return (
    mirror.metadata.name === pod.metadata.name &&
    mirror.metadata.namespace === pod.metadata.namespace &&
    mirror.metadata.annotations?.[CONFIG_MIRROR_ANNOTATION] === pod.metadata.annotations?.[CONFIG_HASH_ANNOTATION]
  );
}

/** namespace/name: how a static pod and its mirror find each other (their UIDs differ). */
export function podFullName(pod: Pod): string {
  return `${pod.metadata.namespace}/${pod.metadata.name}`;
}
