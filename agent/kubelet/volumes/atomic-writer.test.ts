// The atomic writer's on-disk protocol: versions behind ..data, user-visible links, no
// write for an unchanged payload, removed keys disappear, nested paths, modes.

import assert from 'node:assert/strict';
import { lstat, mkdtemp, readFile, readdir, readlink, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { tsDirPrefix, validatePayload, writeAtomic, type Payload } from './atomic-writer.js';

async function dir(t: TestContext): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'skiff-atomic-'));
  t.after(() => rm(d, { recursive: true, force: true }));
  return d;
}

const file = (s: string, mode = 0o644) => ({ data: Buffer.from(s), mode });

test('timestamp directory prefix has the kubelet format', () => {
  assert.equal(tsDirPrefix(new Date(Date.UTC(2026, 0, 2, 3, 4, 5))), '..2026_01_02_03_04_05.');
});

test('payload paths are relative and do not reach outside or into ..data', () => {
  for (const bad of ['/abs', 'a/../b', '..', '..data', '..x/y', 'a//b', '']) {
    assert.throws(() => validatePayload(new Map([[bad, file('x')]])), Error, bad);
  }
  validatePayload(new Map([['a/b/c', file('x')], ['.hidden', file('y')], ['x..y', file('z')]]));
});

test('first write: files behind ..data, links in the root, modes applied', async (t) => {
  const d = await dir(t);
  const payload: Payload = new Map([
    ['game.properties', file('lives=3\n', 0o400)],
    ['conf/nested.txt', file('n\n')],
  ]);
  assert.equal(await writeAtomic(d, payload), true);
  const entries = (await readdir(d)).sort();
  assert.equal(entries.length, 4, entries.join(' '));
  assert.deepEqual(entries.filter((e) => !e.startsWith('..')), ['conf', 'game.properties']);
  const ts = await readlink(join(d, '..data'));
  assert.match(ts, /^\.\.\d{4}_\d\d_\d\d_\d\d_\d\d_\d\d\./);
  assert.equal(await readlink(join(d, 'game.properties')), '..data/game.properties');
  assert.equal(await readlink(join(d, 'conf')), '..data/conf');
  assert.equal(await readFile(join(d, 'game.properties'), 'utf8'), 'lives=3\n');
  assert.equal(await readFile(join(d, 'conf/nested.txt'), 'utf8'), 'n\n');
  assert.equal((await stat(join(d, 'game.properties'))).mode & 0o777, 0o400);
  assert.equal((await stat(join(d, 'conf/nested.txt'))).mode & 0o777, 0o644);
});

test('an unchanged payload writes nothing; a change swaps versions and drops removed keys', async (t) => {
  const d = await dir(t);
  await writeAtomic(d, new Map([['a', file('1')], ['b', file('2')]]));
  const first = await readlink(join(d, '..data'));
  assert.equal(await writeAtomic(d, new Map([['a', file('1')], ['b', file('2')]])), false);
  assert.equal(await readlink(join(d, '..data')), first);
  // A mode change alone is a change.
  assert.equal(await writeAtomic(d, new Map([['a', file('1', 0o600)], ['b', file('2')]])), true);
  const second = await readlink(join(d, '..data'));
  assert.notEqual(second, first);
  assert.equal(await writeAtomic(d, new Map([['a', file('one')]])), true);
  const third = await readlink(join(d, '..data'));
  const entries = (await readdir(d)).sort();
  assert.deepEqual(entries, ['..data', third, 'a'].sort(), 'old versions and the removed key are gone');
  assert.equal(await readFile(join(d, 'a'), 'utf8'), 'one');
  assert.equal((await lstat(join(d, 'a'))).isSymbolicLink(), true);
});

test('a broken user-visible link is repaired even when the content is unchanged', async (t) => {
  const d = await dir(t);
  await writeAtomic(d, new Map([['a', file('1')]]));
  await rm(join(d, 'a'));
  assert.equal(await writeAtomic(d, new Map([['a', file('1')]])), true);
  assert.equal(await readFile(join(d, 'a'), 'utf8'), '1');
});

test('an empty payload leaves only ..data and its version', async (t) => {
  const d = await dir(t);
  await writeAtomic(d, new Map([['a', file('1')]]));
  assert.equal(await writeAtomic(d, new Map()), true);
  assert.deepEqual((await readdir(d)).filter((e) => !e.startsWith('..')), []);
});
