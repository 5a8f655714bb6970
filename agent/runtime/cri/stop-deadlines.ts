// When each container being stopped must be dead, kept on disk. containerd's CRI times
// the SIGKILL of StopContainer inside the call: if the agent dies mid-stop the call is
// cancelled and the timer with it (dockerd's stop, by contrast, runs on without its
// client). The agent that comes next stops the container again; with the deadline the
// first call wrote, SIGKILL still comes at the end of the grace period first given, not
// a fresh one (nor up to two seconds late, which is all the kubelet can do from the
// pod's deletionTimestamp, whole seconds).

import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface StopPlan {
  /** Wait this long first (ms): the CRI timeout is whole seconds, the deadline is not. */
  delayMs: number;
  /** StopContainer's timeout, seconds. */
  timeoutSeconds: number;
}

/**
 * The stop to make now for a deadline (ms since the epoch): SIGKILL lands on it, never
 * before. A deadline already past means kill at once.
 */
export function planStop(deadlineMs: number, nowMs: number): StopPlan {
  const left = Math.max(0, deadlineMs - nowMs);
  const timeoutSeconds = Math.floor(left / 1000);
  return { delayMs: left - timeoutSeconds * 1000, timeoutSeconds };
}

export class StopDeadlines {
  constructor(private readonly dir: string) {}

  private path(containerId: string): string {
    if (!/^[0-9a-f]{1,128}$/.test(containerId)) throw new Error(`not a container id: ${containerId}`);
    return join(this.dir, containerId);
  }

  /**
   * How to stop containerId with timeoutSeconds now: as asked, recording the deadline,
   * unless an earlier stop is under way and ends sooner; then on that stop's deadline.
   */
  async begin(containerId: string, timeoutSeconds: number, nowMs = Date.now()): Promise<StopPlan> {
    const wanted = nowMs + timeoutSeconds * 1000;
    const earlier = Number(await readFile(this.path(containerId), 'utf8').catch(() => ''));
    if (earlier > 0 && earlier <= wanted) return planStop(earlier, nowMs);
    await mkdir(this.dir, { recursive: true });
    await writeFile(this.path(containerId), String(wanted));
    return { delayMs: 0, timeoutSeconds };
  }

  /** The container stopped (or is gone): its deadline is no longer needed. */
  async end(containerId: string): Promise<void> {
    await rm(this.path(containerId), { force: true });
  }
}
