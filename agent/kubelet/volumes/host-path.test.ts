// hostPath type checks against a real filesystem: what is made, what is refused, and the
// kubelet's messages.

import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { setUpHostPath } from './host-path.js';

async function dir(t: TestContext): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'skiff-hostpath-unit-'));
  t.after(() => rm(d, { recursive: true, force: true }));
  return d;
}

test('DirectoryOrCreate and FileOrCreate make what is missing; no type makes a directory', async (t) => {
  const d = await dir(t);
  await setUpHostPath(join(d, 'a/b'), 'DirectoryOrCreate');
  assert.ok(statSync(join(d, 'a/b')).isDirectory());
  await setUpHostPath(join(d, 'f'), 'FileOrCreate');
  assert.ok(statSync(join(d, 'f')).isFile());
  assert.equal(statSync(join(d, 'f')).size, 0);
  await setUpHostPath(join(d, 'untyped'), undefined);
  assert.ok(statSync(join(d, 'untyped')).isDirectory());
  await assert.rejects(setUpHostPath(join(d, 'no-parent/f'), 'FileOrCreate'), /hostPath type check failed: creating/);
});

test('the checks refuse the wrong kind of file with the kubelet messages', async (t) => {
  const d = await dir(t);
  const file = join(d, 'file');
  await writeFile(file, 'x');
  await mkdir(join(d, 'dir'));
  const sock = join(d, 'sock');
  const server = createServer();
  await new Promise<void>((r) => server.listen(sock, r));
  t.after(() => server.close());
  const cases: Array<[string, Parameters<typeof setUpHostPath>[1], string | undefined]> = [
    [join(d, 'dir'), 'Directory', undefined],
    [file, 'Directory', `hostPath type check failed: ${file} is not a directory`],
    [join(d, 'missing'), 'Directory', `hostPath type check failed: ${join(d, 'missing')} is not a directory`],
    [file, 'DirectoryOrCreate', `hostPath type check failed: ${file} is not a directory`],
    [file, 'File', undefined],
    [join(d, 'dir'), 'File', `hostPath type check failed: ${join(d, 'dir')} is not a file`],
    [join(d, 'dir'), 'FileOrCreate', `hostPath type check failed: ${join(d, 'dir')} is not a file`],
    [sock, 'Socket', undefined],
    [file, 'Socket', `hostPath type check failed: ${file} is not a socket file`],
    ['/dev/null', 'CharDevice', undefined],
    [file, 'CharDevice', `hostPath type check failed: ${file} is not a character device`],
    ['/dev/null', 'BlockDevice', 'hostPath type check failed: /dev/null is not a block device'],
  ];
  for (const [path, type, want] of cases) {
    if (want === undefined) await setUpHostPath(path, type);
    else await assert.rejects(setUpHostPath(path, type), (err: Error) => (assert.equal(err.message, want, `${type} ${path}`), true));
  }
  assert.equal(existsSync(join(d, 'missing')), false);
  await assert.rejects(setUpHostPath('relative/path', 'Directory'), /not an absolute path/);
  await assert.rejects(setUpHostPath(file, 'Pipe' as never), /Pipe is an invalid volume type/);
});
