// emptyDir volumes: a directory under the pod's volumes dir, world-writable (0777, as the
// kubelet makes it, so containers running as any user can use it); medium Memory puts a
// tmpfs there, sized by sizeLimit. Idempotent: an agent restarted over a running pod finds
// the mount in place and leaves it.

import { chmod, chown, mkdir, stat } from 'node:fs/promises';
import { parseQuantity, value } from '../../../api/quantity.js';
import { isMountPoint, mountTmpfs } from './mount-utils.js';
import { VolumeSetupError } from './projection.js';
import type { EmptyDirVolumeSource } from './types.js';

export async function setUpEmptyDir(dir: string, src: EmptyDirVolumeSource, fsGroup: number | undefined): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o750 });
  if (src.medium === 'Memory' && !(await isMountPoint(dir))) {
    let size: bigint | undefined;
    try {
      size = src.sizeLimit ? value(parseQuantity(src.sizeLimit)) : undefined;
    } catch {
      throw new VolumeSetupError(`invalid sizeLimit ${JSON.stringify(src.sizeLimit)}`);
    }
    await mountTmpfs(dir, size);
  } else if (src.medium && src.medium !== 'Memory') {
    throw new VolumeSetupError(`emptyDir medium ${JSON.stringify(src.medium)} is not supported (only "" and "Memory")`);
  }
  // With fsGroup the directory belongs to that group and new files inherit it (setgid).
  const mode = fsGroup !== undefined ? 0o2777 : 0o777;
  if (fsGroup !== undefined) {
    const st = await stat(dir);
    if (st.gid !== fsGroup) await chown(dir, st.uid, fsGroup);
  }
  await chmod(dir, mode);
}
