// Files holding keys and tokens: written atomically with mode 0600 and read back with
// their mode tightened, so a copy made with a loose umask does not stay world-readable.

import { chmod, mkdir, readFile, stat } from 'node:fs/promises';

export async function ensurePrivateDir(path: string): Promise<void> {
  await mkdir(path, { recursive: true, mode: 0o700 });
  // mkdir leaves an existing directory's mode alone.
  if (((await stat(path)).mode & 0o077) !== 0) await chmod(path, 0o700);
}

/** Contents of `path`, or undefined when it does not exist. */
export async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Like readOptional, and narrows the file to 0600 if group or others could read it. */
export async function readSecret(path: string): Promise<string | undefined> {
  const text = await readOptional(path);
  if (text !== undefined && ((await stat(path)).mode & 0o077) !== 0) await chmod(path, 0o600);
  return text;
}

export { writeFileAtomic } from '../../api/atomic-file.js';
