// Finds an executable on PATH (like `command -v`).

import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';

export function which(name: string): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(':')) {
    if (!dir) continue;
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}
