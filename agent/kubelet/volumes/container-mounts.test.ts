// volumeMounts → CRI mounts: read-only from the mount or the volume, propagation,
// subPath and subPathExpr made inside the volume, and escapes refused.

import assert from 'node:assert/strict';
import { mkdir, mkdtemp, realpath, rm, symlink } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { Container } from '../../../api/types.js';
import { containerMounts } from './container-mounts.js';
import type { PodVolumes } from './volume-manager.js';

async function dir(t: TestContext): Promise<string> {
  const d = await realpath(await mkdtemp(join(tmpdir(), 'skiff-mounts-unit-')));
  t.after(() => rm(d, { recursive: true, force: true }));
  return d;
}

test('mounts: read-only from the mount or the volume kind, propagation mapped', async (t) => {
  const d = await dir(t);
  const volumes: PodVolumes = new Map([
    ['data', { hostPath: join(d, 'data'), readOnly: false }],
    ['cfg', { hostPath: join(d, 'cfg'), readOnly: true }],
  ]);
  const c: Container = {
    name: 'c',
    image: 'x',
    volumeMounts: [
      { name: 'data', mountPath: '/data' },
      { name: 'data', mountPath: '/ro', readOnly: true, mountPropagation: 'HostToContainer' },
      { name: 'cfg', mountPath: '/cfg' },
    ],
  };
  assert.deepEqual(await containerMounts(c, volumes, new Map()), [
    { containerPath: '/data', hostPath: join(d, 'data'), readonly: false },
    { containerPath: '/ro', hostPath: join(d, 'data'), readonly: true, propagation: 'hostToContainer' },
    { containerPath: '/cfg', hostPath: join(d, 'cfg'), readonly: true },
  ]);
  await assert.rejects(containerMounts({ name: 'c', image: 'x', volumeMounts: [{ name: 'nope', mountPath: '/x' }] }, volumes, new Map()), /cannot find volume "nope"/);
});

test('subPath and subPathExpr are made inside the volume; escapes are refused', async (t) => {
  const d = await dir(t);
  const vol = join(d, 'vol');
  await mkdir(vol);
  await symlink('/etc', join(vol, 'evil'));
  const volumes: PodVolumes = new Map([['v', { hostPath: vol, readOnly: false }]]);
  const env = new Map([['POD', 'web-1']]);
  const mounts = await containerMounts(
    { name: 'c', image: 'x', volumeMounts: [{ name: 'v', mountPath: '/a', subPath: 'x/y' }, { name: 'v', mountPath: '/b', subPathExpr: 'logs/$(POD)' }] },
    volumes,
    env,
  );
  assert.deepEqual(mounts.map((m) => m.hostPath), [join(vol, 'x/y'), join(vol, 'logs/web-1')]);
  assert.ok(existsSync(join(vol, 'x/y')) && existsSync(join(vol, 'logs/web-1')));
  for (const [subPath, want] of [['../outside', /must not contain '\.\.'/], ['/abs', /must be a relative path/], ['evil', /resolves outside the volume/]] as const) {
    await assert.rejects(containerMounts({ name: 'c', image: 'x', volumeMounts: [{ name: 'v', mountPath: '/x', subPath }] }, volumes, env), (err: Error) => {
      assert.match(err.message, want);
      assert.equal((err as { code?: string }).code, 'CreateContainerConfigError');
      return true;
    });
  }
});
