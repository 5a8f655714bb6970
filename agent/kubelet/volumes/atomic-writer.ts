// Kubernetes' AtomicWriter: the files of a configMap, secret, downwardAPI or projected
// volume change all at once, so a container never reads half an update.
//
//   <dir>/..2026_11_29_12_00_00.123456789abc/   this version's files
//   <dir>/..data -> ..2026_11_29_12_00_00.123456789abc
//   <dir>/key -> ..data/key                      what the container sees
//
// A new version is written into a fresh timestamped directory, then a ..data_tmp symlink
// to it is renamed over ..data (rename is atomic), then the user-visible links are brought
// in line and the old version is removed. Bind mounts see the change because they mount
// the volume directory, not the files. An unchanged payload writes nothing.

import { lstat, mkdir, mkdtemp, readFile, readdir, readlink, rename, rm, stat, symlink, writeFile, chmod, chown } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { checkRelativePath } from './paths.js';

export interface FileProjection {
  data: Buffer;
  /** Permission bits, e.g. 0o644. */
  mode: number;
}

export type Payload = Map<string, FileProjection>;

export interface WriteOptions {
  /** fsGroup: files and directories are given this group. */
  gid?: number;
  now?: Date;
}

const DATA_DIR = '..data';
const DATA_DIR_TMP = '..data_tmp';

/** The timestamp prefix Kubernetes uses ("..2006_01_02_15_04_05."), in UTC. */
export function tsDirPrefix(now: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `..${now.getUTCFullYear()}_${p(now.getUTCMonth() + 1)}_${p(now.getUTCDate())}_${p(now.getUTCHours())}_${p(now.getUTCMinutes())}_${p(now.getUTCSeconds())}.`;
}

/** Checks payload paths: relative, no '..', no '..'-prefixed first element (reserved). */
export function validatePayload(payload: Payload): void {
  for (const path of payload.keys()) {
    const bad = checkRelativePath(path, 'path');
    if (bad) throw new Error(bad);
    if (path === '' || path.startsWith('..')) throw new Error(`path ${JSON.stringify(path)} must not start with '..'`);
    if (path.split('/').some((s) => s === '')) throw new Error(`path ${JSON.stringify(path)} has an empty element`);
  }
}

/** Writes payload into dir (which must exist); resolves true when anything changed. */
export async function writeAtomic(dir: string, payload: Payload, options: WriteOptions = {}): Promise<boolean> {
  validatePayload(payload);
  const oldTs = await readlink(join(dir, DATA_DIR)).catch(() => undefined);
  const visible = topLevel([...payload.keys()]);
  if (oldTs && (await sameContent(join(dir, oldTs), payload)) && (await visibleLinksOk(dir, visible))) return false;

  const tsPath = await mkdtemp(join(dir, tsDirPrefix(options.now ?? new Date())));
  const tsName = tsPath.slice(dir.length + 1);
  try {
    await chmod(tsPath, 0o755);
    for (const [path, file] of payload) {
      const full = join(tsPath, path);
      await mkdir(dirname(full), { recursive: true, mode: 0o755 });
      await writeFile(full, file.data);
      await chmod(full, file.mode); // writeFile's mode is masked by the umask
    }
    if (options.gid !== undefined) await chownTree(tsPath, options.gid);
    await rm(join(dir, DATA_DIR_TMP), { force: true });
    await symlink(tsName, join(dir, DATA_DIR_TMP));
    await rename(join(dir, DATA_DIR_TMP), join(dir, DATA_DIR));
  } catch (err) {
    await rm(tsPath, { recursive: true, force: true });
    throw err;
  }
  for (const name of visible) {
    const link = join(dir, name);
    const target = `${DATA_DIR}/${name}`;
    if ((await readlink(link).catch(() => undefined)) === target) continue;
    await rm(link, { recursive: true, force: true });
    await symlink(target, link);
  }
  for (const entry of await readdir(dir)) {
    if (entry === DATA_DIR || entry === tsName || visible.has(entry)) continue;
    // Old versions, a stale ..data_tmp, and keys no longer in the payload.
    await rm(join(dir, entry), { recursive: true, force: true });
  }
  return true;
}

/** The first path element of every payload path: what gets a symlink in the volume root. */
function topLevel(paths: string[]): Set<string> {
  return new Set(paths.map((p) => p.split('/')[0]!));
}

async function visibleLinksOk(dir: string, visible: Set<string>): Promise<boolean> {
  const entries = (await readdir(dir)).filter((e) => !e.startsWith('..'));
  if (entries.length !== visible.size) return false;
  for (const name of visible) {
    if ((await readlink(join(dir, name)).catch(() => undefined)) !== `${DATA_DIR}/${name}`) return false;
  }
  return true;
}

/** True when tsDir holds exactly the payload's files with the same bytes and modes. */
async function sameContent(tsDir: string, payload: Payload): Promise<boolean> {
  let files: string[];
  try {
    files = await listFiles(tsDir, '');
  } catch {
    return false;
  }
  if (files.length !== payload.size) return false;
  for (const path of files) {
    const want = payload.get(path);
    if (!want) return false;
    const full = join(tsDir, path);
    const [st, data] = await Promise.all([stat(full), readFile(full)]);
    if ((st.mode & 0o7777) !== want.mode || !data.equals(want.data)) return false;
  }
  return true;
}

async function listFiles(root: string, rel: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(join(root, rel), { withFileTypes: true })) {
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await listFiles(root, p)));
    else out.push(p);
  }
  return out;
}

/** fsGroup ownership: the group on everything, directories setgid so new files follow. */
async function chownTree(path: string, gid: number): Promise<void> {
  const st = await lstat(path);
  await chown(path, st.uid, gid);
  if (!st.isDirectory()) return;
  await chmod(path, (st.mode & 0o7777) | 0o2000);
  for (const e of await readdir(path)) await chownTree(join(path, e), gid);
}
