// Which pods a ConfigMap or Secret change concerns: volumes, projected sources, env and
// envFrom of app and init containers, in the pod's own namespace only.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Pod } from '../../../api/types.js';
import { configReferences, referencesObject } from './references.js';

const pod: Pod = {
  metadata: { name: 'p', namespace: 'ns' },
  spec: {
    volumes: [
      { name: 'a', configMap: { name: 'vol-cm' } },
      { name: 'b', secret: { secretName: 'vol-secret' } },
      { name: 'c', projected: { sources: [{ configMap: { name: 'proj-cm' } }, { secret: { name: 'proj-secret' } }, { downwardAPI: {} }] } },
      { name: 'd', emptyDir: {} },
    ],
    initContainers: [{ name: 'init', image: 'x', envFrom: [{ secretRef: { name: 'init-secret' } }] }],
    containers: [
      {
        name: 'main',
        image: 'x',
        env: [
          { name: 'A', valueFrom: { configMapKeyRef: { name: 'env-cm', key: 'k' } } },
          { name: 'B', valueFrom: { secretKeyRef: { name: 'env-secret', key: 'k' } } },
          { name: 'C', value: 'plain' },
        ],
        envFrom: [{ configMapRef: { name: 'from-cm' } }],
      },
    ],
  },
};

test('every reference is found', () => {
  assert.deepEqual([...configReferences(pod)].sort(), [
    'ConfigMap/env-cm',
    'ConfigMap/from-cm',
    'ConfigMap/proj-cm',
    'ConfigMap/vol-cm',
    'Secret/env-secret',
    'Secret/init-secret',
    'Secret/proj-secret',
    'Secret/vol-secret',
  ]);
});

test('kind and namespace must match', () => {
  assert.equal(referencesObject(pod, 'ConfigMap', 'ns', 'vol-cm'), true);
  assert.equal(referencesObject(pod, 'Secret', 'ns', 'vol-cm'), false);
  assert.equal(referencesObject(pod, 'ConfigMap', 'other', 'vol-cm'), false);
  assert.equal(referencesObject(pod, 'Secret', 'ns', 'init-secret'), true);
});
