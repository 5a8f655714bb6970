import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planStop, StopDeadlines } from './stop-deadlines.js';

const ID = 'c0ffee'.padEnd(64, '0');

test('planStop: SIGKILL on the deadline, never before: the fraction of a second is waited first', () => {
  assert.deepEqual(planStop(10_000, 3_700), { delayMs: 300, timeoutSeconds: 6 });
  assert.deepEqual(planStop(10_000, 4_000), { delayMs: 0, timeoutSeconds: 6 });
  assert.deepEqual(planStop(10_000, 9_999), { delayMs: 1, timeoutSeconds: 0 });
  assert.deepEqual(planStop(10_000, 12_000), { delayMs: 0, timeoutSeconds: 0 }, 'a deadline gone by kills at once');
});

test('a second stop (an agent restarted mid-stop) keeps the first deadline; end forgets it', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-stop-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const d = new StopDeadlines(join(dir, 'stops'));
  assert.deepEqual(await d.begin(ID, 8, 1_000_000), { delayMs: 0, timeoutSeconds: 8 }, 'a first stop goes as asked');
  // Restarted 3.4 s later, the kubelet asks for 6 s (its whole-second view of what is left).
  assert.deepEqual(await d.begin(ID, 6, 1_003_400), { delayMs: 600, timeoutSeconds: 4 }, 'SIGKILL at 1 008 000 as first promised');
  // A shorter stop (delete --grace-period=1) wins over the recorded one.
  assert.deepEqual(await d.begin(ID, 1, 1_004_000), { delayMs: 0, timeoutSeconds: 1 });
  await d.end(ID);
  assert.deepEqual(await readdir(join(dir, 'stops')), []);
  assert.deepEqual(await d.begin(ID, 30, 2_000_000), { delayMs: 0, timeoutSeconds: 30 }, 'after end, a new stop starts afresh');
  await assert.rejects(d.begin('../etc', 1), /not a container id/);
});
