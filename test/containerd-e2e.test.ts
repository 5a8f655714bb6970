// kubectl end to end on containerd: a real control server and an agent with --runtime
// containerd on Skiff's standalone containerd. apply → Running (pod IP from the node's
// range), logs -f, exec (exit codes, -i, -it in a real terminal), hostPort; the agent
// killed with -9 and restarted adopts the running pod (same sandbox, same container, no
// restart); delete removes everything from containerd.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import type { Pod } from '../api/types.js';
import { CriClient } from '../agent/runtime/cri/cri-client.js';
import { LABEL_NODE_NAME, LABEL_POD_UID } from '../agent/runtime/runtime.js';
import { CONTAINERD_SOCKET } from './fixtures/images.js';
import { kubectlPath } from './lib/kubectl.js';
import { freePort, startCluster, waitFor, type TestCluster } from './lib/cluster.js';
import { podYaml } from './kubelet-support.js';

const BUSYBOX = 'skiff-test/busybox:1';

interface CriItem {
  id: string;
  state: string;
  labels: Record<string, string>;
}

describe('kubectl end to end on containerd', () => {
  let cluster: TestCluster;
  let cri: CriClient;

  before(async () => {
    cluster = await startCluster({ agents: 1, runtime: 'containerd' });
    cri = new CriClient(CONTAINERD_SOCKET);
  });
  after(async () => {
    cri?.close();
    await cluster?.stop();
  });

  /** What containerd itself holds for this cluster's node and one pod. */
  async function inContainerd(uid: string): Promise<{ sandboxes: CriItem[]; containers: CriItem[] }> {
    const selector = { [LABEL_NODE_NAME]: cluster.nodeNames[0]!, [LABEL_POD_UID]: uid };
    const s = await cri.runtime<{ items: CriItem[] }>('ListPodSandbox', { filter: { label_selector: selector } });
    const c = await cri.runtime<{ containers: CriItem[] }>('ListContainers', { filter: { label_selector: selector } });
    return { sandboxes: s.items, containers: c.containers };
  }

  test('the node reports containerd as its runtime', async () => {
    const node = JSON.parse(await cluster.kubectlOk(['get', 'node', cluster.nodeNames[0]!, '-o', 'json'])) as { status: { nodeInfo: { containerRuntimeVersion: string } } };
    assert.match(node.status.nodeInfo.containerRuntimeVersion, /^containerd:\/\/1\.\d+/);
  });

  test('apply, Running, logs -f, exec, exec -it, hostPort, agent kill -9 and adoption, delete', async (t) => {
    const hostPort = await freePort();
    const started = Date.now();
    await cluster.kubectlOk(['apply', '-f', '-'], {
      input: podYaml('web', {
        containers: [
          {
            name: 'main',
            image: BUSYBOX,
            imagePullPolicy: 'IfNotPresent',
            command: ['sh', '-c', "trap 'exit 0' TERM; httpd -p 8080 -h /etc; i=0; while true; do echo tick-$i; i=$((i+1)); sleep 0.5; done"],
            ports: [{ containerPort: 8080, hostPort, hostIP: '127.0.0.1' }],
          },
        ],
      }),
    });
    const running = await cluster.waitForPod('web', 'Running', (p) => p.status?.phase === 'Running', 60_000);
    t.diagnostic(`kubectl apply → Running in ${Date.now() - started} ms`);
    const status = running.status!;
    assert.match(status.containerStatuses?.[0]?.containerID ?? '', /^containerd:\/\/[0-9a-f]{64}$/);
    assert.match(status.podIP ?? '', /^10\.2\d\d\.\d+\.\d+$/);
    const podCIDR = await cluster.kubectlOk(['get', 'node', cluster.nodeNames[0]!, '-o', 'jsonpath={.spec.podCIDR}']);
    assert.match(podCIDR, /\/24$/);
    assert.ok(status.podIP!.startsWith(`${podCIDR.split('.').slice(0, 3).join('.')}.`), `${status.podIP} not in ${podCIDR}`);

    // logs -f: lines keep coming while we follow.
    const follow = spawn(kubectlPath(), ['--kubeconfig', cluster.kubeconfig, 'logs', '-f', 'web'], { stdio: ['ignore', 'pipe', 'pipe'] });
    t.after(() => {
      if (follow.exitCode === null && follow.signalCode === null) process.kill(follow.pid!, 'SIGKILL');
    });
    let followed = '';
    follow.stdout.on('data', (c: Buffer) => (followed += c.toString()));
    const first = Number(await waitFor('a followed tick', () => /tick-(\d+)/.exec(followed)?.[1], 15_000, 50));
    await waitFor('a later tick while following', () => new RegExp(`tick-${first + 3}\\n`).test(followed), 15_000, 50);
    assert.equal(follow.exitCode, null, `kubectl logs -f ended while the container runs: ${followed}`);
    process.kill(follow.pid!, 'SIGKILL');
    assert.match(await cluster.kubectlOk(['logs', '--tail', '1', 'web']), /^tick-\d+\n$/);

    // exec: output, stderr and the exit code come through the agent's tunnel.
    const r = await cluster.kubectl(['exec', 'web', '--', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
    assert.equal(r.code, 3, r.stderr);
    assert.equal(r.stdout, 'out\n');
    assert.match(r.stderr, /err/);
    const piped = await cluster.kubectl(['exec', '-i', 'web', '--', 'sh'], { input: 'echo $((40+2)); exit 4\n' });
    assert.equal(piped.code, 4, piped.stderr);
    assert.equal(piped.stdout, '42\n');
    // The end of kubectl's stdin reaches the process: cat ends.
    const cat = await cluster.kubectl(['exec', '-i', 'web', '--', 'cat'], { input: 'hi\nthere\n' });
    assert.equal(cat.code, 0, cat.stderr);
    assert.equal(cat.stdout, 'hi\nthere\n');

    // exec -it in a real terminal: script(1) gives kubectl a pty.
    const term = spawn('script', ['-qec', `${kubectlPath()} --kubeconfig ${cluster.kubeconfig} exec -it web -- sh`, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
    t.after(() => {
      if (term.exitCode === null && term.signalCode === null) process.kill(term.pid!, 'SIGKILL');
    });
    let out = '';
    term.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((res) => term.on('exit', (code) => res(code)));
    await waitFor('the shell prompt', () => out.includes('# '), 15_000, 50);
    term.stdin.write('test -t 0 && test -t 1 && echo TTY-\\YES; exit 6\n');
    assert.equal(await exited, 6, out);
    assert.match(out, /TTY-YES\r\n/);

    // hostPort through CNI's portmap.
    const res = await waitFor('the hostPort to answer', async () => {
      const r2 = await fetch(`http://127.0.0.1:${hostPort}/group`);
      return r2.status === 200 ? r2.text() : undefined;
    }, 15_000);
    assert.match(res, /^root:/);

    // kill -9 of the agent: the pod keeps running and the next agent adopts it.
    const before = await inContainerd(running.metadata.uid!);
    assert.equal(before.sandboxes.length, 1);
    assert.equal(before.containers.length, 1);
    await cluster.agent().stop('SIGKILL');
    await new Promise((res2) => setTimeout(res2, 1500));
    cluster.agent().start();
    await cluster.waitForNodesReady();
    // Give the new agent a few sync rounds to do anything it wrongly thinks it must.
    await new Promise((res2) => setTimeout(res2, 5000));
    const adopted: Pod = await cluster.pod('web');
    assert.equal(adopted.status?.phase, 'Running');
    assert.equal(adopted.status?.containerStatuses?.[0]?.restartCount, 0);
    assert.equal(adopted.status?.containerStatuses?.[0]?.containerID, status.containerStatuses?.[0]?.containerID);
    assert.equal(adopted.status?.podIP, status.podIP);
    const afterRestart = await inContainerd(running.metadata.uid!);
    assert.deepEqual(afterRestart.sandboxes.map((s) => [s.id, s.state]), before.sandboxes.map((s) => [s.id, 'SANDBOX_READY']));
    assert.deepEqual(afterRestart.containers.map((c) => [c.id, c.state]), before.containers.map((c) => [c.id, 'CONTAINER_RUNNING']));
    assert.match(await cluster.kubectlOk(['exec', 'web', '--', 'echo', 'still-here']), /still-here/);

    // delete: graceful (the TERM trap exits 0), and containerd holds nothing of the pod.
    await cluster.kubectlOk(['delete', 'pod', 'web', '--wait=true', '--timeout=60s']);
    await waitFor('containerd to hold nothing of the pod', async () => {
      const left = await inContainerd(running.metadata.uid!);
      return left.sandboxes.length === 0 && left.containers.length === 0;
    }, 30_000);
  });
});
