// /proc/mounts parsing: octal escapes in paths, and the mounts below a directory in the
// order they must be unmounted.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseProcMounts, unescapeMountPath } from './mount-utils.js';

test('escaped paths and options', () => {
  assert.equal(unescapeMountPath('/a\\040b\\011c\\134d'), '/a b\tc\\d');
  const [m] = parseProcMounts('tmpfs /var/lib/x\\040y tmpfs rw,relatime,size=8192k,mode=777 0 0\n');
  assert.deepEqual(m, { source: 'tmpfs', mountPoint: '/var/lib/x y', fsType: 'tmpfs', options: ['rw', 'relatime', 'size=8192k', 'mode=777'] });
  assert.deepEqual(parseProcMounts('\n'), []);
});
