// A rig host's own containerd: its own config, root, state, socket, runc root and CNI conf
// dir, started inside the host's netns (so the CRI plugin's CNI calls wire pods into that
// host). Chosen over a dockerd per host because it is well under half the memory: here
// 43-45 MiB RSS and 0.15-0.5 s to answer, against 71 MiB for a private dockerd
// (test/lib/private-dockerd.ts, answering after ~0.3 s) plus 38 MiB for the containerd it
// manages (measured on this machine; see the README's rig section).
// The config lists only what differs from containerd's defaults (config version 2).

import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ctrImport } from '../../../agent/runtime/cri/ctr-import.js';
import { ContainerdRuntime, defaultLogRoot } from '../../../agent/runtime/cri/containerd-runtime.js';
import { busyboxOciArchive } from '../../fixtures/images.js';
import { waitFor } from '../cluster.js';
import { RigProcess } from './process.js';
import { sh } from './sh.js';

export const PAUSE_IMAGE = 'skiff.local/pause:3.9';

export interface HostContainerdPaths {
  dir: string;
  socket: string;
  config: string;
  cniConfDir: string;
  runcRoot: string;
}

export function containerdPaths(hostDir: string): HostContainerdPaths {
  const dir = join(hostDir, 'containerd');
  return { dir, socket: join(dir, 'containerd.sock'), config: join(dir, 'config.toml'), cniConfDir: join(dir, 'cni'), runcRoot: join(dir, 'runc') };
}

export function containerdConfig(p: HostContainerdPaths): string {
  const cri = 'plugins."io.containerd.grpc.v1.cri"';
  return `version = 2
root = "${join(p.dir, 'root')}"
state = "${join(p.dir, 'state')}"
[grpc]
  address = "${p.socket}"
[ttrpc]
  address = ""
[debug]
  address = ""
[metrics]
  address = ""
[${cri}]
  sandbox_image = "${PAUSE_IMAGE}"
  restrict_oom_score_adj = true
  [${cri}.cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "${p.cniConfDir}"
  [${cri}.containerd]
    default_runtime_name = "runc"
    [${cri}.containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [${cri}.containerd.runtimes.runc.options]
        Root = "${p.runcRoot}"
        SystemdCgroup = false
`;
}

/** Starts containerd in the netns and waits until it answers; returns the process. */
export async function startHostContainerd(netns: string, hostDir: string): Promise<{ proc: RigProcess; paths: HostContainerdPaths; startMs: number }> {
  const paths = containerdPaths(hostDir);
  await mkdir(paths.cniConfDir, { recursive: true });
  await writeFile(paths.config, containerdConfig(paths));
  const proc = new RigProcess(`containerd ${netns}`, 'nsenter', [`--net=/var/run/netns/${netns}`, 'containerd', '--config', paths.config], join(hostDir, 'containerd.log'));
  const t0 = Date.now();
  proc.start();
  await waitFor(`containerd in ${netns} to answer`, async () => {
    if (!proc.running) throw new Error(`containerd in ${netns} exited:\n${proc.logs(20)}`);
    if (!existsSync(paths.socket)) return false;
    await sh('ctr', ['--address', paths.socket, 'version']);
    return true;
  }, 30_000, 50);
  return { proc, paths, startMs: Date.now() - t0 };
}

/** The test image, as the single-host containerd tests import it. */
export async function importTestImages(socketPath: string): Promise<void> {
  await ctrImport({ socketPath, archive: busyboxOciArchive().archive });
}

/**
 * Removes every pod sandbox of the node through CRI (containerd runs CNI DEL, unmounts,
 * deletes the pod netns), then the node's pod network, as test/lib/cluster.ts does.
 */
export async function removePods(socketPath: string, nodeName: string, agentDir: string): Promise<void> {
  if (!existsSync(socketPath)) return;
  const rt = new ContainerdRuntime({ socketPath, nodeName, logRoot: defaultLogRoot(agentDir) });
  try {
    for (const s of await rt.listPodSandbox().catch(() => [])) await rt.removePodSandbox(s.id).catch(() => undefined);
    await rt.deletePodNetwork().catch(() => undefined);
  } finally {
    await rt.close();
  }
}
