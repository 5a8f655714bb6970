// The GC policy on a fake image service and fake filesystem numbers (the real dockerd run
// is test/image-gc.test.ts): thresholds, least recently used first, in-use and young
// images kept, and the kubelet's events.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import type { Image } from '../runtime/runtime.js';
import { ImageGCManager, validateImageGCPolicy, type ImageGCPolicy } from './image-gc-manager.js';

const MIB = 1024 * 1024;

function setup(policy: Partial<ImageGCPolicy> = {}) {
  let now = 1_000_000;
  const images = new Map<string, Image>();
  const inUse = new Set<string>();
  const events: string[] = [];
  const removed: string[] = [];
  let used = 0;
  const capacity = 100 * MIB;
  const add = (id: string, sizeMiB: number) => {
    images.set(id, { id, repoTags: [`${id}:1`], repoDigests: [], size: sizeMiB * MIB });
    used += sizeMiB * MIB;
  };
  const gc = new ImageGCManager({
    runtime: {
      listImages: async () => [...images.values()],
      imagesInUse: async () => new Set(inUse),
      imageFsInfo: async () => ({ mountpoint: '/fake' }),
      removeImage: async (id) => {
        const i = images.get(id);
        if (!i) return;
        images.delete(id);
        used -= i.size;
        removed.push(id);
      },
    },
    policy: { highThresholdPercent: 85, lowThresholdPercent: 80, minAgeMs: 0, periodMs: 1000, ...policy },
    record: (type, reason, message) => events.push(`${type} ${reason} ${message}`),
    logger: pino({ level: 'silent' }),
    fsStats: async () => ({ capacityBytes: capacity, availableBytes: capacity - used }),
    now: () => now,
  });
  return { gc, add, inUse, events, removed, tick: (ms: number) => (now += ms), usedMiB: () => used / MIB, setUsed: (mib: number) => (used = mib * MIB) };
}

test('below the high threshold nothing is deleted', async () => {
  const s = setup();
  s.add('a', 10);
  s.add('b', 74); // 84 %
  const r = await s.gc.garbageCollect();
  assert.equal(r.usagePercent, 84);
  assert.deepEqual(s.removed, []);
});

test('over the threshold: unused images go least recently used first, down to the low threshold', async () => {
  const s = setup();
  for (const id of ['old', 'mid', 'new', 'busy']) s.add(id, 10);
  s.add('other-data', 50); // not an image in practice: fills the disk (90 %)
  s.inUse.add('other-data');
  await s.gc.detectImages(0);
  s.tick(10);
  s.gc.markUsed('mid');
  s.tick(10);
  s.gc.markUsed('new');
  s.tick(10);
  s.gc.markUsed('old'); // used last: goes last
  s.inUse.add('busy');
  s.tick(10);
  const r = await s.gc.garbageCollect();
  assert.equal(r.usagePercent, 90);
  assert.equal(r.amountToFree, 10 * MIB);
  assert.deepEqual(s.removed, ['mid']);
  assert.equal(s.usedMiB(), 80);
  // Fill again: the next least recently used is "new", then "old"; "busy" never.
  s.add('more', 15);
  s.inUse.add('more');
  await s.gc.garbageCollect();
  assert.deepEqual(s.removed, ['mid', 'new', 'old']);
  assert.ok(s.usedMiB() <= 80);
  assert.ok(!s.removed.includes('busy'));
});

test('images younger than the minimum age are kept; not enough to free → FreeDiskSpaceFailed', async () => {
  const s = setup({ minAgeMs: 120_000 });
  s.add('young', 20);
  s.add('pinned', 70);
  s.inUse.add('pinned');
  await assert.rejects(s.gc.garbageCollect(), /Failed to garbage collect required amount of images\. Attempted to free \d+ bytes, but only found 0 bytes eligible to free\./);
  assert.deepEqual(s.removed, []);
  assert.match(s.events[0]!, /^Warning FreeDiskSpaceFailed /);
  s.tick(120_000);
  await s.gc.garbageCollect();
  assert.deepEqual(s.removed, ['young']);
});

test('ImageGCFailed only for failures twice in a row, as the kubelet', async () => {
  const s = setup({ periodMs: 1000 });
  s.add('pinned', 95);
  s.inUse.add('pinned');
  const ac = new AbortController();
  const realSetTimeout = setTimeout;
  const done = s.gc.run(ac.signal);
  // Let two periods pass on the real clock (the period is 1 s).
  await new Promise((r) => realSetTimeout(r, 2_300));
  ac.abort();
  await done;
  assert.ok(s.events.filter((e) => e.includes('FreeDiskSpaceFailed')).length >= 2);
  assert.equal(s.events.filter((e) => e.includes('ImageGCFailed')).length, s.events.filter((e) => e.includes('FreeDiskSpaceFailed')).length - 1);
});

test('policy validation as the kubelet checks its flags', () => {
  const ok = { highThresholdPercent: 85, lowThresholdPercent: 80, minAgeMs: 120_000, periodMs: 300_000 };
  assert.equal(validateImageGCPolicy(ok), undefined);
  assert.match(validateImageGCPolicy({ ...ok, highThresholdPercent: 101 })!, /--image-gc-high-threshold 101/);
  assert.match(validateImageGCPolicy({ ...ok, lowThresholdPercent: 90 })!, /--image-gc-low-threshold \(90\) must be less than or equal to --image-gc-high-threshold \(85\)/);
});
