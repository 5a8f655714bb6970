// Processes the rig starts (containerd and skiff agents inside host netns, the control
// server in the root netns): spawned with their output in a log file, stopped by their own
// PID, and killed by PID if the test process itself ends first (test/lib/cluster.ts keeps
// that list for every test daemon).

import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { spawnDaemon, stopChild } from '../cluster.js';

export class RigProcess {
  private child: ChildProcess | undefined;
  constructor(
    readonly name: string,
    private readonly cmd: string,
    private readonly args: string[],
    readonly logPath: string,
  ) {}

  start(): void {
    // Daemons enter a host's netns with `nsenter --net=…`, which execs them (the PID is the
    // daemon's own) and, unlike `ip netns exec`, keeps the mount namespace: `ip netns exec`
    // mounts a fresh /sys, hiding /sys/fs/cgroup, and runc then cannot create containers.
    this.child = spawnDaemon(this.cmd, this.args, this.logPath);
  }

  get pid(): number {
    return this.child?.pid ?? -1;
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 15_000): Promise<void> {
    return stopChild(this.child, signal, timeoutMs);
  }

  logs(lines = 60): string {
    if (!existsSync(this.logPath)) return '';
    return readFileSync(this.logPath, 'utf8').split('\n').slice(-lines).join('\n');
  }
}
