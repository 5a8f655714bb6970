// The DaemonSet controller against three real agents sharing one dockerd, driven by stock
// kubectl 1.33: exactly one pod lands on each node and `rollout status ds` succeeds; a
// fourth agent that joins gets its own; a template change rolls out one node at a time
// (maxUnavailable 1, sampled) until every pod carries the new controller-revision-hash; a
// nodeSelector change takes pods off the nodes that stop matching; with maxSurge the new
// pod starts beside the old one and no node is ever without an available pod; rollout
// history/undo go through ControllerRevisions; when an agent is lost,
// its Deployment pods are recreated on the other nodes while its daemon pod stays.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { resources } from '../api/resources.js';
import type { Node, Pod } from '../api/types.js';
import type { ControllerRevision, DaemonSet, Deployment } from '../api/workload-types.js';
import { daemonPodNode } from '../control/controllers/daemonset/daemon-pods.js';
import { ensureTestImages } from './fixtures/images.js';
import { startCluster, waitFor, type TestCluster } from './lib/cluster.js';
import { sleepForever } from './lib/manifests.js';

const KUBECTL = '1.33';

describe('daemonset controller', () => {
  let cluster: TestCluster;
  let busybox: string;
  before(async () => {
    busybox = (await ensureTestImages()).busybox;
    // A node silent for 20 s is Unknown; pods without a toleration of their own leave it 2 s later.
    cluster = await startCluster({ agents: 3, controlArgs: ['--node-monitor-grace-period', '20', '--node-monitor-period', '1', '--default-unreachable-toleration-seconds', '2'] });
  });
  after(async () => {
    await cluster?.stop();
  });

  const k = (args: string[], input?: string) => cluster.kubectlOk(args, { version: KUBECTL, ...(input !== undefined ? { input } : {}) });
  const livePods = async () =>
    (await cluster.client.list<Pod>(resources.pods, { namespace: 'default', labelSelector: 'app=agent' })).items.filter((p) => !p.metadata.deletionTimestamp);
  const manifest = (round: string, nodeSelector?: Record<string, string>) =>
    JSON.stringify({
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'agent' },
      spec: {
        selector: { matchLabels: { app: 'agent' } },
        template: {
          metadata: { labels: { app: 'agent' } },
          spec: {
            terminationGracePeriodSeconds: 2,
            ...(nodeSelector ? { nodeSelector } : {}),
            containers: [{ name: 'main', image: busybox, command: sleepForever, env: [{ name: 'ROUND', value: round }] }],
          },
        },
      },
    });
  /** Running pods per node; fails on any node holding more than one. */
  const podsPerNode = async (): Promise<Map<string, Pod>> => {
    const byNode = new Map<string, Pod>();
    for (const p of await livePods()) {
      if (!p.spec.nodeName) continue;
      assert.equal(byNode.has(p.spec.nodeName), false, `two daemon pods on ${p.spec.nodeName}`);
      byNode.set(p.spec.nodeName, p);
    }
    return byNode;
  };

  test('one pod per node, a joining node gets one, rollout status, rolling update within maxUnavailable', async () => {
    await k(['apply', '-f', '-'], manifest('1'));
    const status = await k(['rollout', 'status', 'ds/agent', '--timeout=60s']);
    assert.match(status, /daemon set "agent" successfully rolled out/);
    let placed = await podsPerNode();
    assert.deepEqual([...placed.keys()].sort(), [...cluster.nodeNames].sort());
    for (const p of placed.values()) {
      assert.equal(p.status?.phase, 'Running');
      assert.equal(p.metadata.ownerReferences?.[0]?.kind, 'DaemonSet');
      assert.ok(p.metadata.labels?.['controller-revision-hash'], 'pods carry the revision hash');
    }
    let ds = await cluster.client.get<DaemonSet>(resources.daemonsets, 'agent', 'default');
    assert.deepEqual(
      [ds.status?.desiredNumberScheduled, ds.status?.currentNumberScheduled, ds.status?.numberReady, ds.status?.updatedNumberScheduled, ds.status?.numberAvailable, ds.status?.numberMisscheduled],
      [3, 3, 3, 3, 3, 0],
    );
    const table = await k(['get', 'ds', 'agent', '--no-headers']);
    assert.match(table, /^agent\s+3\s+3\s+3\s+3\s+3\s+<none>/);

    // A fourth node joins: it gets a pod, and no other node gets a second one.
    const fourth = cluster.addAgent();
    await cluster.waitForNodesReady();
    await waitFor('a daemon pod running on the new node', async () => {
      const m = await podsPerNode();
      return m.get(fourth)?.status?.phase === 'Running' && m.size === 4;
    }, 60_000, 500);
    await k(['rollout', 'status', 'ds/agent', '--timeout=30s']);
    ds = await cluster.client.get<DaemonSet>(resources.daemonsets, 'agent', 'default');
    assert.equal(ds.status?.desiredNumberScheduled, 4);

    // A template change replaces the pods node by node: never more than one node without an
    // available pod (maxUnavailable 1 by default).
    const oldHash = [...placed.values()][0]!.metadata.labels!['controller-revision-hash'];
    let worstUnavailable = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const d = await cluster.client.get<DaemonSet>(resources.daemonsets, 'agent', 'default').catch(() => undefined);
        if (d?.status) worstUnavailable = Math.max(worstUnavailable, (d.status.desiredNumberScheduled ?? 0) - (d.status.numberAvailable ?? 0));
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    await k(['apply', '-f', '-'], manifest('2'));
    const rolled = await k(['rollout', 'status', 'ds/agent', '--timeout=90s']);
    sampling = false;
    await sampler;
    assert.match(rolled, /successfully rolled out/);
    assert.ok(worstUnavailable <= 1, `at most one node without an available pod, saw ${worstUnavailable}`);
    assert.equal(worstUnavailable, 1, 'the sampler saw pods being replaced');
    placed = await waitFor('only new pods, one per node', async () => {
      const m = await podsPerNode();
      const pods = [...m.values()];
      return m.size === 4 && pods.every((p) => p.metadata.labels?.['controller-revision-hash'] !== oldHash) && (await livePods()).length === 4 ? m : undefined;
    }, 30_000, 500);
    for (const p of placed.values()) assert.equal(p.spec.containers[0]?.env?.[0]?.value, '2');
  });

  test('ControllerRevisions: rollout history lists both templates, rollout undo brings the first back as revision 3', async () => {
    const revisions = async () =>
      (await cluster.client.list<ControllerRevision>(resources.controllerrevisions, { namespace: 'default', labelSelector: 'app=agent' })).items.sort((a, b) => a.revision - b.revision);
    const before = await revisions();
    assert.deepEqual(before.map((r) => r.revision), [1, 2]);
    for (const r of before) {
      assert.equal(r.metadata.ownerReferences?.[0]?.kind, 'DaemonSet');
      assert.equal(r.metadata.name, `agent-${r.metadata.labels?.['controller-revision-hash']}`);
    }
    const history = await k(['rollout', 'history', 'ds/agent']);
    assert.match(history, /^daemonset\.apps\/agent\s*\nREVISION\s+CHANGE-CAUSE\s*\n1\s+<none>\s*\n2\s+<none>\s*\n/);
    assert.match(await k(['rollout', 'history', 'ds/agent', '--revision=1']), /ROUND:\s+1/);
    assert.match(await k(['get', 'controllerrevisions']), new RegExp(`${before[0]!.metadata.name}\\s+daemonset\\.apps/agent\\s+1\\s`));

    assert.match(await k(['rollout', 'undo', 'ds/agent']), /daemonset\.apps\/agent rolled back/);
    await k(['rollout', 'status', 'ds/agent', '--timeout=90s']);
    const firstHash = before[0]!.metadata.labels!['controller-revision-hash'];
    await waitFor('every pod back on the first template', async () => {
      const pods = await livePods();
      return pods.length === 4 && pods.every((p) => p.metadata.labels?.['controller-revision-hash'] === firstHash && p.spec.containers[0]?.env?.[0]?.value === '1') || undefined;
    }, 60_000, 500);
    const after = await revisions();
    assert.deepEqual(after.map((r) => [r.metadata.name, r.revision]), [[before[1]!.metadata.name, 2], [before[0]!.metadata.name, 3]], 'renumbered, not copied');
  });

  test('a nodeSelector takes pods off the nodes that do not match', async () => {
    const [chosen] = cluster.nodeNames;
    await k(['label', 'node', chosen!, 'skiff-test/daemon=yes']);
    await k(['apply', '-f', '-'], manifest('2', { 'skiff-test/daemon': 'yes' }));
    await waitFor('one pod left, on the labelled node', async () => {
      const pods = await livePods();
      return pods.length === 1 && pods[0]!.spec.nodeName === chosen && pods[0]!.status?.phase === 'Running';
    }, 60_000, 500);
    await k(['rollout', 'status', 'ds/agent', '--timeout=30s']);
    const ds = await cluster.client.get<DaemonSet>(resources.daemonsets, 'agent', 'default');
    assert.deepEqual([ds.status?.desiredNumberScheduled, ds.status?.numberMisscheduled, ds.status?.numberAvailable], [1, 0, 1]);
  });
  test('maxSurge 1: the new pod starts beside the old one, so no node is ever without an available pod', async () => {
    const surge = (round: string) =>
      JSON.stringify({
        apiVersion: 'apps/v1',
        kind: 'DaemonSet',
        metadata: { name: 'surge' },
        spec: {
          selector: { matchLabels: { app: 'surge' } },
          updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
          template: {
            metadata: { labels: { app: 'surge' } },
            spec: { terminationGracePeriodSeconds: 2, containers: [{ name: 'main', image: busybox, command: sleepForever, env: [{ name: 'ROUND', value: round }] }] },
          },
        },
      });
    await k(['apply', '-f', '-'], surge('1'));
    await k(['rollout', 'status', 'ds/surge', '--timeout=60s']);
    const surgePods = async () => (await cluster.client.list<Pod>(resources.pods, { namespace: 'default', labelSelector: 'app=surge' })).items.filter((p) => !p.metadata.deletionTimestamp);
    let worstUnavailable = 0;
    let mostOnOneNode = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const d = await cluster.client.get<DaemonSet>(resources.daemonsets, 'surge', 'default').catch(() => undefined);
        if (d?.status) worstUnavailable = Math.max(worstUnavailable, (d.status.desiredNumberScheduled ?? 0) - (d.status.numberAvailable ?? 0));
        const perNode = new Map<string, number>();
        for (const p of await surgePods()) {
          const node = daemonPodNode(p) ?? '';
          perNode.set(node, (perNode.get(node) ?? 0) + 1);
        }
        mostOnOneNode = Math.max(mostOnOneNode, ...perNode.values());
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    await k(['apply', '-f', '-'], surge('2'));
    await k(['rollout', 'status', 'ds/surge', '--timeout=90s']);
    sampling = false;
    await sampler;
    assert.equal(worstUnavailable, 0, 'maxUnavailable 0: every node kept an available pod');
    assert.equal(mostOnOneNode, 2, 'a surge pod ran beside the old one');
    const pods = await waitFor('one new pod per node', async () => {
      const ps = await surgePods();
      return ps.length === 4 && ps.every((p) => p.spec.containers[0]?.env?.[0]?.value === '2') ? ps : undefined;
    }, 30_000, 300);
    assert.equal(new Set(pods.map((p) => p.spec.nodeName)).size, 4);
    await k(['delete', 'ds', 'surge']);
  });

  test('a lost node: Deployment pods are recreated on the other nodes, the daemon pod stays', async () => {
    await k(['apply', '-f', '-'], manifest('3'));
    await k(['rollout', 'status', 'ds/agent', '--timeout=90s']);
    await k(['create', 'deployment', 'web', `--image=${busybox}`, '--replicas=4', '--', ...sleepForever]);
    await k(['rollout', 'status', 'deployment/web', '--timeout=60s']);
    const webPods = async () => (await cluster.client.list<Pod>(resources.pods, { namespace: 'default', labelSelector: 'app=web' })).items;
    const victim = (await webPods()).find((p) => p.spec.nodeName)!.spec.nodeName!;
    const daemonOnVictim = (await podsPerNode()).get(victim)!;

    await cluster.agent(victim).stop('SIGKILL');
    await waitFor(`node ${victim} to be Unknown`, async () => {
      const n = await cluster.client.get<Node>(resources.nodes, victim);
      return n.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'Unknown';
    }, 60_000, 500);
    // The Deployment's pods there are evicted and replaced elsewhere: 4 running, none on the victim.
    await waitFor('4 web pods running on the other nodes', async () => {
      const live = (await webPods()).filter((p) => !p.metadata.deletionTimestamp);
      return live.length === 4 && live.every((p) => p.spec.nodeName !== victim && p.status?.phase === 'Running');
    }, 60_000, 500);
    const d = await cluster.client.get<Deployment>(resources.deployments, 'web', 'default');
    assert.equal(d.status?.availableReplicas, 4);
    // The daemon pod tolerates unreachable without a time limit: it is not evicted.
    const daemon = await cluster.pod(daemonOnVictim.metadata.name!);
    assert.equal(daemon.metadata.deletionTimestamp, undefined, 'the daemon pod on the lost node stays');
    // As in Kubernetes, the unreachable NoSchedule taint takes the node out of the desired
    // count; the pod already there may stay, so it counts as misscheduled.
    const ds = await waitFor('the status to count the lost node out', async () => {
      const x = await cluster.client.get<DaemonSet>(resources.daemonsets, 'agent', 'default');
      return x.status?.desiredNumberScheduled === 3 ? x : undefined;
    }, 10_000, 300);
    assert.equal(ds.status?.numberMisscheduled, 1);
  });
});
