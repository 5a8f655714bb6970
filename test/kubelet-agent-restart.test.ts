// kill -9 of the agent in the middle of a crash loop and of a liveness restart loop: the
// restarted agent carries on from the containers themselves, so restart counts continue,
// the back-off still holds, and nothing is started twice (one sandbox, one running attempt).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { resources } from '../api/resources.js';
import type { Pod } from '../api/types.js';
import { ensureTestImages } from './fixtures/images.js';
import { startCluster, waitFor, type TestCluster } from './lib/cluster.js';
import { nodeRuntime, type NodeRuntime } from './lib/node-runtime.js';
import { podEvents, podYaml } from './kubelet-support.js';

describe('kubelet across agent kill -9', () => {
  let cluster: TestCluster;
  let busybox: string;
  let runtime: NodeRuntime;

  before(async () => {
    busybox = (await ensureTestImages()).busybox;
    cluster = await startCluster({ agents: 1 });
    runtime = nodeRuntime();
  });
  after(async () => {
    runtime?.close();
    await cluster?.stop();
  });

  async function ownObjects(p: Pod) {
    return runtime.objects(cluster.nodeNames, p.metadata.uid);
  }

  test('restart counts, back-off and liveness restarts continue; nothing is duplicated', async (t) => {
    await cluster.kubectlOk(['apply', '-f', '-'], {
      input: [
        podYaml('crash', { containers: [{ name: 'main', image: busybox, command: ['sh', '-c', 'sleep 1; exit 1'] }] }),
        podYaml('steady', {
          containers: [
            {
              name: 'main',
              image: busybox,
              command: ['sh', '-c', "trap 'exit 0' TERM; while true; do sleep 1; done"],
              startupProbe: { exec: { command: ['true'] }, periodSeconds: 1, timeoutSeconds: 5 },
              readinessProbe: { exec: { command: ['true'] }, periodSeconds: 1, timeoutSeconds: 5 },
            },
          ],
        }),
        podYaml('unlive', {
          containers: [
            {
              name: 'main',
              image: busybox,
              command: ['sh', '-c', "trap 'exit 0' TERM; while true; do sleep 1; done"],
              livenessProbe: { exec: { command: ['false'] }, periodSeconds: 1, failureThreshold: 1 },
            },
          ],
        }),
      ].join('\n---\n'),
    });
    const crashing = await cluster.waitForPod('crash', 'in back-off after its first restart', (p) => {
      const s = p.status?.containerStatuses?.[0];
      return s?.restartCount === 1 && s.state.waiting?.reason === 'CrashLoopBackOff';
    }, 30_000);
    await cluster.waitForPod('unlive', 'restarted by liveness', (p) => (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1, 30_000);

    await cluster.waitForPod('steady', 'Ready', (p) => p.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True', 30_000);
    // Every status the API holds for the ready pod from here on must stay ready.
    const unready: string[] = [];
    const watching = new AbortController();
    const watchDone = cluster.client
      .watch<Pod>(resources.pods, { namespace: 'default', fieldSelector: 'metadata.name=steady' }, (e) => {
        const s = e.object.status?.containerStatuses?.[0];
        if (e.type === 'MODIFIED' && (!s?.ready || !s.started)) unready.push(JSON.stringify(s));
      }, watching.signal)
      .catch(() => undefined);
    t.after(() => watching.abort());
    await new Promise((r) => setTimeout(r, 500)); // let the watch connect

    await cluster.agent().stop('SIGKILL');
    const unliveBefore = (await cluster.pod('unlive')).status!.containerStatuses![0]!.restartCount;
    await new Promise((r) => setTimeout(r, 1500));
    cluster.agent().start();

    const lastExit = Date.parse(crashing.status!.containerStatuses![0]!.lastState.terminated!.finishedAt!);
    const second = await cluster.waitForPod('crash', 'restarted a second time', (p) => (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 2, 40_000);
    const s = second.status!.containerStatuses![0]!;
    const started = Date.parse(s.state.running?.startedAt ?? s.lastState.terminated?.startedAt ?? s.state.terminated?.startedAt ?? '');
    const waited = (started - lastExit) / 1000;
    t.diagnostic(`second restart ${waited.toFixed(1)} s after the previous exit (back-off 10 s, agent killed in between)`);
    // RFC 3339 times have whole seconds.
    assert.ok(waited >= 9, `the 10 s back-off held across the agent restart (waited ${waited} s)`);
    assert.equal(s.restartCount, 2, 'the count continued, not reset');

    const unlive = await cluster.waitForPod('unlive', 'restarted again after the agent came back', (p) => (p.status?.containerStatuses?.[0]?.restartCount ?? 0) > unliveBefore, 40_000);
    const ev = await podEvents(cluster, 'unlive');
    assert.ok(ev.some((e) => e.reason === 'Killing' && e.message === 'Container main failed liveness probe, will be restarted'));

    watching.abort();
    await watchDone;
    assert.deepEqual(unready, [], 'a ready pod stays ready (and started) across the agent restart');
    const steady = await cluster.pod('steady');
    assert.equal(steady.status!.containerStatuses![0]!.ready, true);

    for (const p of [second, unlive]) {
      const mine = await ownObjects(p);
      const sandboxes = mine.filter((c) => c.kind === 'sandbox');
      const containers = mine.filter((c) => c.kind === 'container');
      assert.equal(sandboxes.length, 1, `${p.metadata.name}: one sandbox`);
      assert.ok(containers.length >= 1, `${p.metadata.name}: the runtime holds its containers`);
      assert.ok(containers.filter((c) => c.state === 'running').length <= 1, `${p.metadata.name}: at most one running attempt`);
      assert.ok(containers.length <= 2, `${p.metadata.name}: the current attempt and one previous (${containers.length})`);
    }
  });

  test('graceful termination survives an agent kill -9: SIGKILL still comes at the end of the grace period', async (t) => {
    await cluster.kubectlOk(['apply', '-f', '-'], {
      input: podYaml('slow-stop', {
        terminationGracePeriodSeconds: 8,
        containers: [{ name: 'main', image: busybox, command: ['sh', '-c', "trap '' TERM; while true; do sleep 1; done"] }],
      }),
    });
    const pod = await cluster.waitForPod('slow-stop', 'Running', (p) => !!p.status?.containerStatuses?.[0]?.state.running);
    const id = runtime.idOf(pod.status!.containerStatuses![0]!.containerID);
    const recording = await runtime.record();
    await cluster.kubectlOk(['delete', 'pod', 'slow-stop', '--wait=false']);
    // Mid-termination: the agent dies 2 s in and comes back 1 s later.
    await new Promise((r) => setTimeout(r, 2000));
    await cluster.agent().stop('SIGKILL');
    await new Promise((r) => setTimeout(r, 1000));
    cluster.agent().start();
    await waitFor('the pod object to be gone', async () => (await cluster.kubectl(['get', 'pod', 'slow-stop'])).code !== 0, 30_000);
    const events = await recording.stop([id]);
    const firstTerm = events.find((e) => e.type === 'signal' && e.signal === 15);
    const kill = events.find((e) => e.type === 'signal' && e.signal === 9);
    assert.ok(firstTerm && kill, JSON.stringify(events));
    const grace = (kill.at - firstTerm.at) / 1000;
    t.diagnostic(`grace 8 s, agent killed 2 s in: SIGKILL ${grace.toFixed(2)} s after the first SIGTERM`);
    // On time, not a fresh or rounded-up period: the runtime keeps the first stop's deadline
    // (dockerd times it itself; on containerd the agent records it, cri/stop-deadlines.ts).
    assert.ok(grace >= 7.9 && grace < 9, `SIGKILL ${grace.toFixed(2)} s after SIGTERM`);
    const left = await ownObjects(pod);
    assert.deepEqual(left.map((c) => `${c.kind} ${c.id}`), []);
  });
});
