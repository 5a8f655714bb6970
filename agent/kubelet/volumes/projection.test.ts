// Volume payloads the way the kubelet computes them: items or every key, modes, optional
// sources, missing objects and keys, binaryData, downward API files, projected merges.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Pod } from '../../../api/types.js';
import type { ConfigMap, Secret } from '../../../api/service-types.js';
import type { Payload } from './atomic-writer.js';
import type { ConfigObjects } from './config-objects.js';
import { formatMap, volumePayload } from './projection.js';

const cms: Record<string, ConfigMap> = {
  'ns/game': { metadata: { name: 'game', namespace: 'ns' }, data: { lives: '3', 'ui.properties': 'color=blue\n' }, binaryData: { blob: Buffer.from([0, 1, 2]).toString('base64') } },
};
const secrets: Record<string, Secret> = {
  'ns/creds': { metadata: { name: 'creds', namespace: 'ns' }, data: { user: Buffer.from('admin').toString('base64'), pass: Buffer.from('s3cret').toString('base64') } },
};
const objects: ConfigObjects = {
  configMap: (ns, name) => cms[`${ns}/${name}`],
  secret: (ns, name) => secrets[`${ns}/${name}`],
};
const pod: Pod = {
  metadata: { name: 'web', namespace: 'ns', uid: 'u1', labels: { tier: 'front', app: 'web' }, annotations: { note: 'say "hi"' } },
  spec: { containers: [{ name: 'main', image: 'x', resources: { limits: { memory: '64Mi' } } }] },
};
const ctx = { nodeName: 'n1', hostIP: '192.0.2.1', podIP: '10.0.0.5' };

function show(p: Payload): Record<string, [string, string]> {
  return Object.fromEntries([...p].map(([k, v]) => [k, [v.data.toString('utf8'), v.mode.toString(8)]]));
}

test('configMap: every key with the default mode, binaryData decoded', () => {
  const p = volumePayload(pod, { name: 'v', configMap: { name: 'game' } }, objects, ctx);
  assert.deepEqual([...p.keys()].sort(), ['blob', 'lives', 'ui.properties']);
  assert.deepEqual(p.get('blob')!.data, Buffer.from([0, 1, 2]));
  assert.equal(p.get('lives')!.mode, 0o644);
});

test('configMap: items pick keys, paths and modes; defaultMode for the rest', () => {
  const p = volumePayload(pod, { name: 'v', configMap: { name: 'game', defaultMode: 0o600, items: [{ key: 'lives', path: 'a/lives.txt', mode: 0o400 }, { key: 'ui.properties', path: 'ui' }] } }, objects, ctx);
  assert.deepEqual(show(p), { 'a/lives.txt': ['3', '400'], ui: ['color=blue\n', '600'] });
});

test('missing objects and keys: errors as the kubelet words them, unless optional', () => {
  assert.throws(() => volumePayload(pod, { name: 'v', configMap: { name: 'nope' } }, objects, ctx), /^Error: configmap "nope" not found$|configmap "nope" not found/);
  assert.deepEqual(show(volumePayload(pod, { name: 'v', configMap: { name: 'nope', optional: true } }, objects, ctx)), {});
  assert.throws(() => volumePayload(pod, { name: 'v', configMap: { name: 'game', items: [{ key: 'nokey', path: 'x' }] } }, objects, ctx), /non-existent config key: nokey/);
  assert.deepEqual(show(volumePayload(pod, { name: 'v', configMap: { name: 'game', optional: true, items: [{ key: 'nokey', path: 'x' }, { key: 'lives', path: 'l' }] } }, objects, ctx)), { l: ['3', '644'] });
  assert.throws(() => volumePayload(pod, { name: 'v', secret: { secretName: 'nope' } }, objects, ctx), /secret "nope" not found/);
  assert.throws(() => volumePayload(pod, { name: 'v', secret: { secretName: 'creds', items: [{ key: 'x', path: 'x' }] } }, objects, ctx), /non-existent secret key: x/);
});

test('secret: data is decoded from base64', () => {
  const p = volumePayload(pod, { name: 'v', secret: { secretName: 'creds', defaultMode: 0o400 } }, objects, ctx);
  assert.deepEqual(show(p), { user: ['admin', '400'], pass: ['s3cret', '400'] });
});

test('downwardAPI: labels and annotations as sorted key="value" lines, fields, resources', () => {
  assert.equal(formatMap({ b: '2', a: 'x"y' }), 'a="x\\"y"\nb="2"');
  const p = volumePayload(
    pod,
    {
      name: 'v',
      downwardAPI: {
        items: [
          { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
          { path: 'annotations', fieldRef: { fieldPath: 'metadata.annotations' } },
          { path: 'name', fieldRef: { fieldPath: 'metadata.name' } },
          { path: 'tier', fieldRef: { fieldPath: "metadata.labels['tier']" } },
          { path: 'mem', resourceFieldRef: { containerName: 'main', resource: 'limits.memory', divisor: '1Mi' }, mode: 0o400 },
        ],
      },
    },
    objects,
    ctx,
  );
  assert.deepEqual(show(p), {
    labels: ['app="web"\ntier="front"', '644'],
    annotations: ['note="say \\"hi\\""', '644'],
    name: ['web', '644'],
    tier: ['front', '644'],
    mem: ['64', '400'],
  });
});

test('projected: sources merge into one payload with the projected defaultMode', () => {
  const p = volumePayload(
    pod,
    {
      name: 'v',
      projected: {
        defaultMode: 0o440,
        sources: [
          { configMap: { name: 'game', items: [{ key: 'lives', path: 'game/lives' }] } },
          { secret: { name: 'creds', items: [{ key: 'user', path: 'creds/user', mode: 0o400 }] } },
          { downwardAPI: { items: [{ path: 'pod/name', fieldRef: { fieldPath: 'metadata.name' } }] } },
          { secret: { name: 'absent', optional: true } },
        ],
      },
    },
    objects,
    ctx,
  );
  assert.deepEqual(show(p), { 'game/lives': ['3', '440'], 'creds/user': ['admin', '400'], 'pod/name': ['web', '440'] });
  assert.throws(() => volumePayload(pod, { name: 'v', projected: { sources: [{ serviceAccountToken: { path: 'token' } }] } }, objects, ctx), /serviceAccountToken/);
});
