import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PodTemplateSpec } from '../../../api/workload-types.js';
import { computeTemplateHash, resolveFenceposts, templatesEqualIgnoringHash } from './deployment-util.js';

const t = (image: string, hash?: string): PodTemplateSpec => ({
  metadata: { labels: { app: 'web', ...(hash ? { 'pod-template-hash': hash } : {}) } },
  spec: { containers: [{ name: 'c', image }] } as never,
});

test('template hash: stable, ignores its own label, changes with the template and the collision count', () => {
  const h = computeTemplateHash(t('a'));
  assert.match(h, /^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
  assert.equal(computeTemplateHash(t('a', h)), h);
  assert.notEqual(computeTemplateHash(t('b')), h);
  assert.notEqual(computeTemplateHash(t('a'), 1), h);
  assert.equal(templatesEqualIgnoringHash(t('a'), t('a', h)), true);
  assert.equal(templatesEqualIgnoringHash(t('a'), t('b', h)), false);
  const undone = t('a', h);
  (undone.metadata as Record<string, unknown>)['creationTimestamp'] = null; // as `kubectl rollout undo` sends it
  assert.equal(templatesEqualIgnoringHash(t('a'), undone), true);
  assert.equal(computeTemplateHash(undone), h);
});

test('fenceposts: percentages round surge up and unavailable down; both zero gives one unavailable', () => {
  assert.deepEqual(resolveFenceposts(undefined, undefined, 3), { surge: 1, unavailable: 0 });
  assert.deepEqual(resolveFenceposts(undefined, undefined, 4), { surge: 1, unavailable: 1 });
  assert.deepEqual(resolveFenceposts(0, 0, 3), { surge: 0, unavailable: 1 });
  assert.deepEqual(resolveFenceposts('50%', 2, 5), { surge: 3, unavailable: 2 });
});
