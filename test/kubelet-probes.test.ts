// Probes against the real runtime (Docker or containerd): readiness (httpGet by port
// name) drives ready and the Ready conditions both ways; liveness (exec) kills and restarts with Unhealthy and Killing
// events; a startup probe holds started, ready and the other probes until it passes;
// tcpSocket readiness.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Pod } from '../api/types.js';
import { ensureTestImages } from './fixtures/images.js';
import { startCluster, waitFor, type TestCluster } from './lib/cluster.js';
import { nodeRuntime, podContainers, type NodeRuntime } from './lib/node-runtime.js';
import { podEvents, podYaml } from './kubelet-support.js';

const TRAP = "trap 'exit 0' TERM;";

function condition(p: Pod, type: string): string | undefined {
  return p.status?.conditions?.find((c) => c.type === type)?.status;
}

describe('kubelet probes', () => {
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

  test('readiness httpGet: unready until the path answers, ready, unready again on 404', async () => {
    // The file appears after 3 s and disappears after 9 s.
    const script = `${TRAP} mkdir -p /www; (sleep 3; echo ok > /www/ready; sleep 6; rm /www/ready) & httpd -f -p 8080 -h /www & while true; do sleep 1; done`;
    const tcpScript = `${TRAP} mkdir -p /w2; httpd -f -p 8081 -h /w2 & while true; do sleep 1; done`;
    await cluster.kubectlOk(['apply', '-f', '-'], {
      input: podYaml('ready', {
        containers: [
          {
            name: 'web',
            image: busybox,
            command: ['sh', '-c', script],
            ports: [{ name: 'http', containerPort: 8080 }],
            readinessProbe: { httpGet: { path: '/ready', port: 'http', httpHeaders: [{ name: 'X-Test', value: '1' }] }, periodSeconds: 1, failureThreshold: 1 },
          },
          { name: 'tcp', image: busybox, command: ['sh', '-c', tcpScript], readinessProbe: { tcpSocket: { port: 8081 }, periodSeconds: 1 } },
        ],
      }),
    });
    const unready = await cluster.waitForPod('ready', 'running, web unready', (p) => p.status?.phase === 'Running' && p.status.containerStatuses?.length === 2);
    const web = (p: Pod) => p.status!.containerStatuses!.find((c) => c.name === 'web')!;
    assert.equal(web(unready).ready, false, 'a container with a readiness probe starts unready');
    assert.equal(condition(unready, 'Ready'), 'False');
    const readyAt = Date.now();
    const ready = await cluster.waitForPod('ready', 'Ready', (p) => condition(p, 'Ready') === 'True', 20_000);
    assert.equal(web(ready).ready, true);
    assert.equal(condition(ready, 'ContainersReady'), 'True');
    assert.equal(ready.status!.containerStatuses!.find((c) => c.name === 'tcp')!.ready, true, 'tcpSocket readiness passes');
    const row = (await cluster.kubectlOk(['get', 'pod', 'ready'])).split('\n')[1]!;
    assert.match(row, /^ready\s+2\/2\s+Running\s+0\s/);
    const notReady = await cluster.waitForPod('ready', 'unready again', (p) => condition(p, 'Ready') === 'False', 20_000);
    assert.equal(web(notReady).ready, false);
    assert.equal(web(notReady).restartCount, 0, 'readiness never restarts');
    assert.match(notReady.status!.conditions!.find((c) => c.type === 'Ready')!.message!, /containers with unready status: \[web\]/);
    const events = await waitFor('Unhealthy event', async () => {
      const ev = await podEvents(cluster, 'ready');
      return ev.find((e) => e.reason === 'Unhealthy' && /^Readiness probe failed: HTTP probe failed with statuscode: 404$/.test(e.message ?? '')) ? ev : undefined;
    }, 10_000);
    assert.ok(events.every((e) => !(e.reason === 'Killing')), 'no container was killed');
    assert.ok(Date.now() - readyAt < 30_000);
  });

  test('liveness exec: failure kills and restarts the container, with Unhealthy and Killing events', async () => {
    const script = `${TRAP} touch /tmp/healthy; sleep 3; rm /tmp/healthy; while true; do sleep 1; done`;
    await cluster.kubectlOk(['apply', '-f', '-'], {
      input: podYaml('live', {
        containers: [{ name: 'main', image: busybox, command: ['sh', '-c', script], livenessProbe: { exec: { command: ['cat', '/tmp/healthy'] }, periodSeconds: 1, failureThreshold: 2 } }],
      }),
    });
    const first = await cluster.waitForPod('live', 'Running', (p) => p.status?.phase === 'Running' && !!p.status.containerStatuses?.[0]?.containerID);
    const firstId = first.status!.containerStatuses![0]!.containerID;
    const restarted = await cluster.waitForPod('live', 'restarted', (p) => (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1 && !!p.status?.containerStatuses?.[0]?.state.running, 30_000);
    const s = restarted.status!.containerStatuses![0]!;
    assert.notEqual(s.containerID, firstId);
    assert.equal(s.lastState.terminated?.containerID, firstId);
    const ev = await podEvents(cluster, 'live');
    assert.ok(ev.some((e) => e.reason === 'Unhealthy' && e.type === 'Warning' && /^Liveness probe failed: cat: can't open '\/tmp\/healthy': No such file or directory/.test(e.message ?? '')), JSON.stringify(ev.map((e) => e.message)));
    assert.ok(ev.some((e) => e.reason === 'Killing' && e.message === 'Container main failed liveness probe, will be restarted'), JSON.stringify(ev.map((e) => e.message)));
    const attempts = await podContainers(runtime, cluster.nodeNames, restarted.metadata.uid!, 'main');
    const running = attempts.filter((c) => c.state === 'running');
    assert.equal(running.length, 1, 'exactly one attempt runs');
    assert.equal(running[0]!.id, runtime.idOf(s.containerID), 'the running attempt is the one the status reports');
    await cluster.kubectlOk(['delete', 'pod', 'live', '--wait=false']);
  });

  test('startup probe: started, ready and liveness wait until it passes', async () => {
    // Liveness would fail before /tmp/started exists; it must not run until startup passes.
    const script = `${TRAP} sleep 4; touch /tmp/started; while true; do sleep 1; done`;
    await cluster.kubectlOk(['apply', '-f', '-'], {
      input: podYaml('startup', {
        containers: [
          {
            name: 'main',
            image: busybox,
            command: ['sh', '-c', script],
            startupProbe: { exec: { command: ['cat', '/tmp/started'] }, periodSeconds: 1, failureThreshold: 30 },
            // A generous timeout: on a loaded machine an exec can take over a second.
            livenessProbe: { exec: { command: ['cat', '/tmp/started'] }, periodSeconds: 1, failureThreshold: 1, timeoutSeconds: 5 },
            readinessProbe: { exec: { command: ['true'] }, periodSeconds: 1 },
          },
        ],
      }),
    });
    const before = await cluster.waitForPod('startup', 'Running', (p) => !!p.status?.containerStatuses?.[0]?.state.running);
    const s0 = before.status!.containerStatuses![0]!;
    assert.equal(s0.started, false);
    assert.equal(s0.ready, false);
    const after = await cluster.waitForPod('startup', 'started and ready', (p) => !!p.status?.containerStatuses?.[0]?.ready, 20_000);
    const s1 = after.status!.containerStatuses![0]!;
    assert.equal(s1.started, true);
    const ev = await podEvents(cluster, 'startup');
    assert.equal(s1.restartCount, 0, `liveness did not run before startup passed: ${JSON.stringify(ev.map((e) => e.message))}`);
    assert.ok(ev.some((e) => e.reason === 'Unhealthy' && /^Startup probe failed: /.test(e.message ?? '')));
    assert.ok(!ev.some((e) => /^Liveness probe failed/.test(e.message ?? '')), 'liveness never probed before startup passed');
    await cluster.kubectlOk(['delete', 'pod', 'startup', '--wait=false']);
  });

  test('initialDelaySeconds and successThreshold hold readiness back; timeoutSeconds and a failed startup probe restart', async (t) => {
    await cluster.kubectlOk(['apply', '-f', '-'], {
      input: podYaml('timing', {
        containers: [
          {
            name: 'slow',
            image: busybox,
            command: ['sh', '-c', "trap 'exit 0' TERM; while true; do sleep 1; done"],
            readinessProbe: { exec: { command: ['true'] }, initialDelaySeconds: 4, periodSeconds: 1, successThreshold: 3 },
          },
          {
            name: 'hung',
            image: busybox,
            command: ['sh', '-c', "trap 'exit 0' TERM; while true; do sleep 1; done"],
            // The check never answers within its 1 s timeout: two timeouts and it is restarted.
            startupProbe: { exec: { command: ['sleep', '5'] }, timeoutSeconds: 1, periodSeconds: 1, failureThreshold: 2 },
          },
        ],
      }),
    });
    const running = await cluster.waitForPod('timing', 'running', (p) => !!p.status?.containerStatuses?.find((c) => c.name === 'slow')?.state.running);
    const startedAt = Date.parse(running.status!.containerStatuses!.find((c) => c.name === 'slow')!.state.running!.startedAt!);
    const ready = await cluster.waitForPod('timing', 'slow ready', (p) => !!p.status?.containerStatuses?.find((c) => c.name === 'slow')?.ready, 20_000);
    const becameReady = Date.parse(ready.status!.conditions!.find((c) => c.type === 'ContainersReady')?.lastTransitionTime ?? '') || Date.now();
    const seconds = (Date.now() - startedAt) / 1000;
    t.diagnostic(`readiness (initialDelay 4 s, successThreshold 3, period 1 s) passed ${seconds.toFixed(1)} s after start`);
    assert.ok(seconds >= 5, `ready after ${seconds} s: initial delay plus three successes`);
    assert.ok(becameReady >= startedAt);
    await cluster.waitForPod('timing', 'hung restarted by its startup probe', (p) => (p.status?.containerStatuses?.find((c) => c.name === 'hung')?.restartCount ?? 0) >= 1, 30_000);
    const ev = await podEvents(cluster, 'timing');
    assert.ok(ev.some((e) => e.reason === 'Unhealthy' && e.message === 'Startup probe failed: command "sleep 5" timed out'), JSON.stringify(ev.map((e) => e.message)));
    assert.ok(ev.some((e) => e.reason === 'Killing' && e.message === 'Container hung failed startup probe, will be restarted'));
    await cluster.kubectlOk(['delete', 'pod', 'timing', '--wait=false']);
  });
});
