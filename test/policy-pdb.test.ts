// PodDisruptionBudgets end to end: the disruption controller's status, `kubectl get pdb`,
// validation, the eviction subresource spending and refusing disruptions (429 with the
// budget's numbers), and `kubectl drain` that waits for replacements instead of taking a
// Deployment below its budget.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { PodDisruptionBudget } from '../api/policy-types.js';
import { resources } from '../api/resources.js';
import type { Pod } from '../api/types.js';
import { ensureTestImages } from './fixtures/images.js';
import { startCluster, waitFor, type TestCluster } from './lib/cluster.js';
import { sleepForever } from './lib/manifests.js';

const NS = 'pdb';

function deployment(image: string): string {
  return JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: NS },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image, command: sleepForever }] } },
    },
  });
}

const budget = (spec: Record<string, unknown>, name = 'web') => JSON.stringify({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name, namespace: NS }, spec: { selector: { matchLabels: { app: 'web' } }, ...spec } });

describe('PodDisruptionBudgets', () => {
  let cluster: TestCluster;
  let image: string;
  const pods = async () => (await cluster.client.list<Pod>(resources.pods, { namespace: NS })).items;
  const readyPods = async () => (await pods()).filter((p) => !p.metadata.deletionTimestamp && p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
  const pdb = () => cluster.client.get<PodDisruptionBudget>(resources.poddisruptionbudgets, 'web', NS);
  const evict = (name: string) =>
    cluster.client.request<{ code: number }>('POST', `/api/v1/namespaces/${NS}/pods/${name}/eviction`, { body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: NS } } });

  before(async () => {
    image = (await ensureTestImages()).busybox;
    cluster = await startCluster({ agents: 2 });
    await cluster.kubectlOk(['create', 'namespace', NS]);
  });
  after(async () => {
    await cluster?.stop();
  });

  test('a budget with both minAvailable and maxUnavailable is refused, naming the field; nothing is written', async () => {
    const r = await cluster.kubectl(['apply', '-f', '-'], { input: budget({ minAvailable: 1, maxUnavailable: 1 }, 'both') });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /The PodDisruptionBudget "both" is invalid: spec: Invalid value: .*: minAvailable and maxUnavailable cannot be both set/);
    await assert.rejects(cluster.client.get(resources.poddisruptionbudgets, 'both', NS), (e) => (e as { code?: number }).code === 404);
  });

  test('the controller counts healthy pods against minAvailable; kubectl get pdb shows it', async () => {
    // Every pod on the first node, so the drain below has a whole Deployment to move.
    const [first, second] = cluster.nodeNames as [string, string];
    await cluster.kubectlOk(['cordon', second]);
    await cluster.kubectlOk(['apply', '-f', '-'], { input: deployment(image) });
    await cluster.kubectlOk(['apply', '-f', '-'], { input: budget({ minAvailable: 2 }) });
    await waitFor('three ready pods', async () => ((await readyPods()).length === 3 ? true : undefined), 90_000);
    assert.ok((await pods()).every((p) => p.spec.nodeName === first));
    const status = await waitFor('the budget to allow one disruption', async () => {
      const s = (await pdb()).status;
      return s?.disruptionsAllowed === 1 && s.currentHealthy === 3 ? s : undefined;
    });
    assert.deepEqual([status.expectedPods, status.desiredHealthy], [3, 2]);
    assert.deepEqual(status.conditions?.map((c) => [c.type, c.status, c.reason]), [['DisruptionAllowed', 'True', 'SufficientPods']]);
    assert.match(await cluster.kubectlOk(['get', 'pdb', '-n', NS]), /^NAME\s+MIN AVAILABLE\s+MAX UNAVAILABLE\s+ALLOWED DISRUPTIONS\s+AGE\nweb\s+2\s+N\/A\s+1\s+\S+\n$/);
  });

  test('an eviction spends the one disruption; the next is refused with 429 and the budget numbers', async () => {
    const [a, b] = (await readyPods()).map((p) => p.metadata.name!);
    assert.equal((await evict(a!)).code, 201);
    // The controller sees the evicted pod go: two healthy, the budget's floor.
    await waitFor('the budget to count the eviction', async () => ((await pdb()).status?.currentHealthy === 2 ? true : undefined));
    const refused = await evict(b!).then(
      () => undefined,
      (e: { code?: number; status?: { reason?: string; message?: string; details?: { causes?: { reason?: string; message?: string }[] } } }) => e,
    );
    assert.equal(refused?.code, 429, 'the second eviction is refused');
    assert.equal(refused?.status?.reason, 'TooManyRequests');
    assert.equal(refused?.status?.message, "Cannot evict pod as it would violate the pod's disruption budget.");
    assert.deepEqual(refused?.status?.details?.causes, [{ reason: 'DisruptionBudget', message: 'The disruption budget web needs 2 healthy pods and has 2 currently' }]);
    assert.equal((await cluster.client.get<Pod>(resources.pods, b!, NS)).metadata.deletionTimestamp, undefined, 'the refused pod is untouched');
    // The replacement becomes ready: a disruption is available again.
    await waitFor('the budget to recover', async () => ((await pdb()).status?.disruptionsAllowed === 1 ? true : undefined), 90_000);
  });

  test('kubectl drain moves the Deployment without ever going below the budget', async () => {
    const [first, second] = cluster.nodeNames as [string, string];
    await cluster.kubectlOk(['uncordon', second]);
    let lowest = Infinity;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        lowest = Math.min(lowest, (await readyPods()).length);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const drain = await cluster.kubectl(['drain', first, '--ignore-daemonsets', '--timeout=100s'], { version: '1.33', timeoutMs: 120_000 }).finally(() => (sampling = false));
    const out = drain.stdout + drain.stderr;
    if (drain.code !== 0) {
      const state = (await pods()).map((p) => `${p.metadata.name} ${p.spec.nodeName} ${p.status?.phase} ready=${p.status?.conditions?.find((c) => c.type === 'Ready')?.status} deleting=${Boolean(p.metadata.deletionTimestamp)}`);
      assert.fail(`drain failed (${drain.code}):\n${out.slice(-2000)}\npods:\n${state.join('\n')}\nbudget: ${JSON.stringify((await pdb()).status)}`);
    }
    await sampler;
    assert.match(out, /Cannot evict pod as it would violate the pod's disruption budget/, 'some evictions had to wait');
    assert.match(out, new RegExp(`node/${first} drained`));
    assert.ok(lowest >= 2, `ready pods never below minAvailable (lowest seen: ${lowest})`);
    const now = await pods();
    assert.ok(now.filter((p) => !p.metadata.deletionTimestamp).every((p) => p.spec.nodeName === second), 'every pod moved');
  });
});
