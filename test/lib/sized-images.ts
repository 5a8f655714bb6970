// Images of a chosen size for image pull and garbage collection tests: the busybox test
// root filesystem plus a file of random bytes (random, so neither a registry's gzip nor
// the storage driver makes it smaller), imported into a dockerd or a containerd.

import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type Dockerode from 'dockerode';
import { ctrImport } from '../../agent/runtime/cri/ctr-import.js';
import { ociImageArchive } from '../../agent/runtime/cri/oci-archive.js';
import { importRootfs } from '../../agent/runtime/docker/docker-images.js';
import { buildTar, type TarEntry } from '../../agent/runtime/pause-image.js';
import { BUSYBOX_APPLETS, HOST_BUSYBOX } from '../fixtures/images.js';

const MIB = 1024 * 1024;

function sizedRootfsTar(sizeMiB: number): Buffer {
  const entries: TarEntry[] = [
    { type: 'dir', path: 'bin' },
    { type: 'file', path: 'bin/busybox', mode: 0o755, data: readFileSync(HOST_BUSYBOX) },
    ...BUSYBOX_APPLETS.map((a): TarEntry => ({ type: 'symlink', path: `bin/${a}`, target: 'busybox' })),
    { type: 'dir', path: 'data' },
    { type: 'file', path: 'data/blob', data: randomBytes(Math.round(sizeMiB * MIB)) },
    { type: 'dir', path: 'dev' },
    { type: 'dir', path: 'etc' },
    { type: 'dir', path: 'proc' },
    { type: 'dir', path: 'sys' },
    { type: 'dir', path: 'tmp', mode: 0o1777 },
  ];
  return buildTar(entries);
}

/** Imports NAME into dockerd with sizeMiB of random data at /data/blob; resolves to the image id. */
export async function importSizedImage(docker: Dockerode, name: string, sizeMiB: number): Promise<string> {
  await importRootfs(docker, sizedRootfsTar(sizeMiB), name, ['ENV PATH=/bin', 'CMD ["sh"]']);
  return (await docker.getImage(name).inspect()).Id;
}

/** The same into containerd's k8s.io namespace (name fully qualified, as the CRI stores it); resolves to the image id. */
export async function importSizedImageContainerd(socketPath: string, name: string, sizeMiB: number): Promise<string> {
  const { archive, configDigest } = ociImageArchive({ name, rootfsTar: sizedRootfsTar(sizeMiB), config: { Env: ['PATH=/bin'], Cmd: ['sh'] } });
  await ctrImport({ socketPath, archive });
  return configDigest;
}
