// Image plumbing shared by the Docker runtime and the test fixtures: reference parsing,
// following Docker's JSON progress streams to the end, and importing a root filesystem
// tar as an image (`docker import`), which is how images are made without a registry.

import { Readable } from 'node:stream';
import type Dockerode from 'dockerode';
import type { RootfsImporter } from '../pause-image.js';
import { isNotFound } from './docker-errors.js';

/** Splits "host:5000/repo/name:tag" into repo and tag (tag "latest" when absent). */
export function splitImageRef(ref: string): { repo: string; tag: string; digest?: string } {
  const at = ref.indexOf('@');
  if (at >= 0) return { repo: ref.slice(0, at), tag: '', digest: ref.slice(at + 1) };
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  if (colon > slash) return { repo: ref.slice(0, colon), tag: ref.slice(colon + 1) };
  return { repo: ref, tag: 'latest' };
}

/**
 * The reference Docker should pull. Docker's create-image API pulls every tag of a
 * repository when none is given, so an untagged name gets ":latest" like the CLI adds.
 */
export function pullRef(ref: string): string {
  const r = splitImageRef(ref);
  return r.digest ? ref : `${r.repo}:${r.tag}`;
}

/**
 * Reads a progress stream to its end; rejects with the first error Docker reports in it.
 * onMessage sees every message as it arrives (pull progress).
 */
export function followProgress(docker: Dockerode, stream: NodeJS.ReadableStream, onMessage?: (message: unknown) => void): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(stream, (err: Error | null, output: unknown[]) => {
      if (err) return reject(err);
      // Some daemon versions report failures as an ordinary message with an error field.
      const failed = (output ?? []).find((o) => typeof o === 'object' && o !== null && ('error' in o || 'errorDetail' in o)) as
        | { error?: string; errorDetail?: { message?: string } }
        | undefined;
      if (failed) return reject(new Error(failed.errorDetail?.message ?? failed.error ?? 'unknown error'));
      resolve(output ?? []);
    }, onMessage);
  });
}

export async function hasImage(docker: Dockerode, name: string): Promise<boolean> {
  try {
    await docker.getImage(name).inspect();
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

/** `docker import` of an in-memory root filesystem tar, with Dockerfile-style changes. */
export async function importRootfs(docker: Dockerode, tar: Buffer, name: string, changes: string[]): Promise<void> {
  const { repo, tag } = splitImageRef(name);
  const stream = await docker.importImage(Readable.from([tar]), { repo, tag, changes, message: 'built by skiff' });
  await followProgress(docker, stream);
}

export function dockerRootfsImporter(docker: Dockerode): RootfsImporter {
  return {
    hasImage: (name) => hasImage(docker, name),
    importRootfs: (tar, name, cmd) => importRootfs(docker, tar, name, [`CMD ${JSON.stringify(cmd)}`]),
  };
}
