// A container registry on loopback (Debian's docker-registry), for tests of real image
// pulls without the internet. Docker treats 127.0.0.0/8 registries as insecure (plain
// HTTP) by default, so nothing needs configuring.
//
// With `auth`, the registry demands HTTP basic auth from an htpasswd file (bcrypt, the only
// hash distribution's htpasswd access controller accepts). Its documentation says that
// needs TLS, but docker-registry 2.8 enforces nothing of the kind: over plain HTTP on
// loopback it answers 401 with `WWW-Authenticate: Basic`, and dockerd sends credentials to
// an insecure (127.0.0.0/8) registry over HTTP. So no certificate and no
// /etc/docker/certs.d entry are needed (checked with dockerd 20.10 and registry 2.8.2).

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import Docker from 'dockerode';
import { DOCKER_SOCKET, freePort, waitFor } from './cluster.js';

export interface RegistryUser {
  username: string;
  password: string;
}

export interface LoopbackRegistryOptions {
  /** Only this user may pull or push (htpasswd). */
  auth?: RegistryUser;
}

export interface LoopbackRegistry {
  host: string;
  /** The user it demands, if any. */
  auth?: RegistryUser;
  /** Tags `image` into the registry as `<host>/<repo>:<tag>`, pushes it, removes the local tag. */
  push(image: string, repo: string, tag: string): Promise<string>;
  stop(): Promise<void>;
}

function get(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get(url, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', reject);
  });
}

export async function startLoopbackRegistry(options: LoopbackRegistryOptions = {}): Promise<LoopbackRegistry> {
  const binary = '/usr/bin/docker-registry';
  if (!existsSync(binary)) throw new Error('docker-registry is not installed: run scripts/host-setup.sh (apt-get install -y docker-registry)');
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'skiff-registry-'));
  let authConfig = '';
  if (options.auth) {
    await writeFile(join(dir, 'htpasswd'), `${options.auth.username}:${bcrypt.hashSync(options.auth.password, 8)}\n`);
    authConfig = `auth:\n  htpasswd:\n    realm: skiff-test\n    path: ${dir}/htpasswd\n`;
  }
  await writeFile(join(dir, 'config.yml'), `version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: ${dir}/data\nhttp:\n  addr: 127.0.0.1:${port}\n${authConfig}`);
  const child = spawn(binary, ['serve', join(dir, 'config.yml')], { stdio: 'ignore' });
  const host = `127.0.0.1:${port}`;
  // Up means answering: 200, or 401 when it wants credentials.
  await waitFor('the registry to answer', () => get(`http://${host}/v2/`).then((s) => s === (options.auth ? 401 : 200)), 15_000);
  const docker = new Docker({ socketPath: DOCKER_SOCKET });
  const pushed: string[] = [];
  const authconfig = options.auth ? { username: options.auth.username, password: options.auth.password, serveraddress: host } : {};
  return {
    host,
    ...(options.auth ? { auth: options.auth } : {}),
    async push(image, repo, tag) {
      const ref = `${host}/${repo}:${tag}`;
      await docker.getImage(image).tag({ repo: `${host}/${repo}`, tag });
      const stream = await docker.getImage(ref).push({ authconfig });
      await new Promise<void>((resolve, reject) =>
        docker.modem.followProgress(stream, (err: Error | null, out: { error?: string }[]) => {
          const failed = err ?? out.find((o) => o.error);
          if (failed) reject(failed instanceof Error ? failed : new Error(String(failed.error)));
          else resolve();
        }),
      );
      await docker.getImage(ref).remove();
      pushed.push(ref);
      return ref;
    },
    async stop() {
      for (const ref of pushed) await docker.getImage(ref).remove().catch(() => undefined);
      if (child.exitCode === null) process.kill(child.pid!, 'SIGKILL');
      await rm(dir, { recursive: true, force: true });
    },
  };
}
