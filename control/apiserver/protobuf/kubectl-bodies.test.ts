// Real kubectl request bodies (see kubectl-bodies.fixture.ts) decode to the JSON kubectl
// itself renders for the same object, and the Accept header kubectl sends with them is
// answered with JSON.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeBody } from '../http/body.js';
import { negotiate } from '../http/negotiate.js';
import { decodeProtobufObject } from './decode-request.js';
import { kubectlBodies } from './kubectl-bodies.fixture.js';

/** kubectl's JSON has `creationTimestamp: null` for Go's zero time; the decoder leaves it out. */
function dropNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(dropNulls);
  if (typeof v !== 'object' || v === null) return v;
  return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== null).map(([k, x]) => [k, dropNulls(x)]));
}

test('the fixtures cover every kind kubectl create sends as protobuf, from both kubectl versions', () => {
  const kinds = new Set(kubectlBodies.map((b) => `${b.kubectl} ${String(b.json['kind'])}`));
  for (const v of ['1.32', '1.33']) {
    for (const k of ['Namespace', 'ConfigMap', 'Secret', 'Deployment', 'Service', 'Job', 'CronJob', 'ServiceAccount']) {
      assert.ok(kinds.has(`${v} ${k}`), `${v} ${k}`);
    }
  }
});

for (const b of kubectlBodies) {
  test(`${b.name}: decodes to kubectl's own JSON`, () => {
    assert.equal(b.contentType, 'application/vnd.kubernetes.protobuf');
    const decoded = decodeProtobufObject(Buffer.from(b.body, 'base64'));
    assert.deepEqual(decoded, dropNulls(b.json));
    // The HTTP layer's decodeBody dispatches on the same Content-Type.
    assert.deepEqual(decodeBody(Buffer.from(b.body, 'base64'), b.contentType), decoded);
  });

  test(`${b.name}: the Accept header kubectl sends is answered with JSON`, () => {
    assert.deepEqual(negotiate(b.accept), { kind: 'object' });
  });
}

test('a secret docker-registry body keeps its .dockerconfigjson bytes as base64', () => {
  const b = kubectlBodies.find((x) => x.name === 'kubectl 1.33 secret-docker-registry');
  assert.ok(b);
  const decoded = decodeProtobufObject(Buffer.from(b.body, 'base64')) as { type: string; data: Record<string, string> };
  assert.equal(decoded.type, 'kubernetes.io/dockerconfigjson');
  const config = JSON.parse(Buffer.from(decoded.data['.dockerconfigjson']!, 'base64').toString('utf8'));
  assert.equal(config.auths['registry.local:5000'].username, 'u');
});

test('replicas: 0 survives (a pointer field present on the wire is set, even to zero)', () => {
  const b = kubectlBodies.find((x) => x.name === 'kubectl 1.33 deployment-zero-command');
  assert.ok(b);
  const decoded = decodeProtobufObject(Buffer.from(b.body, 'base64')) as { spec: { replicas?: number } };
  assert.equal(decoded.spec.replicas, 0);
});
