// One lock for every process on this machine that picks rig numbers or takes stale rigs
// apart. Rigs are numbered (their links, netns and addresses carry the number), so without
// it one test file could take apart a rig another has just built under a number it found
// free (seen in CI: three rig files at once, one saw its control server's directory vanish).
// The lock is a directory made with mkdir (atomic); its holder's PID is inside, so a lock
// left by a killed process is taken over.

import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RIG_PREFIX } from './names.js';

const LOCK = join(tmpdir(), `${RIG_PREFIX}.lock`);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function acquire(timeoutMs: number): Promise<void> {
  const started = Date.now();
  for (;;) {
    try {
      await mkdir(LOCK);
      await writeFile(join(LOCK, 'pid'), String(process.pid));
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = Number(await readFile(join(LOCK, 'pid'), 'utf8').catch(() => '')) || 0;
    // No pid yet: its holder is between mkdir and writeFile, unless it died right there.
    const waited = Date.now() - started;
    if (holder > 0 ? !alive(holder) : waited > 5_000) await rm(LOCK, { recursive: true, force: true });
    if (waited > timeoutMs) throw new Error(`the rig lock ${LOCK} is held by pid ${holder || '?'} for too long`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Runs fn holding the machine-wide rig lock. */
export async function withRigLock<T>(fn: () => Promise<T>, timeoutMs = 120_000): Promise<T> {
  await acquire(timeoutMs);
  try {
    return await fn();
  } finally {
    await rm(LOCK, { recursive: true, force: true });
  }
}
