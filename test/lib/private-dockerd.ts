// A dockerd of the test's own, for tests that must not run on the machine's shared daemon
// (image garbage collection deletes images other test files use; a multi-host rig wants a
// daemon per "host"). Everything is its own: data root on a small filesystem of its own
// (a tmpfs with a size, so disk-usage thresholds are reachable in seconds), exec root, pid
// file, socket, and a managed containerd under the exec root, and a bridge of its own: a
// dockerd started with --bridge=none deletes the machine's docker0 (libnetwork removes the
// default bridge interface when the bridge driver is off), so it gets --bridge=<ours> on an
// address no one else uses. No iptables, no masquerade, no forwarding. Stopped by its PID.

import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { execFile } from 'node:child_process';
import Docker from 'dockerode';
import { waitFor } from './cluster.js';

const exec = promisify(execFile);

export interface PrivateDockerdOptions {
  /** Size of the filesystem under the data root, in MiB (a tmpfs). Default 512. */
  sizeMiB?: number;
  /** Storage driver; default overlay2 (works on tmpfs on current kernels), vfs as a fallback. */
  storageDriver?: string;
}

export interface PrivateDockerd {
  /** unix socket path (no scheme). */
  socketPath: string;
  /** The mount point of the daemon's own filesystem; the data root sits inside it. */
  mountPoint: string;
  dataRoot: string;
  pid: number;
  docker: Docker;
  /** The daemon's own log (for failure messages). */
  logs(): Promise<string>;
  /** Stops the daemon by PID (SIGTERM, SIGKILL after 20 s), unmounts, removes every file. */
  stop(): Promise<void>;
}


async function stopChild(child: ChildProcess, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  process.kill(child.pid!, 'SIGTERM');
  const timer = setTimeout(() => child.exitCode === null && child.signalCode === null && process.kill(child.pid!, 'SIGKILL'), timeoutMs);
  await exited;
  clearTimeout(timer);
}

/** Mount points at or under path, deepest first. */
async function mountsUnder(path: string): Promise<string[]> {
  return (await readFile('/proc/self/mounts', 'utf8'))
    .split('\n')
    .map((l) => l.split(' ')[1] ?? '')
    .filter((m) => m === path || m.startsWith(`${path}/`))
    .sort((a, b) => b.length - a.length);
}

/**
 * Unmounts everything at or under path, deepest first (a daemon leaves overlay and shm
 * mounts behind when killed); fails if anything is still mounted there.
 */
export async function unmountUnder(path: string): Promise<void> {
  for (const m of await mountsUnder(path)) await exec('umount', ['-l', m]).catch(() => undefined);
  const left = await mountsUnder(path);
  if (left.length) throw new Error(`still mounted: ${left.join(', ')}`);
}

export async function startPrivateDockerd(options: PrivateDockerdOptions = {}): Promise<PrivateDockerd> {
  if (!existsSync('/usr/sbin/dockerd') && !existsSync('/usr/bin/dockerd')) throw new Error('dockerd is not installed: run scripts/host-setup.sh (apt-get install -y docker.io)');
  const dir = await mkdtemp(join(tmpdir(), 'skiff-dockerd-'));
  const mountPoint = join(dir, 'fs');
  const dataRoot = join(mountPoint, 'docker');
  // Short paths: the containerd socket under the exec root must fit in a sun_path (108 bytes).
  const execRoot = join(dir, 'x');
  const socketPath = join(dir, 'docker.sock');
  await mkdir(mountPoint);
  await mkdir(execRoot);
  await exec('mount', ['-t', 'tmpfs', '-o', `size=${options.sizeMiB ?? 512}m,mode=0711`, 'skiff-test-dockerd', mountPoint]);
  await mkdir(dataRoot);
  // An empty config file of its own: the machine's /etc/docker/daemon.json is not ours.
  const config = join(dir, 'daemon.json');
  await writeFile(config, '{}\n');
  const bridge = `skdk${randomBytes(3).toString('hex')}`;
  await exec('ip', ['link', 'add', bridge, 'type', 'bridge']);
  await exec('ip', ['addr', 'add', `10.253.${randomBytes(1)[0]}.1/24`, 'dev', bridge]);
  await exec('ip', ['link', 'set', bridge, 'up']);
  const logPath = join(dir, 'dockerd.log');
  const log = createWriteStream(logPath);
  const args = [
    '--config-file', config,
    '--data-root', dataRoot,
    '--exec-root', execRoot,
    '--pidfile', join(dir, 'docker.pid'),
    '--host', `unix://${socketPath}`,
    '--storage-driver', options.storageDriver ?? 'overlay2',
    `--bridge=${bridge}`,
    '--iptables=false',
    '--ip-masq=false',
    '--ip-forward=false',
    '--userland-proxy=false',
    '--log-level', 'warn',
  ];
  const child = spawn(existsSync('/usr/sbin/dockerd') ? '/usr/sbin/dockerd' : '/usr/bin/dockerd', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  const killOnExit = () => child.exitCode === null && child.pid && process.kill(child.pid, 'SIGKILL');
  process.once('exit', killOnExit);
  const docker = new Docker({ socketPath });
  const stop = async () => {
    process.removeListener('exit', killOnExit);
    await stopChild(child, 20_000);
    await exec('ip', ['link', 'delete', bridge, 'type', 'bridge']).catch(() => undefined);
    await unmountUnder(dir);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitFor('the private dockerd to answer', async () => {
      if (child.exitCode !== null) throw new Error(`dockerd exited with ${child.exitCode}: ${await readFile(logPath, 'utf8')}`);
      return existsSync(socketPath) && (await docker.ping().then(() => true, () => false));
    }, 60_000);
    const info = (await docker.info()) as { Driver: string; DockerRootDir: string };
    if (info.DockerRootDir !== dataRoot) throw new Error(`the private dockerd reports data root ${info.DockerRootDir}, not ${dataRoot}`);
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
  return { socketPath, mountPoint, dataRoot, pid: child.pid!, docker, logs: () => readFile(logPath, 'utf8').catch(() => ''), stop };
}
