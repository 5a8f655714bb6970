// Property-based tests against a real control server: random and malformed objects,
// patches, selectors, query parameters and paths. Whatever arrives, the answer is a
// Kubernetes Status below 500 (or a success), the server keeps serving, and a rejected
// request writes nothing.

import assert from 'node:assert/strict';
import https from 'node:https';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { readKubeconfig } from '../api/kubeconfig.js';
import { resources } from '../api/resources.js';
import { startCluster, type TestCluster } from './lib/cluster.js';

interface Reply {
  code: number;
  body: string;
}

const RUNS = Number(process.env['SKIFF_FUZZ_RUNS'] ?? 150);

describe('API fuzzing', () => {
  let cluster: TestCluster;
  let ca = '';
  let token = '';
  const agent = () => new https.Agent({ keepAlive: true, ca });
  let keepAlive: https.Agent;

  before(async () => {
    cluster = await startCluster({ agents: 0 });
    ({ caPem: ca, token } = await readKubeconfig(cluster.kubeconfig));
    keepAlive = agent();
  });
  after(async () => {
    keepAlive?.destroy();
    await cluster?.stop();
  });

  function request(method: string, path: string, body?: string, contentType = 'application/json'): Promise<Reply> {
    return new Promise((resolve, reject) => {
      // Appended, not resolved: a path like //host must reach our server, not another host.
      let url: URL;
      try {
        url = new URL(`${cluster.url}${path.startsWith('/') ? '' : '/'}${path}`);
      } catch {
        url = new URL('/api/v1/pods', cluster.url);
      }
      assert.equal(url.origin, new URL(cluster.url).origin);
      // Content-Length always: Node sends a DELETE body unframed otherwise.
      const headers = { Authorization: `Bearer ${token}`, 'Content-Type': contentType, 'Content-Length': String(Buffer.byteLength(body ?? '')) };
      const req = https.request(url, { method, agent: keepAlive, headers, timeout: 10_000 }, (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ code: res.statusCode ?? 0, body: text }));
      });
      req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
      req.on('error', reject);
      req.end(body);
    });
  }

  /** A non-2xx answer must be a Status below 500. */
  function checkReply(r: Reply, what: string): void {
    assert.ok(r.code < 500, `${what} → ${r.code}: ${r.body.slice(0, 300)}`);
    if (r.code >= 400) {
      const status = JSON.parse(r.body) as { kind?: string; code?: number };
      assert.equal(status.kind, 'Status', `${what}: error body is a Status`);
      assert.equal(status.code, r.code);
    }
  }

  const name = fc.oneof(fc.constantFrom('a', 'web-1', 'x.y', 'UPPER', '-bad', 'a'.repeat(300), ''), fc.string({ maxLength: 20 }));
  const anyJson = fc.jsonValue({ maxDepth: 4 });
  const container = fc.record(
    {
      name: fc.oneof(name, anyJson),
      image: fc.oneof(fc.constantFrom('busybox:1', ''), anyJson),
      ports: fc.array(fc.record({ containerPort: fc.oneof(fc.integer({ min: -5, max: 70_000 }), anyJson), protocol: fc.constantFrom('TCP', 'UDP', 'XYZ') }, { requiredKeys: [] }), { maxLength: 3 }),
      resources: fc.record({ limits: fc.dictionary(fc.constantFrom('cpu', 'memory', 'x'), fc.oneof(fc.constantFrom('100m', '64Mi', '1e3', 'abc', '-1'), anyJson)) }, { requiredKeys: [] }),
      env: fc.array(fc.record({ name: fc.oneof(name, anyJson), value: anyJson }, { requiredKeys: [] }), { maxLength: 3 }),
      command: fc.oneof(fc.array(fc.string(), { maxLength: 3 }), anyJson),
    },
    { requiredKeys: [] },
  );
  const pod = fc.record(
    {
      apiVersion: fc.constantFrom('v1', 'v2', 'apps/v1'),
      kind: fc.constantFrom('Pod', 'Node', 'Foo'),
      metadata: fc.oneof(
        fc.record({ name, labels: fc.oneof(fc.dictionary(fc.string({ maxLength: 70 }), fc.string({ maxLength: 70 })), anyJson), generateName: name, resourceVersion: fc.oneof(fc.constantFrom('1', 'abc', '99999999999'), anyJson) }, { requiredKeys: [] }),
        anyJson,
      ),
      spec: fc.oneof(
        fc.record({ containers: fc.oneof(fc.array(container, { maxLength: 3 }), anyJson), restartPolicy: fc.oneof(fc.constantFrom('Always', 'Never', 'Sometimes'), anyJson), nodeName: name, terminationGracePeriodSeconds: fc.oneof(fc.integer(), anyJson) }, { requiredKeys: [] }),
        anyJson,
      ),
    },
    { requiredKeys: [] },
  );

  test('random pods on create: a Status below 500, and only what was accepted is stored', async () => {
    const accepted = new Set<string>();
    await fc.assert(
      fc.asyncProperty(pod, async (obj) => {
        const r = await request('POST', '/api/v1/namespaces/default/pods?fieldValidation=Strict', JSON.stringify(obj));
        checkReply(r, 'POST pod');
        if (r.code === 201) accepted.add((JSON.parse(r.body) as { metadata: { name: string } }).metadata.name);
      }),
      { numRuns: RUNS },
    );
    const stored = (await cluster.client.list(resources.pods, { namespace: 'default' })).items.map((p) => p.metadata.name!);
    assert.deepEqual(stored.sort(), [...accepted].sort(), 'exactly the accepted pods are stored');
  });

  test('random patches of every type on an existing pod never 5xx, and a rejected patch changes nothing', async () => {
    await cluster.client.create(resources.pods, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'patched', namespace: 'default' },
      spec: { schedulerName: 'nobody', containers: [{ name: 'c', image: 'busybox:1' }] },
    });
    const types = ['application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/json-patch+json', 'application/apply-patch+yaml', 'text/plain'];
    const jsonPatchOp = fc.record({ op: fc.constantFrom('add', 'remove', 'replace', 'move', 'copy', 'test', 'bogus'), path: fc.constantFrom('/metadata/labels/x', '/spec/containers/0/image', '/spec/containers/-', '/nope/deep', '', '/metadata/name'), from: fc.constantFrom('/metadata', '/spec/containers/0'), value: anyJson }, { requiredKeys: ['op'] });
    const patchBody = fc.oneof(anyJson, pod, fc.array(jsonPatchOp, { maxLength: 4 }), fc.constantFrom('{', '[', '{"$patch":"delete"}', '{"spec":{"containers":[{"$patch":"delete"}]}}', '{"metadata":{"$retainKeys":[1]}}'));
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...types), patchBody, async (type, body) => {
        const before = await cluster.client.get(resources.pods, 'patched', 'default');
        const text = typeof body === 'string' ? body : JSON.stringify(body);
        const r = await request('PATCH', '/api/v1/namespaces/default/pods/patched', text, type);
        checkReply(r, `PATCH ${type}`);
        if (r.code >= 400) {
          const after = await cluster.client.get(resources.pods, 'patched', 'default');
          assert.equal(after.metadata.resourceVersion, before.metadata.resourceVersion, 'a rejected patch wrote nothing');
        }
      }),
      { numRuns: RUNS },
    );
  });

  test('random selectors, query parameters and paths never 5xx', async () => {
    const selector = fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom('a=b', 'a in (x', 'a notin ()', '!a,b', 'x==y,z!=w', 'a in (b,c)', 'metadata.name=x', 'spec.nodeName=', 'status.phase=Running', 'a\\,b=c', '=='));
    const params = fc.record(
      {
        labelSelector: selector,
        fieldSelector: selector,
        limit: fc.oneof(fc.integer({ min: -3, max: 1000 }).map(String), fc.string({ maxLength: 5 })),
        continue: fc.oneof(fc.string({ maxLength: 20 }), fc.base64String({ maxLength: 40 })),
        resourceVersion: fc.oneof(fc.constantFrom('0', '1', '', 'x', '-1', '999999999999999999'), fc.string({ maxLength: 5 })),
        timeoutSeconds: fc.constantFrom('0', '1', 'x', '-4'),
        watch: fc.constantFrom('false', '0', 'true'),
        gracePeriodSeconds: fc.constantFrom('0', 'x', '-1'),
        dryRun: fc.constantFrom('All', 'Some'),
      },
      { requiredKeys: [] },
    );
    const path = fc.oneof(
      fc.constantFrom('/api/v1/pods', '/api/v1/namespaces/default/pods', '/api/v1/nodes', '/api/v1/namespaces', '/apis/coordination.k8s.io/v1/leases', '/api/v1/namespaces/default/pods/x/status', '/api/v1/namespaces/%ZZ/pods', '/api/v1/namespaces/default/pods/a/b/c/d', '/apis/nope/v1/things', '/api/v1/namespaces/default/pods/x/binding', '/api/v1/namespaces/x/finalize'),
      fc.webPath(),
    );
    const method = fc.constantFrom('GET', 'DELETE', 'PUT', 'POST', 'OPTIONS', 'HEAD');
    await fc.assert(
      fc.asyncProperty(method, path, params, anyJson, async (m, p, q, body) => {
        const qs = new URLSearchParams(q as Record<string, string>).toString();
        // A watch that is accepted streams until its timeout: only probe those briefly.
        const query = q.watch === 'true' ? `${qs}&timeoutSeconds=1` : qs;
        const r = await request(m, `${p}?${query}`, m === 'GET' || m === 'HEAD' ? undefined : JSON.stringify(body));
        if (m === 'HEAD') return assert.ok(r.code < 500, `HEAD ${p} → ${r.code}`);
        checkReply(r, `${m} ${p}?${query}`);
      }),
      { numRuns: RUNS },
    );
    // Still serving.
    assert.ok(await cluster.client.request('GET', '/version'));
  });
});
