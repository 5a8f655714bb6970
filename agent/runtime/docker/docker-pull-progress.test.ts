import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DockerPullProgress } from './docker-pull-progress.js';

test('Docker pull messages fold into bytes of total and layers done', () => {
  const p = new DockerPullProgress();
  assert.equal(p.update({ status: 'Pulling from x', id: 'v1' }), undefined);
  p.update({ status: 'Pulling fs layer', id: 'a' });
  p.update({ status: 'Pulling fs layer', id: 'b' });
  p.update({ status: 'Already exists', id: 'c' });
  p.update({ status: 'Downloading', id: 'a', progressDetail: { current: 100, total: 1000 } });
  assert.deepEqual(p.current(), { downloadedBytes: 100, totalBytes: 1000, layers: 3, layersDone: 1 });
  p.update({ status: 'Downloading', id: 'b', progressDetail: { current: 50, total: 500 } });
  p.update({ status: 'Download complete', id: 'a' });
  assert.deepEqual(p.current(), { downloadedBytes: 1050, totalBytes: 1500, layers: 3, layersDone: 2 });
  p.update({ status: 'Extracting', id: 'b', progressDetail: { current: 10, total: 500 } });
  p.update({ status: 'Pull complete', id: 'b' });
  assert.deepEqual(p.current(), { downloadedBytes: 1500, totalBytes: 1500, layers: 3, layersDone: 3 });
  assert.equal(p.update({ status: 'Digest: sha256:00' }), undefined);
});
