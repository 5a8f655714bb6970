// The size of a memory-backed emptyDir, as the kubelet computes it, and the directory a
// disk emptyDir gets (0777; with fsGroup, the group's and setgid).

import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Pod } from '../../../api/types.js';
import { memoryVolumeSize, podMemoryLimit, setUpEmptyDir } from './empty-dir.js';

const Mi = 1024n * 1024n;
const pod = (...limits: Array<string | undefined>): Pod => ({
  metadata: { name: 'p' },
  spec: { containers: limits.map((l, i) => ({ name: `c${i}`, image: 'x', ...(l ? { resources: { limits: { memory: l } } } : {}) })) },
});

test('pod memory limit: the sum when every container has one', () => {
  assert.equal(podMemoryLimit(pod('64Mi', '32Mi')), 96n * Mi);
  assert.equal(podMemoryLimit(pod('64Mi', undefined)), undefined);
  const withInit = pod('16Mi');
  withInit.spec.initContainers = [{ name: 'init', image: 'x', resources: { limits: { memory: '128Mi' } } }];
  assert.equal(podMemoryLimit(withInit), 128n * Mi);
});

test('tmpfs size: allocatable, lowered by the pod limit, lowered by sizeLimit', () => {
  assert.equal(memoryVolumeSize(pod(undefined), {}, undefined), undefined);
  assert.equal(memoryVolumeSize(pod(undefined), {}, '2Gi'), 2048n * Mi);
  assert.equal(memoryVolumeSize(pod('64Mi'), {}, '2Gi'), 64n * Mi);
  assert.equal(memoryVolumeSize(pod('64Mi'), { sizeLimit: '8Mi' }, '2Gi'), 8n * Mi);
  assert.equal(memoryVolumeSize(pod('64Mi'), { sizeLimit: '1Gi' }, '2Gi'), 64n * Mi, 'sizeLimit above the pod limit does not raise it');
  assert.equal(memoryVolumeSize(pod(undefined), { sizeLimit: '8Mi' }, undefined), 8n * Mi);
  assert.throws(() => memoryVolumeSize(pod(undefined), { sizeLimit: 'lots' }, undefined), /invalid sizeLimit/);
});

test('a disk emptyDir is 0777; with fsGroup it belongs to the group, setgid', async (t) => {
  const d = await mkdtemp(join(tmpdir(), 'skiff-emptydir-unit-'));
  t.after(() => rm(d, { recursive: true, force: true }));
  await setUpEmptyDir(join(d, 'plain'), {}, undefined, () => undefined);
  assert.equal((await stat(join(d, 'plain'))).mode & 0o7777, 0o777);
  await setUpEmptyDir(join(d, 'grouped'), {}, 2345, () => undefined);
  const st = await stat(join(d, 'grouped'));
  assert.equal(st.mode & 0o7777, 0o2777);
  assert.equal(st.gid, 2345);
  await assert.rejects(setUpEmptyDir(join(d, 'huge'), { medium: 'HugePages-2Mi' as never }, undefined, () => undefined), /not supported/);
});
