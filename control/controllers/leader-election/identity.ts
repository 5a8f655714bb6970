// The identity a control server competes for leadership under. Kubernetes uses
// hostname_<random>, so a restarted kube-controller-manager waits out its own old Lease
// (15 s). Ours is stable per host and data directory instead: a control server restarted
// after a crash is the holder it left behind and leads again at once, while two servers on
// different hosts or data directories are still different candidates.

import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { resolve } from 'node:path';

export const CONTROLLER_MANAGER_LEASE = 'skiff-controller-manager';
export const CONTROLLER_MANAGER_LEASE_NAMESPACE = 'kube-system';

export function controlServerIdentity(dataDir: string): string {
  return `${hostname()}_${createHash('sha256').update(resolve(dataDir)).digest('hex').slice(0, 12)}`;
}
