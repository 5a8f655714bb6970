import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pullRef, splitImageRef } from './docker-images.js';

test('splitImageRef and pullRef: registry ports are not tags, untagged means latest', () => {
  assert.deepEqual(splitImageRef('busybox'), { repo: 'busybox', tag: 'latest' });
  assert.deepEqual(splitImageRef('skiff.local/pause:3.9'), { repo: 'skiff.local/pause', tag: '3.9' });
  assert.deepEqual(splitImageRef('127.0.0.1:5000/a/b'), { repo: '127.0.0.1:5000/a/b', tag: 'latest' });
  assert.deepEqual(splitImageRef('127.0.0.1:5000/a/b:2'), { repo: '127.0.0.1:5000/a/b', tag: '2' });
  assert.deepEqual(splitImageRef('r/x@sha256:ab'), { repo: 'r/x', tag: '', digest: 'sha256:ab' });
  assert.equal(pullRef('busybox'), 'busybox:latest');
  assert.equal(pullRef('127.0.0.1:5000/a/b'), '127.0.0.1:5000/a/b:latest');
  assert.equal(pullRef('r/x@sha256:ab'), 'r/x@sha256:ab');
});
