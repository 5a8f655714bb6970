// Graceful node shutdown (the kubelet's node shutdown manager): when the machine itself is
// going down, the agent's SIGTERM is not a restart. Pods are then stopped in the time
// --shutdown-grace-period gives: ordinary pods first, within the period less
// --shutdown-grace-period-critical-pods, then critical ones (priority ≥ 2000000000, as
// system-node-critical) within the rest. Each ends Failed with the kubelet's reason
// "Terminated" and a DisruptionTarget condition, so its controller replaces it elsewhere,
// and the Node says it is shutting down. A plain agent stop or restart leaves pods running.
//
// The kubelet learns of a shutdown from logind's PrepareForShutdown signal, holding an
// inhibitor lock. The agent runs as a systemd unit stopped with the machine, so it asks
// systemd instead, when its SIGTERM comes: `systemctl is-system-running` says "stopping"
// only while the system is going down. The unit's TimeoutStopSec must cover the period.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Logger } from 'pino';

const execFileP = promisify(execFile);

/** Kubernetes' SystemCriticalPriority: pods at or above it stop last. */
export const SYSTEM_CRITICAL_PRIORITY = 2_000_000_000;
export const NODE_SHUTDOWN_REASON = 'Terminated';
export const NODE_SHUTDOWN_MESSAGE = 'Pod was terminated in response to imminent node shutdown.';

export interface ShutdownDetector {
  /** True when the machine, not just the agent, is stopping. */
  nodeShuttingDown(): Promise<boolean>;
}

/** systemd's view: "stopping" while the system shuts down or reboots. */
export class SystemdShutdownDetector implements ShutdownDetector {
  async nodeShuttingDown(): Promise<boolean> {
    // is-system-running exits non-zero for every state but "running": read stdout either way.
    const out = await execFileP('systemctl', ['is-system-running'], { timeout: 2_000 }).then(
      (r) => r.stdout,
      (err: { stdout?: string }) => err.stdout ?? '',
    );
    return out.trim() === 'stopping';
  }
}

export interface ShutdownPeriods {
  /** Whole period in ms; 0 turns graceful node shutdown off (the kubelet's default). */
  gracePeriodMs: number;
  /** The part of it kept for critical pods. */
  criticalGracePeriodMs: number;
}

export interface NodeShutdownOptions extends ShutdownPeriods {
  detector: ShutdownDetector;
  /** Stops the pods of one class within `graceSeconds`, recording their final status. */
  stopPods(critical: boolean, graceSeconds: number): Promise<void>;
  /** Tells the API the node is shutting down (Ready False). */
  markNode(): Promise<void>;
  logger: Logger;
}

/** On the agent's SIGTERM: stops the pods if the node is going down; false when it is not. */
export async function shutdownNodeIfStopping(o: NodeShutdownOptions): Promise<boolean> {
  if (o.gracePeriodMs <= 0) return false;
  if (!(await o.detector.nodeShuttingDown().catch(() => false))) return false;
  const regularSeconds = Math.max(0, Math.floor((o.gracePeriodMs - o.criticalGracePeriodMs) / 1000));
  const criticalSeconds = Math.floor(o.criticalGracePeriodMs / 1000);
  o.logger.info({ regularSeconds, criticalSeconds }, 'node is shutting down: stopping pods');
  await o.markNode().catch((err: Error) => o.logger.warn({ err: err.message }, 'could not mark the node as shutting down'));
  await o.stopPods(false, regularSeconds);
  await o.stopPods(true, criticalSeconds);
  o.logger.info('pods stopped for node shutdown');
  return true;
}

export function isCriticalPod(pod: { spec: object }): boolean {
  const priority = (pod.spec as { priority?: unknown }).priority;
  return typeof priority === 'number' && priority >= SYSTEM_CRITICAL_PRIORITY;
}

export function validateShutdownPeriods(p: ShutdownPeriods): string | undefined {
  if (p.criticalGracePeriodMs > p.gracePeriodMs) return '--shutdown-grace-period-critical-pods cannot be longer than --shutdown-grace-period';
  return undefined;
}
