// The kubelet's image manager, pull side (pkg/kubelet/images EnsureImageExists plus
// kuberuntime's pullImage): the pull policy, per-image back-off, registry credentials from
// the pod's image pull secrets, and the events `kubectl describe pod` shows, worded as the
// kubelet words them. Long pulls also report progress (pull-progress-events.ts).

import type { Container, Pod } from '../../api/types.js';
import type { Secret } from '../../api/service-types.js';
import { ImagePullError } from '../runtime/errors.js';
import type { AuthConfig, ImageService } from '../runtime/runtime.js';
import { secretData } from '../kubelet/volumes/config-objects.js';
import { CredentialKeyring, dockerConfigOf } from './credential-keyring.js';
import type { PullProgressEvents } from './pull-progress-events.js';

export type EventRecorder = (pod: Pod, type: 'Normal' | 'Warning', reason: string, message: string) => void;

/** Image pulls back off 10 s doubling to 5 min, per pod and image (the kubelet's image back-off). */
export const PULL_BACKOFF_INITIAL_MS = 10_000;
export const PULL_BACKOFF_MAX_MS = 300_000;
/**
 * How long a failed pull shows as ErrImagePull before ImagePullBackOff. The kubelet shows
 * ErrImagePull until its next sync of the pod (seconds later); here the pod is synced again
 * as soon as its status is written, which would turn ErrImagePull into ImagePullBackOff
 * within a few milliseconds and hide the pull's own error state from `kubectl get pods`.
 */
export const ERR_IMAGE_PULL_SHOWN_MS = 5_000;

export interface ImagePullerOptions {
  runtime: ImageService;
  record: EventRecorder;
  /** Secrets by namespace and name (the kubelet's secret cache); undefined: it does not exist. */
  secret?: (namespace: string, name: string) => Promise<Secret | undefined>;
  /**
   * The imagePullSecrets of a ServiceAccount. Kubernetes copies them into the pod at
   * admission; Skiff's API server does not, so a pod without pull secrets of its own gets
   * its ServiceAccount's here, which is what that admission step would have given it.
   */
  serviceAccountPullSecrets?: (namespace: string, name: string) => Promise<string[]>;
  progress?: PullProgressEvents;
  /** An image (by id) is about to be used by a container: image GC keeps recent ones longest. */
  onImageUsed?: (imageId: string) => void;
  now?: () => number;
}

export type EnsureImageResult = { ok: true; imageId: string } | { ok: false; waiting: { reason: string; message: string }; requeueMs?: number };

interface Backoff {
  failedAt: number;
  until: number;
  delayMs: number;
  message: string;
}

/** Go's time.Duration text, truncated to milliseconds: 523ms, 1.2s, 1m2.005s. */
export function goDuration(ms: number): string {
  const whole = Math.max(0, Math.floor(ms));
  if (whole < 1000) return `${whole}ms`;
  const minutes = Math.floor(whole / 60_000);
  const seconds = ((whole % 60_000) / 1000).toFixed(3).replace(/\.?0+$/, '');
  if (minutes === 0) return `${seconds}s`;
  const hours = Math.floor(minutes / 60);
  return hours > 0 ? `${hours}h${minutes % 60}m${seconds}s` : `${minutes}m${seconds}s`;
}

/** utilerrors.NewAggregate's text: one error as itself, several in brackets. */
function aggregate(messages: string[]): string {
  return messages.length === 1 ? messages[0]! : `[${messages.join(', ')}]`;
}

export class ImagePuller {
  private readonly backoff = new Map<string, Backoff>();

  constructor(private readonly o: ImagePullerOptions) {}

  private now(): number {
    return this.o.now?.() ?? Date.now();
  }

  /** Forgets a pod's back-offs (it is gone). */
  forgetPod(uid: string): void {
    for (const key of this.backoff.keys()) if (key.startsWith(`${uid}/`)) this.backoff.delete(key);
  }

  async ensureImageExists(pod: Pod, spec: Container): Promise<EnsureImageResult> {
    const { runtime, record } = this.o;
    const image = spec.image;
    const policy = spec.imagePullPolicy ?? 'IfNotPresent';
    const present = policy === 'Always' ? undefined : await runtime.imageStatus(image);
    if (present) {
      record(pod, 'Normal', 'Pulled', `Container image "${image}" already present on machine`);
      this.o.onImageUsed?.(present.id);
      return { ok: true, imageId: present.id };
    }
    if (policy === 'Never') {
      const message = `Container image "${image}" is not present with pull policy of Never`;
      record(pod, 'Warning', 'ErrImageNeverPull', message);
      return { ok: false, waiting: { reason: 'ErrImageNeverPull', message } };
    }
    const key = `${pod.metadata.uid}/${image}`;
    const prior = this.backoff.get(key);
    const now = this.now();
    if (prior && prior.until > now) {
      const shownUntil = prior.failedAt + Math.min(ERR_IMAGE_PULL_SHOWN_MS, prior.delayMs);
      if (now < shownUntil) return { ok: false, waiting: { reason: 'ErrImagePull', message: prior.message }, requeueMs: shownUntil - now };
      record(pod, 'Normal', 'BackOff', `Back-off pulling image "${image}"`);
      record(pod, 'Warning', 'Failed', 'Error: ImagePullBackOff');
      return { ok: false, waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}": ErrImagePull: ${prior.message}` }, requeueMs: prior.until - now };
    }
    const credentials = await this.credentials(pod, image);
    record(pod, 'Normal', 'Pulling', `Pulling image "${image}"`);
    const started = this.now();
    const progress = this.o.progress?.start(pod, image);
    const failures: string[] = [];
    let imageId: string | undefined;
    // No credential matches: pull anonymously. Otherwise each in turn, most specific first.
    for (const auth of credentials.length ? credentials : [undefined]) {
      try {
        imageId = await runtime.pullImage(image, auth, progress ? (p) => progress.update(p) : undefined);
        break;
      } catch (err) {
        // Whatever failed (the registry, the runtime), the container waits in ErrImagePull.
        failures.push(err instanceof ImagePullError ? err.detail : (err as Error).message);
      }
    }
    await progress?.finish(imageId !== undefined);
    if (imageId === undefined) {
      const detail = aggregate(failures);
      const message = `failed to pull image "${image}": ${detail}`;
      const delayMs = Math.min((prior?.delayMs ?? PULL_BACKOFF_INITIAL_MS / 2) * 2, PULL_BACKOFF_MAX_MS);
      const failedAt = this.now();
      this.backoff.set(key, { failedAt, until: failedAt + delayMs, delayMs, message });
      record(pod, 'Warning', 'Failed', `Failed to pull image "${image}": ${detail}`);
      record(pod, 'Warning', 'Failed', 'Error: ErrImagePull');
      return { ok: false, waiting: { reason: 'ErrImagePull', message }, requeueMs: Math.min(ERR_IMAGE_PULL_SHOWN_MS, delayMs) };
    }
    this.backoff.delete(key);
    const took = goDuration(this.now() - started);
    const size = (await runtime.imageStatus(imageId).catch(() => undefined))?.size;
    record(pod, 'Normal', 'Pulled', `Successfully pulled image "${image}" in ${took} (${took} including waiting).${size !== undefined ? ` Image size: ${size} bytes.` : ''}`);
    this.o.onImageUsed?.(imageId);
    return { ok: true, imageId };
  }

  /** The pod's pull secrets (else its ServiceAccount's) as a keyring, looked up for image. */
  private async credentials(pod: Pod, image: string): Promise<AuthConfig[]> {
    const namespace = pod.metadata.namespace ?? 'default';
    const refs = (pod.spec['imagePullSecrets'] as { name?: string }[] | undefined) ?? [];
    let names = refs.map((r) => r.name ?? '').filter(Boolean);
    if (names.length === 0 && this.o.serviceAccountPullSecrets) {
      const sa = (pod.spec['serviceAccountName'] as string | undefined) || (pod.spec['serviceAccount'] as string | undefined) || 'default';
      names = await this.o.serviceAccountPullSecrets(namespace, sa).catch(() => []);
    }
    if (names.length === 0) return [];
    const keyring = new CredentialKeyring();
    const missing: string[] = [];
    const secrets = await Promise.all(names.map((name) => this.o.secret?.(namespace, name)));
    for (const [i, name] of names.entries()) {
      const secret = secrets[i];
      const config = secret ? dockerConfigOf(secret.type, secretData(secret)) : undefined;
      if (!config || typeof config === 'string') {
        missing.push(`"${name}"`);
        continue;
      }
      keyring.add(config, name);
    }
    if (missing.length) {
      this.o.record(pod, 'Warning', 'FailedToRetrieveImagePullSecret', `Unable to retrieve some image pull secrets (${missing.join(', ')}); attempting to pull the image may not succeed.`);
    }
    return keyring.lookup(image).map((c) => c.auth);
  }
}
