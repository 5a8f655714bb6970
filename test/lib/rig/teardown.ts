// Taking a rig apart, after a test or, for a rig whose test process was killed, at the next
// start. Order matters: agents stop first (so nothing recreates pods), then every pod goes
// through CRI (containerd runs CNI DEL, unmounts, deletes the pod netns), then containerd,
// then whatever still runs in a host netns (shims) is killed by PID, leftover mounts under
// the rig's directory are unmounted, and the netns, veths, bridge and guard rules are
// removed. Everything is found by the rig's own names (names.ts), nothing else is touched.

import { existsSync } from 'node:fs';
import { readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { containerdPaths, removePods, startHostContainerd } from './host-containerd.js';
import { removeBridge, removeHost } from './host-network.js';
import { bridgeName, MAX_RIGS, netnsName, nodeName, rigDir, rigOfLink, rigOfNetns } from './names.js';
import { shQuiet } from './sh.js';
import { withRigLock } from './rig-lock.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** PIDs of processes in a rig host's netns, by name → comm. */
async function netnsPids(netns: string): Promise<Array<{ pid: number; comm: string }>> {
  const out = await shQuiet('ip', ['netns', 'pids', netns]);
  const pids = out.split('\n').map(Number).filter((p) => p > 0);
  const res: Array<{ pid: number; comm: string }> = [];
  for (const pid of pids) res.push({ pid, comm: (await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '')).trim() });
  return res;
}

async function killPids(pids: number[]): Promise<void> {
  for (const p of pids) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      /* gone already */
    }
  }
  for (let i = 0; i < 50 && pids.some(alive); i++) await sleep(100);
}

async function unmountUnder(dir: string): Promise<void> {
  const mounts = (await readFile('/proc/self/mounts', 'utf8')).split('\n').map((l) => l.split(' ')[1] ?? '').filter((m) => m.startsWith(`${dir}/`));
  // Deepest first.
  for (const m of mounts.sort((a, b) => b.length - a.length)) await shQuiet('umount', ['-l', m]);
}

/** The control server of a killed run (it runs in the root netns), if its PID is still its. */
async function killControl(dir: string): Promise<void> {
  const pid = Number(await readFile(join(dir, 'control.pid'), 'utf8').catch(() => ''));
  if (!(pid > 0)) return;
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  if (cmdline.includes(`${dir}/control`)) await killPids([pid]);
}

/** The hosts (letters) rig n has: from its netns, links and directory. */
async function hostsOf(n: number): Promise<string[]> {
  const found = new Set<string>();
  for (const l of (await shQuiet('ip', ['netns', 'list'])).split('\n')) {
    const name = l.split(' ')[0] ?? '';
    if (rigOfNetns(name) === n) found.add(name.slice(-1));
  }
  for (const l of (await shQuiet('ip', ['-o', 'link', 'show'])).split('\n')) {
    const name = (l.split(':')[1] ?? '').trim().split('@')[0] ?? '';
    if (rigOfLink(name) === n && name.startsWith(`${bridgeName(n)}`) && name !== bridgeName(n)) found.add(name.slice(-1));
  }
  const dir = rigDir(n);
  if (existsSync(dir)) for (const e of await readdir(dir)) if (/^[a-z]$/.test(e)) found.add(e);
  return [...found].sort();
}

export interface TeardownOptions {
  /** Stops the daemons this process started (a stale rig's are killed by PID instead). */
  stopDaemons?: () => Promise<void>;
  /**
   * Leave the rig's directory: it is the claim on the number (a fresh claim clears what a
   * run without a directory left, and must not give the number away meanwhile).
   */
  keepDir?: boolean;
}

/** Removes every trace of rig n. */
export async function teardownRig(n: number, o: TeardownOptions = {}): Promise<void> {
  await o.stopDaemons?.();
  const dir = rigDir(n);
  await killControl(dir);
  for (const host of await hostsOf(n)) {
    const ns = netnsName(n, host);
    const hostDir = join(dir, host);
    const paths = containerdPaths(hostDir);
    const nsExists = (await shQuiet('ip', ['netns', 'list'])).split('\n').some((l) => l.split(' ')[0] === ns);
    if (nsExists) {
      // Agents and a containerd still running (this run's, or a killed run's): the agents go;
      // containerd stays (or is started again on its old config) to remove the pods properly.
      const procs = await netnsPids(ns);
      await killPids(procs.filter((p) => p.comm === 'node' || p.comm === 'skiff').map((p) => p.pid));
      let started: Awaited<ReturnType<typeof startHostContainerd>>['proc'] | undefined;
      if (!procs.some((p) => p.comm === 'containerd') && existsSync(paths.config)) {
        started = await startHostContainerd(ns, hostDir).then((r) => r.proc).catch(() => undefined);
      }
      await removePods(paths.socket, nodeName(n, host), join(hostDir, 'agent')).catch(() => undefined);
      await started?.stop();
      const rest = await netnsPids(ns);
      for (const p of rest.filter((x) => x.comm === 'containerd')) process.kill(p.pid, 'SIGTERM');
      for (let i = 0; i < 100 && rest.some((p) => p.comm === 'containerd' && alive(p.pid)); i++) await sleep(100);
      await killPids((await netnsPids(ns)).map((p) => p.pid));
    }
    await removeHost(n, host);
    await rm(`/var/lib/cni/networks/skiff-${nodeName(n, host)}`, { recursive: true, force: true });
  }
  await removeBridge(n);
  await unmountUnder(dir);
  if (o.keepDir) return;
  // Kept for a look (SKIFF_KEEP_TEST_DIRS) under another name, so the number is free again.
  if (process.env['SKIFF_KEEP_TEST_DIRS']) await rename(dir, `${dir}-kept-${Date.now()}`).catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
}

export function ownerOf(n: number): Promise<number> {
  return readFile(join(rigDir(n), 'owner'), 'utf8').then(Number, () => 0);
}

/**
 * Rigs left by a process that is gone (a killed test run): anything named for a rig whose
 * directory has no living owner is taken apart. Rigs of living processes are left alone.
 */
export function cleanStaleRigs(): Promise<number[]> {
  return withRigLock(cleanStaleRigsHoldingLock);
}

/** cleanStaleRigs for a caller that already holds the rig lock. */
export async function cleanStaleRigsHoldingLock(): Promise<number[]> {
  const candidates = new Set<number>();
  for (let n = 0; n < MAX_RIGS; n++) if (existsSync(rigDir(n))) candidates.add(n);
  for (const l of (await shQuiet('ip', ['netns', 'list'])).split('\n')) {
    const n = rigOfNetns(l.split(' ')[0] ?? '');
    if (n !== undefined) candidates.add(n);
  }
  for (const l of (await shQuiet('ip', ['-o', 'link', 'show'])).split('\n')) {
    const n = rigOfLink(((l.split(':')[1] ?? '').trim().split('@')[0]) ?? '');
    if (n !== undefined) candidates.add(n);
  }
  const cleaned: number[] = [];
  for (const n of candidates) {
    const owner = await ownerOf(n);
    if (owner > 0 && alive(owner)) continue;
    // A directory without an owner file yet may be a rig being created this instant.
    if (owner === 0 && existsSync(rigDir(n))) {
      const { mtimeMs } = await import('node:fs/promises').then((f) => f.stat(rigDir(n)));
      if (Date.now() - mtimeMs < 10_000) continue;
    }
    await teardownRig(n);
    cleaned.push(n);
  }
  return cleaned;
}
