// metrics.k8s.io and `kubectl top` against a real agent and Docker: a pod that burns CPU
// under a limit and a pod that holds memory show up with usage in the range their work
// implies; discovery lists the group; errors are Kubernetes Status objects.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ensureTestImages } from './fixtures/images.js';
import { startCluster, waitFor, type TestCluster } from './lib/cluster.js';
import { podYaml } from './kubelet-support.js';
import { milliValue, parseQuantity, value } from '../api/quantity.js';
import type { ApiError } from '../api/errors.js';

const MiB = 1024 * 1024;

function rows(out: string): string[][] {
  return out.trim().split('\n').map((l) => l.trim().split(/\s+/));
}

describe('kubectl top', () => {
  let cluster: TestCluster;

  before(async () => {
    const { busybox } = await ensureTestImages();
    cluster = await startCluster({ agents: 1 });
    await cluster.kubectlOk(['apply', '-f', '-'], {
      input: [
        // A busy loop capped at 300m by its CFS quota: usage can only be near 300m.
        podYaml('burner', { containers: [{ name: 'spin', image: busybox, command: ['sh', '-c', 'while :; do :; done'], resources: { limits: { cpu: '300m' } } }] }),
        // 48 MiB held in a shell variable (the echo after sleep keeps sh from exec'ing sleep);
        // "filled" says it is all there: on a loaded machine the filling takes seconds, and
        // containerd's stats are there sooner than Docker's.
        podYaml('holder', { containers: [{ name: 'hold', image: busybox, command: ['sh', '-c', 'x=$(head -c 50331648 /dev/zero | tr "\\0" a); echo filled; sleep 3600; echo ${#x}'] }] }),
      ].join('\n---\n'),
    });
    for (const name of ['burner', 'holder']) await cluster.waitForPod(name, 'Running', (p) => p.status?.phase === 'Running');
    await waitFor('holder to fill its 48 MiB', async () => /^filled$/m.test((await cluster.kubectl(['logs', 'holder'])).stdout), 60_000, 500);
  });
  after(async () => {
    await cluster?.stop();
  });

  test('discovery lists metrics.k8s.io nodes and pods with get and list', async () => {
    const out = await cluster.kubectlOk(['api-resources', '--api-group=metrics.k8s.io', '-o', 'wide']);
    assert.match(out, /^nodes\s+metrics\.k8s\.io\/v1beta1\s+false\s+NodeMetrics\s+get,list\s*$/m, out);
    assert.match(out, /^pods\s+metrics\.k8s\.io\/v1beta1\s+true\s+PodMetrics\s+get,list\s*$/m, out);
  });

  for (const version of ['1.33', '1.27', '1.20']) {
    test(`kubectl ${version} top pod and top node`, async () => {
      const pods = await waitFor('both pods measured', async () => {
        const r = await cluster.kubectl(['top', 'pod'], { version });
        return r.code === 0 && /^burner\s/m.test(r.stdout) && /^holder\s/m.test(r.stdout) ? rows(r.stdout) : undefined;
      }, 60_000, 1000);
      assert.deepEqual(pods[0], ['NAME', 'CPU(cores)', 'MEMORY(bytes)']);
      const byName = new Map(pods.slice(1).map((r) => [r[0], r]));
      const cpu = milliValue(parseQuantity(byName.get('burner')![1]!)) / 1000;
      // Not a timing budget: what the kernel's CFS quota allows. Unlimited, a busy loop takes
      // a whole core; a ~1 s window read on a loaded machine has been seen at 0.39.
      assert.ok(cpu >= 0.05 && cpu <= 0.6, `burner uses ${cpu} cores under a 300m limit`);
      const mem = Number(value(parseQuantity(byName.get('holder')![2]!)));
      assert.ok(mem >= 40 * MiB && mem <= 200 * MiB, `holder's working set is ${mem / MiB} MiB`);

      const containers = rows(await cluster.kubectlOk(['top', 'pod', 'burner', '--containers'], { version }));
      assert.deepEqual(containers[0], ['POD', 'NAME', 'CPU(cores)', 'MEMORY(bytes)']);
      assert.deepEqual(containers[1]!.slice(0, 2), ['burner', 'spin']);
      const selected = rows(await cluster.kubectlOk(['top', 'pod', '-l', 'app=holder'], { version }));
      assert.deepEqual(selected.slice(1).map((r) => r[0]), ['holder']);

      const nodes = rows(await cluster.kubectlOk(['top', 'node'], { version }));
      assert.deepEqual(nodes[0]!.slice(0, 2), ['NAME', 'CPU(cores)']);
      const node = nodes.find((r) => r[0] === cluster.nodeNames[0])!;
      assert.ok(node, JSON.stringify(nodes));
      assert.match(node[1]!, /^\d+m$/);
      assert.match(node[2]!, /^\d+%$/);
      assert.match(node[3]!, /^\d+Mi$/);
      assert.ok(milliValue(parseQuantity(node[1]!)) / 1000 >= cpu * 0.5, 'the node is using at least what its busiest pod does');
    });
  }

  test('the API: NodeMetricsList and PodMetrics shapes, 404 as a Status, read-only', async () => {
    const list = (await cluster.client.request('GET', '/apis/metrics.k8s.io/v1beta1/nodes')) as { kind: string; items: { metadata: { name: string }; usage: { cpu: string; memory: string }; window: string }[] };
    assert.equal(list.kind, 'NodeMetricsList');
    assert.deepEqual(list.items.map((i) => i.metadata.name), [cluster.nodeNames[0]]);
    assert.match(list.items[0]!.usage.cpu, /^\d+n$/);
    assert.match(list.items[0]!.usage.memory, /^\d+Ki$/);
    assert.match(list.items[0]!.window, /^\d+(\.\d+)?s$/);
    const pm = (await cluster.client.request('GET', '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/holder')) as { kind: string; metadata: { name: string; namespace: string }; containers: { name: string }[] };
    assert.equal(pm.kind, 'PodMetrics');
    assert.deepEqual([pm.metadata.namespace, pm.metadata.name, pm.containers.map((c) => c.name)], ['default', 'holder', ['hold']]);
    const missing = await cluster.kubectl(['top', 'pod', 'nope']);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /podmetrics\.metrics\.k8s\.io "nope" not found/);
    await assert.rejects(cluster.client.request('DELETE', '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/holder'), (err) => (err as ApiError).code === 405);
  });
});
