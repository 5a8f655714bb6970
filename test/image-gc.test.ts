// Image garbage collection against real daemons of the test's own (never the shared ones,
// whose images other test files use): a dockerd, then a containerd, each with its image
// filesystem on a tmpfs of a few hundred MiB, so the 85 % / 80 % thresholds are reached
// with a few images and a plain file. Three images are used in turn by pods and let go, a
// fourth stays in use; the disk is then filled past 85 %, and the agent must delete unused
// images least recently used first until usage is back under 80 %, keeping the image in
// use and the pause image. Filled further, it cannot free enough: FreeDiskSpaceFailed,
// then ImageGCFailed, on the Node.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { stat, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_PAUSE_IMAGE } from '../agent/runtime/pause-image.js';
import { startCluster, waitFor, type TestCluster } from './lib/cluster.js';
import { sleepForever } from './lib/manifests.js';
import { startPrivateContainerd, type PrivateContainerd } from './lib/private-containerd.js';
import { startPrivateDockerd, type PrivateDockerd } from './lib/private-dockerd.js';
import { PAUSE_IMAGE as RIG_PAUSE_IMAGE } from './lib/rig/host-containerd.js';
import { importSizedImage, importSizedImageContainerd } from './lib/sized-images.js';

const exec = promisify(execFile);
const IMAGE_MIB = 30;
const GC_FLAGS = ['--image-gc-high-threshold', '85', '--image-gc-low-threshold', '80', '--minimum-image-ttl-duration', '0s', '--image-gc-period', '1s'];

type ImageKey = 'f1' | 'f2' | 'f3' | 'inUse';

interface EventRow {
  reason: string;
  message: string;
  involvedObject: { kind: string; name: string };
}

/** What the scenario needs from the daemon under test. */
interface Backend {
  /** The filesystem holding the images (filled with a plain file to raise usage). */
  mountPoint: string;
  agentArgs: string[];
  importImage(name: string): Promise<string>;
  present(id: string): Promise<boolean>;
  usedByAContainer(id: string): Promise<boolean>;
  pauseImageId(): Promise<string>;
  stop(): Promise<void>;
}

function hostNetworkPod(name: string, image: string): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    // On the host's network: the test's daemons have no pod network, and the pods need none.
    spec: { hostNetwork: true, terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image, command: sleepForever }] },
  });
}

async function usagePercent(path: string): Promise<number> {
  const s = await statfs(path);
  return 100 - Math.floor((s.bavail * 100) / s.blocks);
}

/**
 * Grows (never shrinks) a plain file so that the filesystem is `percent` full, in one
 * fallocate(2): written bit by bit, GC (every second) would see the usage on its way up,
 * cross 85 % early and free less than the test expects.
 */
async function fillTo(mountPoint: string, percent: number): Promise<void> {
  const s = await statfs(mountPoint);
  const want = Math.ceil((s.blocks * percent) / 100) - (s.blocks - s.bavail);
  if (want <= 0) return;
  const path = join(mountPoint, 'filler');
  const size = await stat(path).then((st) => st.size, () => 0);
  await exec('fallocate', ['-l', String(size + want * s.bsize), path]);
}

async function dockerBackend(): Promise<Backend> {
  const d: PrivateDockerd = await startPrivateDockerd({ sizeMiB: 400 });
  return {
    mountPoint: d.mountPoint,
    agentArgs: ['--runtime-endpoint', d.socketPath],
    importImage: (name) => importSizedImage(d.docker, name, IMAGE_MIB),
    present: (id) => d.docker.getImage(id).inspect().then(() => true, () => false),
    usedByAContainer: async (id) => (await d.docker.listContainers({ all: true })).some((c) => c.ImageID === id),
    pauseImageId: async () => (await d.docker.getImage(DEFAULT_PAUSE_IMAGE).inspect()).Id,
    stop: () => d.stop(),
  };
}

async function containerdBackend(): Promise<Backend> {
  // Each image costs twice its size here (the content store keeps the layer, the snapshot unpacks it).
  const c: PrivateContainerd = await startPrivateContainerd({ sizeMiB: 512 });
  const status = (image: string) => c.cri.image<{ image: { id: string } | null }>('ImageStatus', { image: { image } });
  return {
    mountPoint: c.mountPoint,
    agentArgs: ['--runtime', 'containerd', '--runtime-endpoint', c.socketPath],
    importImage: (name) => importSizedImageContainerd(c.socketPath, `docker.io/${name}`, IMAGE_MIB),
    present: async (id) => (await status(id)).image !== null,
    usedByAContainer: async (id) => (await c.cri.runtime<{ containers: { image_ref: string }[] }>('ListContainers', {})).containers.some((x) => x.image_ref === id),
    pauseImageId: async () => (await status(RIG_PAUSE_IMAGE)).image!.id,
    stop: () => c.stop(),
  };
}

function gcScenario(runtime: string, makeBackend: () => Promise<Backend>): void {
  describe(`image garbage collection on ${runtime}`, () => {
    let backend: Backend;
    let cluster: TestCluster;
    const images = {} as Record<ImageKey, { name: string; id: string }>;

    before(async () => {
      backend = await makeBackend();
      for (const key of ['f1', 'f2', 'f3', 'inUse'] as const) {
        const name = `skiff-test/gc-${key.toLowerCase()}:1`;
        images[key] = { name, id: await backend.importImage(name) };
      }
      // The cluster's own runtime flags come first; the backend's (later) win.
      cluster = await startCluster({ agents: 1, runtime: 'docker', agentArgs: [...backend.agentArgs, ...GC_FLAGS] });
    });

    after(async () => {
      try {
        if (cluster) {
          await cluster.kubectl(['delete', 'pods', '--all', '--wait=true', '--timeout=30s']).catch(() => undefined);
          await cluster.stop();
        }
      } finally {
        // Whatever happened above: the daemon goes, its mounts and files with it.
        await backend?.stop();
      }
    });

    async function useAndRelease(pod: string, key: ImageKey): Promise<void> {
      await cluster.kubectlOk(['apply', '-f', '-'], { input: hostNetworkPod(pod, images[key].name) });
      await cluster.waitForPod(pod, 'Running', (p) => p.status?.phase === 'Running', 60_000);
      await cluster.kubectlOk(['delete', 'pod', pod]);
      await waitFor(`no container left on ${images[key].name}`, async () => !(await backend.usedByAContainer(images[key].id)), 30_000);
    }

    test('over 85 %: unused images go least recently used first, down to 80 %; images in use stay', async () => {
      // Used in the order f1, f2, f3; then one image stays in use.
      await useAndRelease('use-f1', 'f1');
      await useAndRelease('use-f2', 'f2');
      await useAndRelease('use-f3', 'f3');
      await cluster.kubectlOk(['apply', '-f', '-'], { input: hostNetworkPod('keep', images.inUse.name) });
      await cluster.waitForPod('keep', 'Running', (p) => p.status?.phase === 'Running', 60_000);
      const pause = await backend.pauseImageId();
      assert.ok((await usagePercent(backend.mountPoint)) < 85, 'below the threshold before the fill');
      for (const key of ['f1', 'f2', 'f3'] as const) assert.ok(await backend.present(images[key].id), `${key} is there before GC`);

      // 90 %: GC must free 10 % of the filesystem, i.e. two of the ~32 MiB images.
      await fillTo(backend.mountPoint, 90);
      await waitFor('GC to delete f1 and f2', async () => !(await backend.present(images.f1.id)) && !(await backend.present(images.f2.id)), 30_000);
      const usage = await usagePercent(backend.mountPoint);
      assert.ok(usage <= 80, `usage ${usage} % after GC`);
      assert.ok(await backend.present(images.f3.id), 'f3, used last, is kept: deleting f1 and f2 was enough');
      assert.ok(await backend.present(images.inUse.id), 'the image of the running pod is kept');
      assert.ok(await backend.present(pause), 'the pause image is kept');
      // The order, from the agent's own account of it.
      const removed = cluster
        .agent()
        .logs()
        .split('\n')
        .filter((l) => l.includes('removing image to free bytes'))
        .map((l) => (JSON.parse(l) as { image: string }).image);
      assert.deepEqual(removed, [images.f1.id, images.f2.id]);
      assert.equal((await cluster.pod('keep')).status?.phase, 'Running');
    });

    test('when unused images cannot free enough: FreeDiskSpaceFailed, then ImageGCFailed on the Node', async () => {
      // 97 %: GC would have to free 17 % of the filesystem; only f3 (~32 MiB) is eligible.
      await fillTo(backend.mountPoint, 97);
      const node = cluster.nodeNames[0]!;
      const rows = await waitFor('FreeDiskSpaceFailed and ImageGCFailed events', async () => {
        const out = await cluster.kubectlOk(['get', 'events', '-A', '-o', 'json']);
        const all = (JSON.parse(out) as { items: EventRow[] }).items.filter((e) => e.involvedObject.kind === 'Node' && e.involvedObject.name === node);
        const has = (r: string) => all.some((e) => e.reason === r);
        return has('FreeDiskSpaceFailed') && has('ImageGCFailed') ? all : undefined;
      }, 30_000);
      const failed = rows.find((e) => e.reason === 'FreeDiskSpaceFailed')!;
      assert.match(failed.message, /^Failed to garbage collect required amount of images\. Attempted to free \d+ bytes, but only found \d+ bytes eligible to free\.$/);
      assert.ok(!(await backend.present(images.f3.id)), 'the last unused image went too');
      assert.ok(await backend.present(images.inUse.id), 'the image in use is still kept');
      assert.equal((await cluster.pod('keep')).status?.phase, 'Running');
    });
  });
}

test("a private dockerd leaves the machine's docker0 alone", async () => {
  // dockerd with --bridge=none deletes the default bridge interface; ours has a bridge of its own.
  const link = () => exec('ip', ['link', 'show', 'docker0']).then(() => true, () => false);
  assert.ok(await link(), 'the machine dockerd has its docker0');
  const d = await startPrivateDockerd({ sizeMiB: 64 });
  try {
    assert.ok(await link(), 'docker0 still there while the private dockerd runs');
  } finally {
    await d.stop();
  }
  assert.ok(await link(), 'and after it stopped');
});

gcScenario('a dockerd of its own', dockerBackend);
gcScenario('a containerd of its own', containerdBackend);
