// Image garbage collection against a real dockerd: a daemon of the test's own (never the
// shared one, whose images other test files use) with its data root on a 400 MiB tmpfs,
// so the 85 % / 80 % thresholds are reached with a few images and a plain file. Three
// images are used in turn by pods and let go, a fourth stays in use; the disk is then filled
// past 85 %, and the agent must delete unused images least recently used first until usage
// is back under 80 %, keeping the image in use and the pause image. Filled further, it
// cannot free enough: FreeDiskSpaceFailed, then ImageGCFailed, on the Node.

import assert from 'node:assert/strict';
import { open, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_PAUSE_IMAGE } from '../agent/runtime/pause-image.js';
import { startCluster, waitFor, type TestCluster } from './lib/cluster.js';
import { sleepForever } from './lib/manifests.js';
import { startPrivateDockerd, type PrivateDockerd } from './lib/private-dockerd.js';
import { importSizedImage } from './lib/sized-images.js';

const MIB = 1024 * 1024;
const FS_MIB = 400;
const IMAGE_MIB = 30;

interface EventRow {
  reason: string;
  message: string;
  involvedObject: { kind: string; name: string };
}

function hostNetworkPod(name: string, image: string): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    // On the host's network: the test's dockerd has no bridge, and the pods need none.
    spec: { hostNetwork: true, terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image, command: sleepForever }] },
  });
}

async function usagePercent(path: string): Promise<number> {
  const s = await statfs(path);
  return 100 - Math.floor((s.bavail * 100) / s.blocks);
}

/** Grows (never shrinks) a plain file so that the filesystem is `percent` full. */
async function fillTo(dockerd: PrivateDockerd, percent: number): Promise<void> {
  const s = await statfs(dockerd.mountPoint);
  const want = Math.ceil((s.blocks * percent) / 100) - (s.blocks - s.bavail);
  if (want <= 0) return;
  const file = await open(join(dockerd.mountPoint, 'filler'), 'a');
  const chunk = Buffer.alloc(MIB, 1);
  try {
    for (let left = want * s.bsize; left > 0; left -= chunk.length) await file.write(chunk, 0, Math.min(chunk.length, left));
  } finally {
    await file.close();
  }
}

describe('image garbage collection', () => {
  let dockerd: PrivateDockerd;
  let cluster: TestCluster;
  const images: Record<'f1' | 'f2' | 'f3' | 'inUse', { name: string; id: string }> = {} as never;

  before(async () => {
    dockerd = await startPrivateDockerd({ sizeMiB: FS_MIB });
    for (const key of ['f1', 'f2', 'f3', 'inUse'] as const) {
      const name = `skiff-test/gc-${key.toLowerCase()}:1`;
      images[key] = { name, id: await importSizedImage(dockerd.docker, name, IMAGE_MIB) };
    }
    cluster = await startCluster({
      agents: 1,
      agentArgs: [
        '--runtime-endpoint', dockerd.socketPath,
        '--image-gc-high-threshold', '85',
        '--image-gc-low-threshold', '80',
        '--minimum-image-ttl-duration', '0s',
        '--image-gc-period', '1s',
      ],
    });
  });

  after(async () => {
    try {
      if (cluster) {
        await cluster.kubectl(['delete', 'pods', '--all', '--wait=true', '--timeout=30s']).catch(() => undefined);
        await cluster.stop();
      }
    } finally {
      // Whatever happened above: the daemon goes, its mounts and files with it.
      await dockerd?.stop();
    }
  });

  async function present(id: string): Promise<boolean> {
    return dockerd.docker.getImage(id).inspect().then(() => true, () => false);
  }

  async function useAndRelease(pod: string, image: string, id: string): Promise<void> {
    await cluster.kubectlOk(['apply', '-f', '-'], { input: hostNetworkPod(pod, image) });
    await cluster.waitForPod(pod, 'Running', (p) => p.status?.phase === 'Running', 60_000);
    await cluster.kubectlOk(['delete', 'pod', pod]);
    await waitFor(`no container left on ${image}`, async () => (await dockerd.docker.listContainers({ all: true })).every((c) => c.ImageID !== id), 30_000);
  }

  test('over 85 %: unused images go least recently used first, down to 80 %; images in use stay', async () => {
    // Used in the order f1, f2, f3; then one image stays in use.
    await useAndRelease('use-f1', images.f1.name, images.f1.id);
    await useAndRelease('use-f2', images.f2.name, images.f2.id);
    await useAndRelease('use-f3', images.f3.name, images.f3.id);
    await cluster.kubectlOk(['apply', '-f', '-'], { input: hostNetworkPod('keep', images.inUse.name) });
    await cluster.waitForPod('keep', 'Running', (p) => p.status?.phase === 'Running', 60_000);
    const pause = (await dockerd.docker.getImage(DEFAULT_PAUSE_IMAGE).inspect()).Id;
    assert.ok((await usagePercent(dockerd.mountPoint)) < 85, 'below the threshold before the fill');
    for (const key of ['f1', 'f2', 'f3'] as const) assert.ok(await present(images[key].id), `${key} is there before GC`);

    // 90 %: GC must free 10 % of the filesystem (40 MiB), i.e. two of the ~32 MiB images.
    await fillTo(dockerd, 90);
    await waitFor('GC to delete f1 and f2', async () => !(await present(images.f1.id)) && !(await present(images.f2.id)), 30_000);
    assert.ok((await usagePercent(dockerd.mountPoint)) <= 80, `usage ${await usagePercent(dockerd.mountPoint)} % after GC`);
    assert.ok(await present(images.f3.id), 'f3, used last, is kept: deleting f1 and f2 was enough');
    assert.ok(await present(images.inUse.id), 'the image of the running pod is kept');
    assert.ok(await present(pause), 'the pause image is kept');
    // The order, from the agent's own account of it.
    const removed = cluster
      .agent()
      .logs()
      .split('\n')
      .filter((l) => l.includes('removing image to free bytes'))
      .map((l) => (JSON.parse(l) as { image: string }).image);
    assert.deepEqual(removed, [images.f1.id, images.f2.id]);
    const pod = await cluster.pod('keep');
    assert.equal(pod.status?.phase, 'Running');
  });

  test('when unused images cannot free enough: FreeDiskSpaceFailed, then ImageGCFailed on the Node', async () => {
    // 97 %: GC would have to free 17 % (68 MiB); only f3 (~32 MiB) is eligible.
    await fillTo(dockerd, 97);
    const node = cluster.nodeNames[0]!;
    const rows = await waitFor('FreeDiskSpaceFailed and ImageGCFailed events', async () => {
      const out = await cluster.kubectlOk(['get', 'events', '-A', '-o', 'json']);
      const all = (JSON.parse(out) as { items: EventRow[] }).items.filter((e) => e.involvedObject.kind === 'Node' && e.involvedObject.name === node);
      const has = (r: string) => all.some((e) => e.reason === r);
      return has('FreeDiskSpaceFailed') && has('ImageGCFailed') ? all : undefined;
    }, 30_000);
    const failed = rows.find((e) => e.reason === 'FreeDiskSpaceFailed')!;
    assert.match(failed.message, /^Failed to garbage collect required amount of images\. Attempted to free \d+ bytes, but only found \d+ bytes eligible to free\.$/);
    assert.ok(!(await present(images.f3.id)), 'the last unused image went too');
    assert.ok(await present(images.inUse.id), 'the image in use is still kept');
    assert.equal((await cluster.pod('keep')).status?.phase, 'Running');
  });
});
