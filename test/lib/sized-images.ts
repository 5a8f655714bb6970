// Images of a chosen size for image pull and garbage collection tests: the busybox test
// root filesystem plus a file of random bytes (random, so neither a registry's gzip nor
// the storage driver makes it smaller), imported into the given dockerd.

import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type Dockerode from 'dockerode';
import { importRootfs } from '../../agent/runtime/docker/docker-images.js';
import { buildTar, type TarEntry } from '../../agent/runtime/pause-image.js';
import { BUSYBOX_APPLETS, HOST_BUSYBOX } from '../fixtures/images.js';

const MIB = 1024 * 1024;

/** Imports NAME with sizeMiB of random data at /data/blob; resolves to the image id. */
export async function importSizedImage(docker: Dockerode, name: string, sizeMiB: number): Promise<string> {
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
  await importRootfs(docker, buildTar(entries), name, ['ENV PATH=/bin', 'CMD ["sh"]']);
  return (await docker.getImage(name).inspect()).Id;
}
