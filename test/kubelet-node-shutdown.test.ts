// Graceful node shutdown against real Docker and kubectl: an agent stopped while the
// machine shuts down stops its pods within --shutdown-grace-period — ordinary pods first
// (within the period less the critical share), critical ones last — and leaves them Failed
// with the kubelet's reason, a DisruptionTarget condition, and the Node NotReady; a restarted
// agent does not bring them back. An agent stopped on its own leaves its pods running.
//
// This host has no systemd as PID 1, so the agent learns that "the machine is stopping"
// from a `systemctl` on its PATH that answers `is-system-running` with "stopping", as
// systemd does during a shutdown. Everything else is the real agent on the real dockerd.

import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { resources } from '../api/resources.js';
import type { Node, Pod } from '../api/types.js';
import { ensureTestImages } from './fixtures/images.js';
import { startCluster, waitFor, type TestCluster } from './lib/cluster.js';
import { sleepForever } from './lib/manifests.js';

const IGNORES_TERM = ['sh', '-c', "trap '' TERM; while true; do sleep 1; done"];
const SHUTDOWN_FLAGS = ['--shutdown-grace-period', '9s', '--shutdown-grace-period-critical-pods', '3s'];

function pod(name: string, namespace: string, command: string[], image: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace }, spec: { terminationGracePeriodSeconds: 60, containers: [{ name: 'main', image, command }], ...extra } });
}

describe('graceful node shutdown', () => {
  let cluster: TestCluster;
  let busybox: string;
  let shim: string;
  const originalPath = process.env['PATH'];

  before(async () => {
    busybox = (await ensureTestImages()).busybox;
    shim = await mkdtemp(join(tmpdir(), 'skiff-systemctl-'));
    await writeFile(join(shim, 'systemctl'), '#!/bin/sh\n[ "$1" = is-system-running ] && { echo stopping; exit 1; }\nexit 1\n');
    await chmod(join(shim, 'systemctl'), 0o755);
    cluster = await startCluster({ agents: 1 });
  });
  after(async () => {
    process.env['PATH'] = originalPath;
    await cluster?.stop();
    await rm(shim, { recursive: true, force: true });
  });

  /** Starts the agent and waits until its pod workers run (a stale Ready node says nothing). */
  async function restartAgent(args: string[]): Promise<void> {
    const agent = cluster.agent();
    const started = () => agent.logs().split('pods listed, starting pod workers').length;
    const before = started();
    agent.start(args);
    await waitFor('the agent to start its pod workers', () => started() > before || undefined, 60_000);
  }
  const get = (name: string, ns: string) => cluster.client.get<Pod>(resources.pods, name, ns);
  const running = (name: string, ns: string) => waitFor(`${name} running`, async () => ((await get(name, ns)).status?.containerStatuses?.[0]?.state.running ? true : undefined), 60_000);

  test('a plain agent stop leaves pods running; a machine shutdown stops them in order and leaves them Failed', async () => {
    await cluster.kubectlOk(['apply', '-f', '-'], { input: pod('stubborn', 'default', IGNORES_TERM, busybox) });
    await cluster.kubectlOk(['apply', '-f', '-'], { input: pod('polite', 'default', sleepForever, busybox) });
    await cluster.kubectlOk(['apply', '-f', '-'], { input: pod('critical', 'kube-system', IGNORES_TERM, busybox, { priorityClassName: 'system-node-critical' }) });
    for (const [n, ns] of [['stubborn', 'default'], ['polite', 'default'], ['critical', 'kube-system']] as const) await running(n, ns);
    assert.equal((await get('critical', 'kube-system')).spec.priority, 2000001000);

    // An agent restart (no shutdown going on) is not a node shutdown, whatever the flags.
    const agent = cluster.agent();
    await agent.stop();
    await restartAgent(SHUTDOWN_FLAGS);
    for (const [n, ns] of [['stubborn', 'default'], ['polite', 'default'], ['critical', 'kube-system']] as const) await running(n, ns);
    const startedAt = (await get('stubborn', 'default')).status?.containerStatuses?.[0]?.state.running?.startedAt;

    // Now the machine is "stopping": restart the agent with systemctl saying so, then stop it.
    await agent.stop();
    process.env['PATH'] = `${shim}:${originalPath}`;
    try {
      await restartAgent(SHUTDOWN_FLAGS);
    } finally {
      process.env['PATH'] = originalPath;
    }
    await running('stubborn', 'default');
    assert.equal((await get('stubborn', 'default')).status?.containerStatuses?.[0]?.state.running?.startedAt, startedAt, 'adopted across both restarts, never restarted');

    const failedAt = new Map<string, number>();
    let nodeNotReady = '';
    let sampling = true;
    const t0 = Date.now();
    const sampler = (async () => {
      while (sampling) {
        for (const [n, ns] of [['stubborn', 'default'], ['polite', 'default'], ['critical', 'kube-system']] as const) {
          if (failedAt.has(n)) continue;
          const p = await get(n, ns).catch(() => undefined);
          if (p?.status?.phase === 'Failed') failedAt.set(n, Date.now() - t0);
        }
        const node = await cluster.client.get<Node>(resources.nodes, cluster.nodeNames[0]!).catch(() => undefined);
        const ready = node?.status?.conditions?.find((c) => c.type === 'Ready');
        if (ready?.status === 'False') nodeNotReady = ready.message ?? '';
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    await agent.stop('SIGTERM', 60_000);
    const stoppedAfter = Date.now() - t0;
    await new Promise((r) => setTimeout(r, 500));
    sampling = false;
    await sampler;

    // Ordinary pods: 9 s − 3 s = 6 s (the stubborn one is SIGKILLed then); critical: 3 s more.
    const regular = failedAt.get('stubborn');
    const critical = failedAt.get('critical');
    assert.ok(regular !== undefined && regular >= 5_500 && regular < 9_000, `ordinary pods Failed after their 6 s (saw ${regular} ms)`);
    assert.ok(failedAt.get('polite') !== undefined && failedAt.get('polite')! <= regular + 500, 'the polite pod is written with them');
    assert.ok(critical !== undefined && critical - regular >= 2_500 && critical - regular < 5_000, `critical pods after their 3 s more (saw ${critical} − ${regular} ms)`);
    assert.ok(stoppedAfter < 20_000, `the agent exits once the pods are stopped (${stoppedAfter} ms)`);
    assert.equal(nodeNotReady, 'node is shutting down');
    for (const [n, ns] of [['stubborn', 'default'], ['polite', 'default'], ['critical', 'kube-system']] as const) {
      const p = await get(n, ns);
      assert.deepEqual([p.status?.phase, p.status?.reason, p.status?.message], ['Failed', 'Terminated', 'Pod was terminated in response to imminent node shutdown.'], n);
      const target = p.status?.conditions?.find((c) => c.type === 'DisruptionTarget');
      assert.deepEqual([target?.status, target?.reason], ['True', 'TerminationByKubelet'], n);
    }
    const left = (await cluster.containers()).filter((c) => c.State === 'running' && c.Labels?.['io.kubernetes.pod.name'] === 'stubborn');
    assert.equal(left.length, 0, 'no container of the pods runs any more');

    // The machine is back: the agent starts normally and the Failed pods stay Failed.
    await restartAgent([]);
    await new Promise((r) => setTimeout(r, 3_000));
    assert.equal((await get('stubborn', 'default')).status?.phase, 'Failed');
    assert.equal((await cluster.containers()).filter((c) => c.State === 'running' && c.Labels?.['io.kubernetes.pod.name'] === 'stubborn').length, 0, 'not restarted');
  });
});
