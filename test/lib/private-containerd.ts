// A containerd of the test's own, for image GC on containerd (the shared one holds images
// other test files use). Its root (content store and snapshots: the CRI image filesystem)
// is a tmpfs of a chosen size; config, state, socket, runc root and CNI conf dir are its
// own. The config is the multi-host rig's (test/lib/rig/host-containerd.ts). Stopped by PID
// after every pod sandbox it ran has been removed through the CRI (so no shim outlives
// it); mounts and files are removed after.

import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { execFile } from 'node:child_process';
import { CriClient } from '../../agent/runtime/cri/cri-client.js';
import { waitFor } from './cluster.js';
import { unmountUnder } from './private-dockerd.js';
import { containerdConfig, containerdPaths } from './rig/host-containerd.js';

const exec = promisify(execFile);

export interface PrivateContainerd {
  socketPath: string;
  /** The tmpfs under containerd's root. */
  mountPoint: string;
  cri: CriClient;
  stop(): Promise<void>;
}

/** PIDs of shims serving this containerd (their command line names its socket). */
async function shimsOf(socketPath: string): Promise<number[]> {
  const out: number[] = [];
  for (const pid of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(pid)) continue;
    const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmd.startsWith('/usr/bin/containerd-shim') && cmd.split('\0').includes(socketPath)) out.push(Number(pid));
  }
  return out;
}

export async function startPrivateContainerd(o: { sizeMiB?: number } = {}): Promise<PrivateContainerd> {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-ctrd-'));
  const paths = containerdPaths(dir);
  const mountPoint = join(paths.dir, 'root');
  await mkdir(mountPoint, { recursive: true });
  await mkdir(paths.cniConfDir, { recursive: true });
  await exec('mount', ['-t', 'tmpfs', '-o', `size=${o.sizeMiB ?? 512}m,mode=0711`, 'skiff-test-containerd', mountPoint]);
  await writeFile(paths.config, containerdConfig(paths));
  const log = createWriteStream(join(dir, 'containerd.log'));
  const child: ChildProcess = spawn('containerd', ['--config', paths.config], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  const killOnExit = () => child.exitCode === null && child.pid && process.kill(child.pid, 'SIGKILL');
  process.once('exit', killOnExit);
  const cri = new CriClient(paths.socket);
  const stop = async () => {
    process.removeListener('exit', killOnExit);
    if (child.exitCode === null) {
      // Sandboxes first: containerd stops their shims; a shim left alone would outlive it.
      const r = await cri.runtime<{ items: { id: string }[] }>('ListPodSandbox', {}).catch(() => ({ items: [] }));
      for (const s of r.items) {
        await cri.runtime('StopPodSandbox', { pod_sandbox_id: s.id }).catch(() => undefined);
        await cri.runtime('RemovePodSandbox', { pod_sandbox_id: s.id }).catch(() => undefined);
      }
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      process.kill(child.pid!, 'SIGTERM');
      const timer = setTimeout(() => child.exitCode === null && process.kill(child.pid!, 'SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    cri.close();
    for (const pid of await shimsOf(paths.socket)) process.kill(pid, 'SIGKILL');
    await unmountUnder(dir);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitFor('the private containerd to answer', async () => {
      if (child.exitCode !== null) throw new Error(`containerd exited with ${child.exitCode}: ${await readFile(join(dir, 'containerd.log'), 'utf8')}`);
      return existsSync(paths.socket) && (await cri.runtime('Version', {}).then(() => true, () => false));
    }, 30_000);
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
  return { socketPath: paths.socket, mountPoint, cri, stop };
}
