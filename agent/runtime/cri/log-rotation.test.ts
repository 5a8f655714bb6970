import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rotateIfNeeded, rotationSuffix } from './log-rotation.js';

test('rotation suffixes sort by time', () => {
  assert.equal(rotationSuffix(new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6))), '20260102-030405.006');
  const a = rotationSuffix(new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 999)));
  const b = rotationSuffix(new Date(Date.UTC(2026, 0, 2, 3, 4, 6, 0)));
  assert.ok(a < b);
});

test('a log over the size is renamed aside, reopened, and old files beyond the count go', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-rotate-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const log = join(dir, '0.log');
  const policy = { maxBytes: 10, maxFiles: 2 };
  let reopened = 0;
  const reopen = async () => {
    reopened++;
    await writeFile(log, '');
  };
  await writeFile(log, 'short');
  assert.equal(await rotateIfNeeded(log, policy, reopen), false);
  for (let i = 0; i < 3; i++) {
    await writeFile(log, `generation-${i}`);
    assert.equal(await rotateIfNeeded(log, policy, reopen, new Date(Date.UTC(2026, 0, 1, 0, 0, i))), true);
  }
  assert.equal(reopened, 3);
  assert.deepEqual((await readdir(dir)).sort(), ['0.log', '0.log.20260101-000002.000']);
  assert.equal(await readFile(join(dir, '0.log.20260101-000002.000'), 'utf8'), 'generation-2');

  await writeFile(log, 'not reopened!');
  await assert.rejects(rotateIfNeeded(log, policy, async () => Promise.reject(new Error('container stopped')), new Date(Date.UTC(2026, 0, 1, 0, 0, 9))), /container stopped/);
  assert.equal(await readFile(log, 'utf8'), 'not reopened!', 'a failed reopen puts the file back');
});
