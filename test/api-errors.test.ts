// Bad input gets a Kubernetes Status naming the problem, and nothing is written.

import assert from 'node:assert/strict';
import https from 'node:https';
import { after, before, describe, test } from 'node:test';
import { readKubeconfig } from '../api/kubeconfig.js';
import { resources } from '../api/resources.js';
import type { Status } from '../api/types.js';
import { startCluster, type TestCluster } from './lib/cluster.js';

interface Reply {
  code: number;
  body: Status & Record<string, unknown>;
}

describe('API errors', () => {
  let cluster: TestCluster;
  let ca = '';
  let token = '';

  before(async () => {
    cluster = await startCluster({ agents: 0 });
    ({ caPem: ca, token } = await readKubeconfig(cluster.kubeconfig));
  });
  after(async () => {
    await cluster?.stop();
  });

  function request(method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}, auth = true): Promise<Reply> {
    const url = new URL(path, cluster.url);
    return new Promise((resolve, reject) => {
      const req = https.request(url, { method, ca, headers: { 'Content-Type': 'application/json', ...(auth ? { Authorization: `Bearer ${token}` } : {}), ...headers } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          try {
            resolve({ code: res.statusCode!, body: JSON.parse(text) });
          } catch {
            reject(new Error(`not JSON (${res.statusCode}): ${text.slice(0, 200)}`));
          }
        });
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  const pod = (spec: unknown, name = 'p') => JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec });
  const container = { name: 'c', image: 'busybox:1' };

  const invalid: [string, string, string][] = [
    ['no containers', pod({ containers: [] }), 'spec.containers'],
    ['container without image', pod({ containers: [{ name: 'c' }] }), 'spec.containers[0].image'],
    ['bad name', pod({ containers: [container] }, 'Bad_Name'), 'metadata.name'],
    ['port out of range', pod({ containers: [{ ...container, ports: [{ containerPort: 70000 }] }] }), 'spec.containers[0].ports[0].containerPort'],
    ['unknown restartPolicy', pod({ containers: [container], restartPolicy: 'Sometimes' }), 'spec.restartPolicy'],
    ['bad quantity', pod({ containers: [{ ...container, resources: { limits: { memory: '64Mx' } } }] }), 'spec.containers[0].resources.limits[memory]'],
    ['request above limit', pod({ containers: [{ ...container, resources: { requests: { cpu: '2' }, limits: { cpu: '1' } } }] }), 'spec.containers[0].resources.requests'],
  ];

  for (const [what, body, field] of invalid) {
    test(`422 Invalid for ${what}, naming ${field}`, async () => {
      const r = await request('POST', '/api/v1/namespaces/default/pods', body);
      assert.equal(r.code, 422, JSON.stringify(r.body));
      assert.equal(r.body.kind, 'Status');
      assert.equal(r.body.reason, 'Invalid');
      assert.match(r.body.message!, /^Pod "[^"]*" is invalid: /);
      const fields = r.body.details!.causes!.map((c) => c.field ?? '');
      assert.ok(fields.some((f) => f.startsWith(field)), `causes ${JSON.stringify(r.body.details!.causes)} should name ${field}`);
    });
  }

  test('400 for a body that is not JSON, 400 for a non-object, 415 for an unknown type', async () => {
    const garbage = await request('POST', '/api/v1/namespaces/default/pods', '{"apiVersion": "v1", kind: Pod');
    assert.equal(garbage.code, 400);
    assert.equal(garbage.body.reason, 'BadRequest');
    const array = await request('POST', '/api/v1/namespaces/default/pods', '[1,2]');
    assert.equal(array.code, 400);
    const yaml = await request('POST', '/api/v1/namespaces/default/pods', 'kind: [unclosed', { 'Content-Type': 'application/yaml' });
    assert.equal(yaml.code, 400);
    const odd = await request('POST', '/api/v1/namespaces/default/pods', 'x', { 'Content-Type': 'text/csv' });
    assert.equal(odd.code, 415);
  });

  test('413 for a body over 3 MiB', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024 + 10, 'a');
    const r = await request('POST', '/api/v1/namespaces/default/pods', big);
    assert.equal(r.code, 413);
    assert.equal(r.body.reason, 'RequestEntityTooLarge');
  });

  test('401 Status without a token or with a wrong one', async () => {
    const none = await request('GET', '/api/v1/pods', undefined, {}, false);
    assert.equal(none.code, 401);
    assert.equal(none.body.kind, 'Status');
    assert.equal(none.body.reason, 'Unauthorized');
    const wrong = await request('GET', '/api/v1/pods', undefined, { Authorization: 'Bearer nope' }, false);
    assert.equal(wrong.code, 401);
    const write = await request('POST', '/api/v1/namespaces/default/pods', pod({ containers: [container] }, 'sneaky'), {}, false);
    assert.equal(write.code, 401);
  });

  test('404 Status for unknown objects and paths', async () => {
    const missing = await request('GET', '/api/v1/namespaces/default/pods/nope');
    assert.equal(missing.code, 404);
    assert.equal(missing.body.message, 'pods "nope" not found');
    const ns = await request('POST', '/api/v1/namespaces/nowhere/pods', pod({ containers: [container] }, 'x'));
    assert.equal(ns.code, 404);
    assert.equal(ns.body.message, 'namespaces "nowhere" not found');
    const path = await request('GET', '/api/v1/widgets');
    assert.equal(path.code, 404);
  });

  test('none of the rejected requests stored anything', async () => {
    const pods = await cluster.client.list(resources.pods);
    assert.deepEqual(pods.items.map((p) => p.metadata.name), []);
  });

  test('kubectl shows the Kubernetes error text', async () => {
    const r = await cluster.kubectl(['apply', '-f', '-'], { input: pod({ containers: [{ name: 'c' }] }, 'noimage') });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /The Pod "noimage" is invalid: spec.containers\[0\].image: Required value/);
  });

  test('409 AlreadyExists and 409 Conflict on a stale resourceVersion', async () => {
    // Not for our scheduler: nothing else writes this pod while the test looks at it.
    const body = pod({ containers: [container], schedulerName: 'not-skiff' }, 'dup');
    assert.equal((await request('POST', '/api/v1/namespaces/default/pods', body)).code, 201);
    const again = await request('POST', '/api/v1/namespaces/default/pods', body);
    assert.equal(again.code, 409);
    assert.equal(again.body.reason, 'AlreadyExists');
    assert.equal(again.body.message, 'pods "dup" already exists');
    const current = (await request('GET', '/api/v1/namespaces/default/pods/dup')).body as unknown as { metadata: { resourceVersion: string; labels?: Record<string, string> } };
    const stale = { ...JSON.parse(body), metadata: { name: 'dup', resourceVersion: String(Number(current.metadata.resourceVersion) - 1), labels: { x: 'y' } } };
    const conflict = await request('PUT', '/api/v1/namespaces/default/pods/dup', JSON.stringify(stale));
    assert.equal(conflict.code, 409);
    assert.equal(conflict.body.reason, 'Conflict');
    const unchanged = (await request('GET', '/api/v1/namespaces/default/pods/dup')).body as unknown as typeof current;
    assert.equal(unchanged.metadata.resourceVersion, current.metadata.resourceVersion);
    assert.equal(unchanged.metadata.labels?.['x'], undefined);
    // A pod that is not bound to a node goes away at once.
    assert.equal((await request('DELETE', '/api/v1/namespaces/default/pods/dup')).code, 200);
  });

  test('fieldValidation: kubectl apply refuses an unknown field (Strict), warns (Warn) or ignores it', async () => {
    const manifest = JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'typo' }, spec: { containerz: [], containers: [{ name: 'c', image: 'busybox:1', imagePullPolicyy: 'Never' }] } });
    const strict = await cluster.kubectl(['apply', '-f', '-'], { input: manifest });
    assert.notEqual(strict.code, 0);
    assert.match(strict.stderr, /Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.containers\[0\].imagePullPolicyy", unknown field "spec.containerz"/);
    const warn = await cluster.kubectl(['apply', '--validate=warn', '-f', '-'], { input: manifest });
    assert.equal(warn.code, 0, warn.stderr);
    assert.match(warn.stderr, /Warning: unknown field "spec.containerz"/);
    const stored = await cluster.client.get(resources.pods, 'typo', 'default');
    assert.equal((stored['spec'] as Record<string, unknown>)['containerz'], undefined, 'unknown fields are dropped, not stored');
    await cluster.client.delete(resources.pods, 'typo', 'default');
  });

  test('a field of the wrong JSON type is a 400 naming it, as Kubernetes\' decoder words it', async () => {
    const r = await request('POST', '/api/v1/namespaces/default/pods', pod({ containers: [{ name: 'c', image: 'busybox:1', env: [{ name: ['x'] }] }] }, 'typed'));
    assert.equal(r.code, 400);
    assert.equal(r.body.message, 'Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal array into Go struct field EnvVar.spec.containers.env.name of type string');
    const labels = await request('POST', '/api/v1/namespaces/default/pods', JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'l', labels: { on: true } }, spec: { containers: [container] } }));
    assert.equal(labels.code, 400);
    assert.match(labels.body.message!, /cannot unmarshal boolean into Go struct field ObjectMeta.metadata.labels of type string/);
  });
});
