// Pod volume paths: the kubelet's layout, escaped plugin names, and names that must not
// become path traversal.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkRelativePath, escapePluginName, podDir, volumeDir } from './paths.js';

test('volume directories follow the kubelet layout', () => {
  assert.equal(escapePluginName('kubernetes.io/empty-dir'), 'kubernetes.io~empty-dir');
  assert.equal(volumeDir('/var/lib/skiff/agent', 'u-1', 'kubernetes.io/configmap', 'cfg'), '/var/lib/skiff/agent/pods/u-1/volumes/kubernetes.io~configmap/cfg');
  assert.equal(podDir('/d', 'abc'), '/d/pods/abc');
});

test('uids and volume names are single path segments', () => {
  for (const bad of ['', '.', '..', 'a/b', 'x\0y']) {
    assert.throws(() => volumeDir('/d', 'u', 'kubernetes.io/secret', bad), /invalid volume name/, JSON.stringify(bad));
    assert.throws(() => podDir('/d', bad), /invalid pod uid/, JSON.stringify(bad));
  }
});

test('subPaths stay relative and inside', () => {
  assert.equal(checkRelativePath('a/b', 'subPath'), undefined);
  assert.equal(checkRelativePath('a..b/c', 'subPath'), undefined);
  assert.match(checkRelativePath('/etc', 'subPath') ?? '', /must be a relative path/);
  assert.match(checkRelativePath('a/../../etc', 'subPath') ?? '', /must not contain '\.\.'/);
  assert.match(checkRelativePath('..', 'subPath') ?? '', /must not contain '\.\.'/);
});
