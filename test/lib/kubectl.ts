// The machine's real kubectl binaries (the dispatcher at /usr/bin/kubectl has versioned
// binaries beside its real path: kubectl.1.27 … kubectl.1.33), and kubectl 1.20 from an
// npm package (below). Tests call one directly.

import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, realpathSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { which } from './which.js';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Versioned kubectl binaries on this machine, oldest first ("1.27" → path). */
export function kubectlVersions(): Map<string, string> {
  const found = new Map<string, string>();
  const dispatcher = which('kubectl');
  if (!dispatcher) return found;
  const dir = dirname(realpathSync(dispatcher));
  for (const f of readdirSync(dir)) {
    const m = /^kubectl\.(\d+\.\d+)$/.exec(f);
    if (m) found.set(m[1]!, join(dir, f));
  }
  return new Map([...found].sort(([a], [b]) => Number(a.split('.')[1]) - Number(b.split('.')[1])));
}

export function kubectlPath(version?: string): string {
  if (version === '1.20') return kubectl120();
  const versions = kubectlVersions();
  if (versions.size === 0) throw new Error('no versioned kubectl found beside the real path of `kubectl` (expected kubectl.1.27 … kubectl.1.33)');
  if (version) {
    const p = versions.get(version);
    if (!p || !existsSync(p)) throw new Error(`kubectl ${version} is not on this machine (have ${[...versions.keys()].join(', ')})`);
    return p;
  }
  return [...versions.values()].at(-1)!;
}

export function run(cmd: string, args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { env: opts.env ?? process.env, timeout: opts.timeoutMs ?? 60_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

// ---- kubectl 1.20 ----------------------------------------------------------------------
// The oldest client we check. It is not on the machine: the npm package
// @aws-cdk/asset-kubectl-v20 (a devDependency) ships it inside lib/layer.zip, which we
// unpack once into node_modules/.cache. A zip's central directory gives each entry's
// offset; the entry itself is raw deflate (method 8) or stored (method 0).

/** The bytes of one entry of a zip file. */
export function readZipEntry(zip: Buffer, name: string): Buffer {
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error('not a zip file (no end of central directory)');
  const entries = zip.readUInt16LE(eocd + 10);
  let p = zip.readUInt32LE(eocd + 16);
  for (let n = 0; n < entries; n++) {
    if (zip.readUInt32LE(p) !== 0x02014b50) throw new Error('corrupt zip central directory');
    const method = zip.readUInt16LE(p + 10);
    const size = zip.readUInt32LE(p + 20);
    const nameLen = zip.readUInt16LE(p + 28);
    const skip = nameLen + zip.readUInt16LE(p + 30) + zip.readUInt16LE(p + 32);
    const local = zip.readUInt32LE(p + 42);
    if (zip.toString('utf8', p + 46, p + 46 + nameLen) === name) {
      const data = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
      const raw = zip.subarray(data, data + size);
      if (method === 0) return Buffer.from(raw);
      if (method === 8) return inflateRawSync(raw);
      throw new Error(`zip entry ${name} uses compression method ${method}`);
    }
    p += 46 + skip;
  }
  throw new Error(`zip has no entry ${name}`);
}

function kubectl120(): string {
  const pkg = createRequire(import.meta.url).resolve('@aws-cdk/asset-kubectl-v20/package.json');
  const root = dirname(dirname(dirname(pkg))); // …/node_modules
  const out = join(root, '.cache', 'skiff', 'kubectl-1.20');
  if (!existsSync(out)) {
    mkdirSync(dirname(out), { recursive: true });
    const tmp = `${out}.${process.pid}`;
    writeFileSync(tmp, readZipEntry(readFileSync(join(dirname(pkg), 'lib', 'layer.zip')), 'kubectl/kubectl'), { mode: 0o755 });
    renameSync(tmp, out); // concurrent test files may unpack it at once: last rename wins, same bytes
  }
  return out;
}
