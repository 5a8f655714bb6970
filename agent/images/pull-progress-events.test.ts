import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../../api/types.js';
import { PullProgressEvents, progressMessage } from './pull-progress-events.js';
import { goDuration } from './image-puller.js';

const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default', uid: 'u' }, spec: { containers: [] } } as Pod;
const MIB = 1024 * 1024;

test('one event per pull: none for a quick pull, then at most one write per interval, and a final one', async () => {
  let now = 0;
  const writes: string[] = [];
  const events = new PullProgressEvents(
    {
      create: async (_p, m) => (writes.push(`create ${m}`), 'ev1'),
      update: async (_p, name, m) => void writes.push(`update ${name} ${m}`),
    },
    5_000,
    () => now,
  );
  const quick = events.start(pod, 'img:1');
  quick.update({ downloadedBytes: MIB, totalBytes: 2 * MIB, layers: 1, layersDone: 0 });
  now = 1_000;
  await quick.finish(true);
  assert.deepEqual(writes, [], 'a pull shorter than the interval writes nothing');

  now = 0;
  const long = events.start(pod, 'img:2');
  for (let t = 0; t <= 20_000; t += 250) {
    now = t;
    long.update({ downloadedBytes: (t / 20_000) * 40 * MIB, totalBytes: 40 * MIB, layers: 3, layersDone: t >= 20_000 ? 3 : 1 });
    await new Promise((r) => setImmediate(r));
  }
  await long.finish(true);
  assert.equal(writes[0], 'create Pulling image "img:2": 10.0 MiB of 40.0 MiB downloaded, 1 of 3 layers');
  // 20 s of updates every 250 ms: writes at 5, 10, 15, 20 s, plus the final one.
  assert.equal(writes.length, 5);
  assert.equal(writes.at(-1), 'update ev1 Pulled image "img:2": 40.0 MiB downloaded, 3 of 3 layers');
});

test('messages and Go durations', () => {
  assert.equal(progressMessage('x', { downloadedBytes: 0, totalBytes: MIB, layers: 1, layersDone: 0 }), 'Pulling image "x": 0.0 MiB of 1.0 MiB downloaded, 0 of 1 layer');
  assert.equal(goDuration(523), '523ms');
  assert.equal(goDuration(1200), '1.2s');
  assert.equal(goDuration(2000), '2s');
  assert.equal(goDuration(62_005), '1m2.005s');
  assert.equal(goDuration(3_600_000 + 61_000), '1h1m1s');
});
