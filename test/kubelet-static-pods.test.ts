// Static pods from the agent's manifest directory, against a real runtime and the stock
// kubectl: their mirror pods in the API (name, annotations, Node owner), a mirror deleted
// through the API coming back without touching the containers, a changed manifest making
// a new pod, a removed one taking pod and mirror away, a bad file reported without harm,
// and a crash loop that carries on — restarts and back-off — with the control server
// stopped and the agent killed (-9) and restarted while it is away.

import assert from 'node:assert/strict';
import { mkdirSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { LABEL_POD_NAME, LABEL_POD_UID } from '../agent/runtime/runtime.js';
import { resources } from '../api/resources.js';
import type { Node, Pod } from '../api/types.js';
import { ensureTestImages } from './fixtures/images.js';
import { startCluster, waitFor, type TestCluster } from './lib/cluster.js';
import { nodeRuntime, podContainers, type NodeRuntime, type RuntimeObject } from './lib/node-runtime.js';
import type { KubeEvent } from './kubelet-support.js';

const HASH = 'kubernetes.io/config.hash';
const MIRROR = 'kubernetes.io/config.mirror';

describe('static pods', () => {
  let cluster: TestCluster;
  let busybox: string;
  let runtime: NodeRuntime;
  let node: string;
  let dir: string;

  before(async () => {
    busybox = (await ensureTestImages()).busybox;
    cluster = await startCluster({ agents: 1 });
    runtime = nodeRuntime();
    node = cluster.nodeNames[0]!;
    dir = cluster.manifestDir(node);
    mkdirSync(dir, { recursive: true });
  });
  after(async () => {
    runtime?.close();
    await cluster?.stop();
  });

  /** Written whole (a dotfile renamed into place), as a careful admin or a config tool does. */
  function writeManifest(file: string, name: string, spec: Record<string, unknown>, labels: Record<string, string> = {}): void {
    const tmp = join(dir, `.${file}.tmp`);
    writeFileSync(tmp, JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { app: name, ...labels } }, spec: { terminationGracePeriodSeconds: 2, ...spec } }));
    renameSync(tmp, join(dir, file));
  }

  const sleeper = () => ({ containers: [{ name: 'main', image: busybox, command: ['sh', '-c', "echo static-hello; trap 'exit 0' TERM; while true; do sleep 1; done"] }] });

  async function mirrorJson(name: string): Promise<Pod | undefined> {
    const r = await cluster.kubectl(['get', 'pod', name, '-o', 'json']);
    return r.code === 0 ? (JSON.parse(r.stdout) as Pod) : undefined;
  }

  async function running(uid: string): Promise<RuntimeObject[]> {
    return (await podContainers(runtime, [node], uid)).filter((c) => c.state === 'running');
  }

  test('a manifest runs as a static pod with a mirror pod; deleting the mirror does not stop it; edits replace it; removing the file removes both', async (t) => {
    const name = `web-${node}`;
    writeManifest('web.json', 'web', sleeper());
    const mirror = await cluster.waitForPod(name, 'Running (mirror)', (p) => p.status?.phase === 'Running', 60_000);
    const staticUid = mirror.metadata.annotations![HASH]!;

    // What kubectl shows: the kubelet's annotations and the Node as controller.
    const shown = (await mirrorJson(name))!;
    const nodeObj = await cluster.client.get<Node>(resources.nodes, node);
    assert.equal(shown.metadata.annotations![MIRROR], staticUid);
    assert.equal(shown.metadata.annotations!['kubernetes.io/config.source'], 'file');
    assert.ok(shown.metadata.annotations!['kubernetes.io/config.seen']);
    assert.match(staticUid, /^[0-9a-f]{32}$/);
    assert.notEqual(shown.metadata.uid, staticUid, 'the API server gives the mirror its own UID');
    assert.deepEqual(shown.metadata.ownerReferences, [{ apiVersion: 'v1', kind: 'Node', name: node, uid: nodeObj.metadata.uid, controller: true }]);
    assert.equal(shown.spec.nodeName, node);
    // Node problems never evict a static pod: it tolerates every NoExecute taint.
    const tolerations = shown.spec['tolerations'] as Array<Record<string, unknown>>;
    assert.ok(tolerations.some((x) => x['operator'] === 'Exists' && x['effect'] === 'NoExecute' && !x['key'] && x['tolerationSeconds'] === undefined), JSON.stringify(tolerations));
    const table = await cluster.kubectlOk(['get', 'pods', '-o', 'wide']);
    assert.match(table, new RegExp(`${name}\\s+1/1\\s+Running\\s+0`));

    const [container] = await running(staticUid);
    assert.ok(container, 'the static pod\'s container runs under the static UID');
    // logs and exec through the mirror reach the static pod's container.
    assert.equal((await cluster.kubectlOk(['logs', name])).trim(), 'static-hello');
    assert.equal((await cluster.kubectlOk(['exec', name, '--', 'echo', 'from-exec'])).trim(), 'from-exec');
    await waitFor('kubectl top pod to measure the mirror', async () => {
      const r = await cluster.kubectl(['top', 'pod', name]);
      return r.code === 0 && new RegExp(`^${name}\\s+\\d+m\\s+\\d+Mi`, 'm').test(r.stdout);
    }, 60_000, 1000);

    // kubectl delete of the mirror: a new mirror, the same container.
    await cluster.kubectlOk(['delete', 'pod', name, '--timeout=60s']);
    const again = await cluster.waitForPod(name, 'mirrored again', (p) => p.metadata.uid !== shown.metadata.uid && p.status?.phase === 'Running', 60_000);
    assert.equal(again.metadata.annotations![MIRROR], staticUid);
    assert.deepEqual((await running(staticUid)).map((c) => c.id), [container.id], 'the container was not restarted');
    assert.equal(again.status!.containerStatuses![0]!.restartCount, 0);

    // A status someone else wrote (as the node lifecycle controller marks pods not ready
    // after an outage) is put right by the agent.
    await cluster.client.patch(resources.pods, name, { status: { conditions: [{ type: 'Ready', status: 'False', reason: 'NodeNotReady' }] } }, { namespace: 'default', subresource: 'status' });
    await cluster.waitForPod(name, 'Ready again', (p) => p.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True', 30_000);

    // An edited manifest is a new pod (new UID); the old one's containers go.
    writeManifest('web.json', 'web', sleeper(), { version: '2' });
    const edited = await cluster.waitForPod(name, 'replaced by the edited manifest', (p) => p.metadata.annotations?.[MIRROR] !== staticUid && p.metadata.labels?.['version'] === '2' && p.status?.phase === 'Running', 60_000);
    const newUid = edited.metadata.annotations![HASH]!;
    assert.notEqual(newUid, staticUid);
    await waitFor('the old static pod\'s containers to be gone', async () => (await runtime.objects([node], staticUid)).length === 0, 30_000);
    assert.equal((await running(newUid)).length, 1);

    // Removing the file: no container, no sandbox, no mirror.
    unlinkSync(join(dir, 'web.json'));
    await waitFor('the mirror pod to be gone', async () => (await mirrorJson(name)) === undefined, 30_000);
    await waitFor('the static pod\'s containers to be gone', async () => (await runtime.objects([node], newUid)).length === 0, 30_000);
    t.diagnostic(`static uid ${staticUid} → ${newUid}; mirror uids ${shown.metadata.uid} → ${again.metadata.uid} → ${edited.metadata.uid}`);
  });

  test('a bad manifest is reported on the Node and changes nothing else', async () => {
    writeFileSync(join(dir, 'bad.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: bad\nspec:\n  containers: []\n');
    writeFileSync(join(dir, 'secret.yaml'), `apiVersion: v1\nkind: Pod\nmetadata:\n  name: secret\nspec:\n  containers:\n  - name: c\n    image: ${busybox}\n  volumes:\n  - name: s\n    secret:\n      secretName: s\n`);
    const events = await waitFor('InvalidStaticPodManifest events on the Node', async () => {
      const list = await cluster.client.list<KubeEvent>(resources.events, { namespace: 'default' });
      const mine = list.items.filter((e) => e.reason === 'InvalidStaticPodManifest' && e.involvedObject.name === node);
      return mine.length >= 2 ? mine : undefined;
    }, 40_000);
    const messages = events.map((e) => e.message ?? '').sort();
    assert.ok(messages.some((m) => m.includes('bad.yaml') && m.includes('invalid pod: spec.containers: Required value')), messages.join('\n'));
    assert.ok(messages.some((m) => m.includes('secret.yaml') && m.includes('static pods may not reference secrets')), messages.join('\n'));
    assert.equal(cluster.agent(node).child?.exitCode, null, 'the agent is still running');
    assert.equal(await mirrorJson(`bad-${node}`), undefined);
    unlinkSync(join(dir, 'bad.yaml'));
    unlinkSync(join(dir, 'secret.yaml'));
  });

  test('a manifest removed while the agent is stopped: the restarted agent removes the pod and its mirror', async () => {
    const name = `gone-${node}`;
    writeManifest('gone.json', 'gone', sleeper());
    const mirror = await cluster.waitForPod(name, 'Running (mirror)', (p) => p.status?.phase === 'Running', 60_000);
    const uid = mirror.metadata.annotations![HASH]!;
    await cluster.agent(node).stop();
    unlinkSync(join(dir, 'gone.json'));
    cluster.agent(node).start();
    // Sooner than the 60 s resync: right after the agent's first list.
    await waitFor('the orphaned mirror pod to be deleted', async () => (await mirrorJson(name)) === undefined, 40_000);
    await waitFor('the orphaned containers to be removed', async () => (await runtime.objects([node], uid)).length === 0, 40_000);
  });

  test('with the control server down a crash loop goes on with back-off, across an agent kill -9; status reaches the mirror when the API is back', async (t) => {
    const name = `crash-${node}`;
    writeManifest('crash.json', 'crash', { containers: [{ name: 'main', image: busybox, command: ['sh', '-c', 'sleep 2; exit 1'] }] });
    const first = await cluster.waitForPod(name, 'restarted once', (p) => (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1, 60_000);
    const uid = first.metadata.annotations![HASH]!;

    // Each container attempt of the pod as the runtime shows it: when first seen, when first seen exited.
    const attempts = new Map<string, { seen: number; exited?: number }>();
    let sandboxes = new Set<string>();
    let maxRunning = 0;
    const observe = async () => {
      const objs = await runtime.objects([node], uid);
      const now = Date.now();
      for (const o of objs.filter((x) => x.kind === 'sandbox')) sandboxes.add(o.id);
      const containers = objs.filter((x) => x.kind === 'container');
      maxRunning = Math.max(maxRunning, containers.filter((c) => c.state === 'running').length);
      for (const c of containers) {
        const a = attempts.get(c.id) ?? { seen: now };
        if (c.state === 'exited' && a.exited === undefined) a.exited = now;
        attempts.set(c.id, a);
      }
    };
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        await observe().catch(() => undefined);
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    t.after(() => {
      watching = false;
    });
    await observe();
    sandboxes = new Set(); // count only what is seen from here on
    await observe();
    const before = attempts.size;

    await cluster.control.stop();
    const stoppedAt = Date.now();
    // Restarts go on without the control server: the next attempt comes after its back-off.
    await waitFor('a restart with the control server down', () => attempts.size > before, 60_000);
    await waitFor('that attempt to exit', () => [...attempts.values()].every((a) => a.exited !== undefined), 30_000);

    // The agent dies in the back-off and comes back while the control server is still down.
    await cluster.agent(node).stop('SIGKILL');
    const lastExit = Math.max(...[...attempts.values()].map((a) => a.exited!));
    const count = attempts.size;
    await new Promise((r) => setTimeout(r, 1000));
    cluster.agent(node).start();
    await waitFor('the restarted agent to restart the container', () => attempts.size > count, 90_000);
    const next = [...attempts.values()].find((a) => a.seen > lastExit)!;
    const gap = (next.seen - lastExit) / 1000;
    t.diagnostic(`control server down ${((Date.now() - stoppedAt) / 1000).toFixed(0)} s; ${attempts.size} attempts seen; next start ${gap.toFixed(1)} s after the previous exit (agent killed in the back-off)`);
    // The third restart waits 20 s. Times are when polling saw things, so the bound leaves
    // room; a back-off reset by the agent restart would show as ~1 s, a count reset as 10 s.
    assert.ok(gap >= 15, `the 20 s back-off held across the agent restart (${gap.toFixed(1)} s)`);

    // A manifest added while the control server is still down runs at once.
    writeManifest('offline.json', 'offline', sleeper());
    const offline = await waitFor('the pod added offline to run', async () => {
      const objs = await runtime.objects([node]);
      return objs.find((o) => o.kind === 'container' && o.state === 'running' && o.labels[LABEL_POD_NAME] === `offline-${node}`);
    }, 60_000);

    cluster.control.start();
    const back = await cluster.waitForPod(name, 'status from the agent once the API is back', (p) => (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 3, 90_000);
    watching = false;
    await watcher;
    const status = back.status!.containerStatuses![0]!;
    assert.equal(back.metadata.annotations![MIRROR], uid, 'the same static pod (same UID) after the agent restart');
    assert.ok(status.restartCount >= 3, `restartCount continued (${status.restartCount})`);
    assert.equal(sandboxes.size, 1, 'one sandbox throughout: nothing was started twice');
    assert.ok(maxRunning <= 1, 'never two running attempts');
    assert.ok((await podContainers(runtime, [node], uid)).length <= 2, 'the current attempt and one previous');
    const offlineMirror = await cluster.waitForPod(`offline-${node}`, 'mirrored once the API is back', (p) => p.status?.phase === 'Running', 60_000);
    assert.equal(offline.labels[LABEL_POD_UID], offlineMirror.metadata.annotations![MIRROR]);
    unlinkSync(join(dir, 'offline.json'));
    unlinkSync(join(dir, 'crash.json'));
    await waitFor('the crash pod to be gone', async () => (await runtime.objects([node], uid)).length === 0 && (await mirrorJson(name)) === undefined, 60_000);
  });
});
