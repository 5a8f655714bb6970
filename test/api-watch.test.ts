// Watch semantics against a real control server: chunked HTTP and websocket on the same
// URL, resume from a resourceVersion, selector transitions (ADDED when a pod starts
// matching), and 410 Expired once history is compacted.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import https from 'node:https';
import { after, before, describe, test } from 'node:test';
import { isExpired } from '../api/errors.js';
import { readKubeconfig } from '../api/kubeconfig.js';
import { resources } from '../api/resources.js';
import type { KubeObject, Pod, WatchEvent } from '../api/types.js';
import { startCluster, waitFor, type TestCluster } from './lib/cluster.js';
import { kubectlPath } from './lib/kubectl.js';

describe('watch', () => {
  let cluster: TestCluster;
  let ca = '';
  let token = '';

  before(async () => {
    // A short history, compacted every second, so 410 Expired can be seen.
    cluster = await startCluster({ agents: 0, controlArgs: ['--store-history', '5', '--store-compact-interval', '1'] });
    ({ caPem: ca, token } = await readKubeconfig(cluster.kubeconfig));
  });
  after(async () => {
    await cluster?.stop();
  });

  const pod = (name: string, labels: Record<string, string> = {}): Pod => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels },
    // Not for our scheduler: the test controls every write.
    spec: { schedulerName: 'nobody', containers: [{ name: 'c', image: 'busybox:1' }] },
  });

  /** Reads a chunked watch until `count` events arrived or the stream ended. */
  function chunkedWatch(query: string, count: number): Promise<WatchEvent[]> {
    return new Promise((resolve, reject) => {
      const url = new URL(`/api/v1/namespaces/default/pods?watch=true&${query}`, cluster.url);
      const events: WatchEvent[] = [];
      const req = https.get(url, { ca, headers: { Authorization: `Bearer ${token}` } }, (res) => {
        assert.equal(res.statusCode, 200);
        assert.match(String(res.headers['content-type']), /application\/json/);
        let buf = '';
        res.on('data', (chunk: Buffer) => {
          buf += chunk.toString();
          let nl: number;
          while ((nl = buf.indexOf('\n')) >= 0) {
            events.push(JSON.parse(buf.slice(0, nl)) as WatchEvent);
            buf = buf.slice(nl + 1);
            if (events.length >= count) {
              req.destroy();
              resolve(events);
              return;
            }
          }
        });
        res.on('end', () => resolve(events));
      });
      req.on('error', (err) => (events.length >= count ? undefined : reject(err)));
    });
  }

  test('chunked watch replays from a resourceVersion, in order, with the right types', async () => {
    const created = await cluster.client.create(resources.pods, pod('w1'));
    const rv = created.metadata.resourceVersion!;
    await cluster.client.patch(resources.pods, 'w1', { metadata: { labels: { step: '2' } } }, { namespace: 'default' });
    await cluster.client.create(resources.pods, pod('w2'));
    await cluster.client.delete(resources.pods, 'w1', 'default');
    const events = await chunkedWatch(`resourceVersion=${rv}`, 3);
    assert.deepEqual(events.map((e) => `${e.type} ${e.object.metadata.name}`), ['MODIFIED w1', 'ADDED w2', 'DELETED w1']);
    const rvs = events.map((e) => Number(e.object.metadata.resourceVersion));
    assert.deepEqual([...rvs].sort((a, b) => a - b), rvs, 'resourceVersions increase');
    assert.ok(rvs[0]! > Number(rv));
    await cluster.client.delete(resources.pods, 'w2', 'default');
  });

  test('watch without a resourceVersion starts with the current objects as ADDED', async () => {
    await cluster.client.create(resources.pods, pod('now-a'));
    await cluster.client.create(resources.pods, pod('now-b'));
    const events = await chunkedWatch('', 2);
    assert.deepEqual(events.map((e) => `${e.type} ${e.object.metadata.name}`).sort(), ['ADDED now-a', 'ADDED now-b']);
    for (const n of ['now-a', 'now-b']) await cluster.client.delete(resources.pods, n, 'default');
  });

  test('websocket watch with a field selector: a pod bound to the node is ADDED, unbound ones never show', async () => {
    const ac = new AbortController();
    const seen: string[] = [];
    const start = await cluster.client.list(resources.pods, { namespace: 'default' });
    const done = cluster.client.watch<Pod>(
      resources.pods,
      { namespace: 'default', fieldSelector: 'spec.nodeName=ws-node', resourceVersion: start.metadata.resourceVersion! },
      (e) => seen.push(`${e.type} ${e.object.metadata.name}`),
      ac.signal,
    );
    await cluster.client.create(resources.pods, pod('unbound'));
    await cluster.client.create(resources.pods, pod('bound'));
    await cluster.client.request('POST', '/api/v1/namespaces/default/pods/bound/binding', {
      body: { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'bound' }, target: { kind: 'Node', name: 'ws-node' } },
    });
    await cluster.client.patch(resources.pods, 'bound', { metadata: { labels: { x: 'y' } } }, { namespace: 'default' });
    await cluster.client.delete(resources.pods, 'bound', 'default', { gracePeriodSeconds: 0 });
    await waitFor('three events', () => seen.length >= 3, 10_000);
    ac.abort();
    await done;
    assert.deepEqual(seen, ['ADDED bound', 'MODIFIED bound', 'DELETED bound']);
    await cluster.client.delete(resources.pods, 'unbound', 'default');
  });

  test('binding a bound pod again is a 409 Conflict with Kubernetes\' message', async () => {
    await cluster.client.create(resources.pods, pod('twice'));
    const bind = (node: string) =>
      cluster.client.request('POST', '/api/v1/namespaces/default/pods/twice/binding', {
        body: { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'twice' }, target: { kind: 'Node', name: node } },
      });
    await bind('n1');
    await assert.rejects(bind('n2'), (err: { code: number; message: string }) => err.code === 409 && /pod twice is already assigned to node "n1"/.test(err.message));
    await cluster.client.delete(resources.pods, 'twice', 'default', { gracePeriodSeconds: 0 });
  });

  test('label selectors filter lists and watches; set-based selectors work', async () => {
    await cluster.client.create(resources.pods, pod('sel-a', { tier: 'web', env: 'prod' }));
    await cluster.client.create(resources.pods, pod('sel-b', { tier: 'db', env: 'prod' }));
    await cluster.client.create(resources.pods, pod('sel-c', { tier: 'web', env: 'dev' }));
    const names = async (labelSelector: string) => (await cluster.client.list(resources.pods, { namespace: 'default', labelSelector })).items.map((p) => p.metadata.name).sort();
    assert.deepEqual(await names('tier=web'), ['sel-a', 'sel-c']);
    assert.deepEqual(await names('tier in (web,db),env!=dev'), ['sel-a', 'sel-b']);
    assert.deepEqual(await names('!missing,env notin (prod)'), ['sel-c']);
    await assert.rejects(names('tier in web'), (err: { code: number }) => err.code === 400);
    await assert.rejects(cluster.client.list(resources.pods, { fieldSelector: 'spec.bogus=1' }), (err: { code: number; message: string }) => err.code === 400 && /field label not supported: spec.bogus/.test(err.message));
    for (const n of ['sel-a', 'sel-b', 'sel-c']) await cluster.client.delete(resources.pods, n, 'default');
  });

  test('a malformed timeoutSeconds is a 400 before the watch starts, not a stream that never ends', async () => {
    const url = new URL('/api/v1/namespaces/default/pods?watch=true&timeoutSeconds=-4', cluster.url);
    const reply = await new Promise<{ code: number; body: string }>((resolve, reject) => {
      const req = https.get(url, { ca, headers: { Authorization: `Bearer ${token}` }, timeout: 10_000 }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ code: res.statusCode ?? 0, body }));
      });
      req.on('timeout', () => req.destroy(new Error('no answer within 10 s: the watch started anyway')));
      req.on('error', reject);
    });
    assert.equal(reply.code, 400);
    const status = JSON.parse(reply.body) as { kind: string; message: string };
    assert.equal(status.kind, 'Status');
    assert.match(status.message, /timeoutSeconds/);
  });

  test('timeoutSeconds ends a watch; allowWatchBookmarks brings a BOOKMARK within the minute, and only when asked', async () => {
    const rv = (await cluster.client.list(resources.pods, { namespace: 'default' })).metadata.resourceVersion!;
    const started = Date.now();
    assert.deepEqual(await chunkedWatch(`resourceVersion=${rv}&timeoutSeconds=1`, 1), []);
    const took = Date.now() - started;
    assert.ok(took >= 900 && took < 10_000, `a 1 s watch ended after ${took} ms`);

    // Kubernetes sends a bookmark about once a minute; one watch asks for them, one does not.
    const [withBookmarks, without] = await Promise.all([
      chunkedWatch(`resourceVersion=${rv}&allowWatchBookmarks=true&timeoutSeconds=75`, 1),
      chunkedWatch(`resourceVersion=${rv}&timeoutSeconds=65`, 1),
    ]);
    assert.equal(withBookmarks[0]?.type, 'BOOKMARK');
    assert.equal(withBookmarks[0]?.object.kind, 'Pod');
    assert.ok(Number(withBookmarks[0]?.object.metadata.resourceVersion) >= Number(rv));
    assert.deepEqual(without, [], 'no bookmark unless allowWatchBookmarks');
  });

  test('paging with limit/continue returns every object once', async () => {
    for (let i = 0; i < 7; i++) await cluster.client.create(resources.pods, pod(`page-${i}`, { paged: 'yes' }));
    const seen: string[] = [];
    let cont: string | undefined;
    let pages = 0;
    do {
      const page = await cluster.client.list(resources.pods, { namespace: 'default', labelSelector: 'paged=yes', limit: 3, ...(cont ? { continue: cont } : {}) });
      seen.push(...page.items.map((p) => p.metadata.name!));
      cont = page.metadata.continue;
      pages++;
      // Writes between pages must not show up in (or disturb) this snapshot.
      if (pages === 1) await cluster.client.create(resources.pods, pod('page-late', { paged: 'yes' }));
    } while (cont);
    assert.deepEqual(seen, ['page-0', 'page-1', 'page-2', 'page-3', 'page-4', 'page-5', 'page-6']);
    assert.equal(pages, 3);
    for (const n of [...seen, 'page-late']) await cluster.client.delete(resources.pods, n, 'default');
  });

  test('a watch from a compacted resourceVersion gets 410 Expired', async () => {
    for (let i = 0; i < 10; i++) await cluster.client.create(resources.pods, pod(`churn-${i}`));
    await new Promise((r) => setTimeout(r, 1500));
    await assert.rejects(
      cluster.client.watch<KubeObject>(resources.pods, { namespace: 'default', resourceVersion: '1' }, () => undefined, new AbortController().signal),
      (err) => isExpired(err),
    );
  });

  for (const version of ['1.33', '1.20']) {
    test(`kubectl ${version} get -w: the table, then a row per change; -o name a line per change`, async () => {
      const name = `w-${version.replace('.', '-')}`;
      const watch = (args: string[]) => {
        const child = spawn(kubectlPath(version), ['--kubeconfig', cluster.kubeconfig, 'get', 'pods', '-w', '-l', `run=${name}`, ...args]);
        let out = '';
        child.stdout.on('data', (c: Buffer) => (out += c.toString()));
        return { out: () => out, stop: () => child.kill('SIGKILL') };
      };
      const table = watch([]);
      const names = watch(['-o', 'name']);
      const rowsFor = () => table.out().split('\n').filter((l) => new RegExp(`^${name}\\s+0/1\\s+Pending\\s+0\\s+\\d+s$`).test(l)).length;
      const linesFor = () => names.out().split('\n').filter((l) => l === `pod/${name}`).length;
      try {
        // Listed first or watched: either way the pod shows up in both, before it is deleted.
        await cluster.client.create(resources.pods, pod(name, { run: name }));
        await waitFor(`a row for ${name} (${table.out()})`, () => (rowsFor() === 1 && linesFor() === 1) || undefined, 10_000, 50);
        assert.match(table.out(), /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\n/);
        // Not bound to a node, so deleted at once: kubectl prints the object again.
        await cluster.client.delete(resources.pods, name, 'default');
        await waitFor(`the deletion (${table.out()} / ${names.out()})`, () => (rowsFor() === 2 && linesFor() === 2) || undefined, 10_000, 50);
      } finally {
        table.stop();
        names.stop();
      }
    });
  }
});
