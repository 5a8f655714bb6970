// Hooks and termination against the real runtime, timed from the runtime's own record of
// what it did (dockerd's event log; containerd's task events and log, see
// lib/node-runtime.ts): preStop runs before SIGTERM and its time comes out of the grace
// period; a container that ignores SIGTERM gets SIGKILL at the end of its grace period;
// postStart failures kill the container (FailedPostStartHook); a container over its
// memory limit is OOMKilled.

import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Pod } from '../api/types.js';
import { ensureTestImages } from './fixtures/images.js';
import { startCluster, waitFor, type TestCluster } from './lib/cluster.js';
import { nodeRuntime, type ContainerEvent, type NodeRuntime } from './lib/node-runtime.js';
import { podEvents, podYaml } from './kubelet-support.js';

function at(events: ContainerEvent[], pred: (e: ContainerEvent) => boolean): number {
  const e = events.find(pred);
  assert.ok(e, `no such event in ${JSON.stringify(events)}`);
  return e.at;
}

const isSignal = (signal: number) => (e: ContainerEvent) => e.type === 'signal' && e.signal === signal;

describe('kubelet hooks and termination', () => {
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

  const mainId = (p: Pod) => runtime.idOf(p.status!.containerStatuses![0]!.containerID);

  test('a container ignoring SIGTERM is killed at the end of its grace period', async (t) => {
    await cluster.kubectlOk(['apply', '-f', '-'], {
      input: podYaml('stubborn', {
        terminationGracePeriodSeconds: 3,
        containers: [{ name: 'main', image: busybox, command: ['sh', '-c', "trap '' TERM; while true; do sleep 1; done"] }],
      }),
    });
    const pod = await cluster.waitForPod('stubborn', 'Running', (p) => !!p.status?.containerStatuses?.[0]?.state.running);
    const id = mainId(pod);
    const recording = await runtime.record();
    await cluster.kubectlOk(['delete', 'pod', 'stubborn', '--timeout=30s']);
    const events = await recording.stop([id]);
    const term = at(events, isSignal(15));
    const kill = at(events, isSignal(9));
    const die = at(events, (e) => e.type === 'exit' && e.exitCode === 137);
    const grace = (kill - term) / 1000;
    t.diagnostic(`grace 3 s: SIGKILL ${grace.toFixed(3)} s after SIGTERM`);
    assert.ok(grace >= 2.95 && grace < 3.8, `SIGKILL ${grace.toFixed(2)} s after SIGTERM`);
    assert.ok(die >= kill, 'it died from the SIGKILL');
  });

  test('preStop runs before SIGTERM and its time counts against the grace period', async (t) => {
    // preStop takes 10 s but the grace period is 4: the hook is cut at 4 s, then the
    // container (which ignores SIGTERM) gets the kubelet's minimum 2 s before SIGKILL.
    await cluster.kubectlOk(['apply', '-f', '-'], {
      input: podYaml('prestop', {
        terminationGracePeriodSeconds: 4,
        containers: [
          {
            name: 'main',
            image: busybox,
            command: ['sh', '-c', "trap '' TERM; while true; do sleep 1; done"],
            lifecycle: { preStop: { exec: { command: ['sleep', '10'] } } },
          },
        ],
      }),
    });
    const pod = await cluster.waitForPod('prestop', 'Running', (p) => !!p.status?.containerStatuses?.[0]?.state.running);
    const id = mainId(pod);
    const recording = await runtime.record();
    await cluster.kubectlOk(['delete', 'pod', 'prestop', '--timeout=30s']);
    const events = await recording.stop([id]);
    const hook = at(events, (e) => e.type === 'exec' && e.command === 'sleep 10');
    const term = at(events, isSignal(15));
    const kill = at(events, isSignal(9));
    assert.ok(hook < term, 'the preStop hook started before SIGTERM');
    const hookSeconds = (term - hook) / 1000;
    // The hook's 4 s run from the agent's exec call; the runtime starts the exec a little later.
    assert.ok(hookSeconds >= 3.3 && hookSeconds < 4.8, `SIGTERM ${hookSeconds.toFixed(2)} s after preStop started`);
    const termSeconds = (kill - term) / 1000;
    t.diagnostic(`grace 4 s, preStop sleep 10: SIGTERM ${hookSeconds.toFixed(3)} s after preStop, SIGKILL ${termSeconds.toFixed(3)} s after SIGTERM`);
    assert.ok(termSeconds >= 1.95 && termSeconds < 2.8, `SIGKILL ${termSeconds.toFixed(2)} s after SIGTERM`);
  });

  test('postStart runs after start; a failing postStart kills the container with FailedPostStartHook', async () => {
    await cluster.kubectlOk(['apply', '-f', '-'], {
      input: podYaml('hooks', {
        containers: [
          {
            name: 'good',
            image: busybox,
            command: ['sh', '-c', "trap 'exit 0' TERM; while true; do sleep 1; done"],
            lifecycle: { postStart: { exec: { command: ['touch', '/tmp/post-started'] } } },
            readinessProbe: { exec: { command: ['cat', '/tmp/post-started'] }, periodSeconds: 1 },
          },
          {
            name: 'bad',
            image: busybox,
            command: ['sh', '-c', "trap 'exit 0' TERM; while true; do sleep 1; done"],
            lifecycle: { postStart: { exec: { command: ['sh', '-c', 'echo no; exit 7'] } } },
          },
        ],
      }),
    });
    const pod = await cluster.waitForPod('hooks', 'bad restarted', (p) => (p.status?.containerStatuses?.find((c) => c.name === 'bad')?.restartCount ?? 0) >= 1, 40_000);
    const good = pod.status!.containerStatuses!.find((c) => c.name === 'good')!;
    await cluster.waitForPod('hooks', 'good ready', (p) => !!p.status?.containerStatuses?.find((c) => c.name === 'good')?.ready, 10_000);
    assert.equal(good.restartCount, 0);
    const ev = await waitFor('FailedPostStartHook', async () => {
      const all = await podEvents(cluster, 'hooks');
      return all.find((e) => e.reason === 'FailedPostStartHook');
    }, 10_000);
    assert.equal(ev.type, 'Warning');
    assert.match(ev.message!, /^Exec lifecycle hook \(\[sh -c echo no; exit 7\]\) for Container "bad" in Pod "hooks_default\([0-9a-f-]+\)" failed - error: command 'sh -c echo no; exit 7' exited with 7: , message: "no\\n"$/);
    await cluster.kubectlOk(['delete', 'pod', 'hooks', '--wait=false']);
  });

  test('a container over its memory limit is OOMKilled', async () => {
    await cluster.kubectlOk(['apply', '-f', '-'], {
      input: podYaml('oom', {
        restartPolicy: 'Never',
        containers: [
          {
            name: 'main',
            image: busybox,
            // tail -n 1 holds everything until a newline that never comes, so memory grows
            // a page at a time. (dd bs=64M asks for its whole buffer in one malloc, which a
            // host with strict overcommit refuses: dd then exits 1, not OOMKilled.)
            command: ['sh', '-c', 'head -c 67108864 /dev/zero | tail -n 1 > /dev/null'],
            resources: { limits: { memory: '16Mi' } },
          },
        ],
      }),
    });
    const pod = await cluster.waitForPod('oom', 'Failed', (p) => p.status?.phase === 'Failed', 30_000);
    const t = pod.status!.containerStatuses![0]!.state.terminated!;
    assert.equal(t.reason, 'OOMKilled', `terminated: ${JSON.stringify(t)}`);
    assert.equal(t.exitCode, 137);
    assert.match((await cluster.kubectlOk(['get', 'pod', 'oom'])).split('\n')[1]!, /^oom\s+0\/1\s+OOMKilled\s+0\s/);
  });

  test('httpGet hooks: postStart after start, preStop before SIGTERM, with path and headers', async () => {
    // Hooks are sent from the agent's host; httpGet.host points them at this test's server.
    const hits: { path: string; header: string | undefined; at: number }[] = [];
    const server = http.createServer((req, res) => {
      hits.push({ path: req.url ?? '', header: req.headers['x-hook'] as string | undefined, at: Date.now() });
      res.writeHead(req.url === '/pre' ? 500 : 200); // a hook only needs an answer
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    try {
      await cluster.kubectlOk(['apply', '-f', '-'], {
        input: podYaml('http-hooks', {
          terminationGracePeriodSeconds: 5,
          containers: [
            {
              name: 'main',
              image: busybox,
              command: ['sh', '-c', "trap 'exit 0' TERM; while true; do sleep 1; done"],
              lifecycle: {
                postStart: { httpGet: { host: '127.0.0.1', port, path: '/post' } },
                preStop: { httpGet: { host: '127.0.0.1', port, path: '/pre', httpHeaders: [{ name: 'X-Hook', value: 'stop' }] } },
              },
            },
          ],
        }),
      });
      const pod = await cluster.waitForPod('http-hooks', 'Running', (p) => !!p.status?.containerStatuses?.[0]?.state.running);
      assert.deepEqual(hits.map((h) => h.path), ['/post']);
      const recording = await runtime.record();
      await cluster.kubectlOk(['delete', 'pod', 'http-hooks', '--timeout=30s']);
      const pre = hits.find((h) => h.path === '/pre');
      assert.ok(pre, JSON.stringify(hits));
      assert.equal(pre.header, 'stop');
      const events = await recording.stop([mainId(pod)]);
      const term = at(events, isSignal(15));
      assert.ok(pre.at <= term, 'preStop was answered before SIGTERM');
      assert.ok(!events.some(isSignal(9)), 'a 500 from preStop does not fail it; the container stopped on SIGTERM');
      assert.equal(at(events, (e) => e.type === 'exit' && e.exitCode === 0) >= term, true, 'it exited 0, on its SIGTERM trap');
      const ev = await podEvents(cluster, 'http-hooks');
      assert.ok(!ev.some((e) => e.reason === 'FailedPreStopHook' || e.reason === 'FailedPostStartHook'));
    } finally {
      server.close();
    }
  });
});
