// The walking skeleton end to end: the machine's kubectl drives a real cluster (skiff
// control + skiff agent as processes) that runs pods in real containers, on Docker or
// containerd (SKIFF_TEST_RUNTIME; lib/node-runtime.ts looks inside the runtime).

import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { ensureTestImages } from './fixtures/images.js';
import { freePort, startCluster, waitFor, type TestCluster } from './lib/cluster.js';
import { podManifest, sleepForever } from './lib/manifests.js';
import { nodeRuntime, type NodeRuntime } from './lib/node-runtime.js';

function httpGet(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: 3000 }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve(body));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

const runtime: NodeRuntime = nodeRuntime();

describe(`kubectl → skiff → ${runtime.name}`, () => {
  let cluster: TestCluster;
  let busybox: string;
  let hostPort: number;

  before(async () => {
    busybox = (await ensureTestImages()).busybox;
    hostPort = await freePort();
    cluster = await startCluster({ agents: 1 });
  });
  after(async () => {
    runtime.close();
    await cluster?.stop();
  });

  test('get nodes shows the node Ready', async () => {
    const out = await cluster.kubectlOk(['get', 'nodes']);
    const row = out.split('\n').find((l) => l.startsWith(cluster.nodeNames[0]!));
    assert.ok(row, out);
    assert.match(row, /\sReady\s/);
    const wide = await cluster.kubectlOk(['get', 'nodes', '-o', 'wide']);
    assert.match(wide, /INTERNAL-IP\s+EXTERNAL-IP\s+OS-IMAGE\s+KERNEL-VERSION\s+CONTAINER-RUNTIME/);
    assert.match(wide, new RegExp(`\\s${runtime.name}://\\d`));
  });

  test('apply runs a pod in a real container, get -o wide shows it, delete removes it', async () => {
    const manifest = podManifest({ name: 'web', image: busybox, command: ['httpd', '-f', '-p', '8080', '-h', '/etc'], grace: 2 });
    assert.match(await cluster.kubectlOk(['apply', '-f', '-'], { input: manifest }), /pod\/web created/);
    const pod = await cluster.waitForPod('web', 'Running', (p) => p.status?.phase === 'Running' && !!p.status.podIP);
    const status = pod.status!.containerStatuses![0]!;
    assert.equal(status.ready, true);
    assert.match(status.containerID!, new RegExp(`^${runtime.name}://[0-9a-f]{64}$`));
    assert.equal(pod.status!.hostIP !== undefined, true);
    assert.deepEqual(
      pod.status!.conditions!.filter((c) => ['Ready', 'ContainersReady', 'Initialized', 'PodScheduled'].includes(c.type)).map((c) => `${c.type}=${c.status}`).sort(),
      ['ContainersReady=True', 'Initialized=True', 'PodScheduled=True', 'Ready=True'],
    );

    // The container is real: the runtime runs it, and the pod IP serves HTTP from inside it.
    const containerId = runtime.idOf(status.containerID);
    const running = (await runtime.objects(cluster.nodeNames)).filter((c) => c.state === 'running');
    assert.ok(running.some((c) => c.id === containerId && c.kind === 'container'), `the pod container is running in ${runtime.name}`);
    const hostname = await waitFor('the pod to answer on its IP', () => httpGet(`http://${pod.status!.podIP}:8080/hostname`).catch(() => undefined), 10_000);
    assert.equal(hostname.trim().length > 0, true);

    const wide = await cluster.kubectlOk(['get', 'pods', '-o', 'wide']);
    const row = wide.split('\n').find((l) => l.startsWith('web '));
    assert.ok(row, wide);
    assert.match(row, /^web\s+1\/1\s+Running\s+0\s+\S+\s+(\S+)\s+(\S+)/);
    assert.ok(row.includes(pod.status!.podIP!), row);
    assert.ok(row.includes(cluster.nodeNames[0]!), row);

    const del = await cluster.kubectl(['delete', 'pod', 'web', '--timeout=60s']);
    assert.equal(del.code, 0, del.stderr);
    assert.match(del.stdout, /pod "web" deleted/);
    const left = await runtime.objects(cluster.nodeNames, pod.metadata.uid);
    assert.deepEqual(left.map((c) => `${c.kind} ${c.id}`), [], 'no sandbox or container of the pod is left');
    const gone = await cluster.kubectl(['get', 'pod', 'web']);
    assert.notEqual(gone.code, 0);
    assert.match(gone.stderr, /pods "web" not found/);
  });

  test('a container exiting 1 with restartPolicy Never ends Failed with exitCode 1', async () => {
    await cluster.kubectlOk(['apply', '-f', '-'], { input: podManifest({ name: 'fails', image: busybox, command: ['sh', '-c', 'exit 1'], restartPolicy: 'Never' }) });
    const pod = await cluster.waitForPod('fails', 'Failed', (p) => p.status?.phase === 'Failed');
    const terminated = pod.status!.containerStatuses![0]!.state.terminated!;
    assert.equal(terminated.exitCode, 1);
    assert.equal(terminated.reason, 'Error');
    assert.equal(pod.status!.containerStatuses![0]!.restartCount, 0);
    const out = await cluster.kubectlOk(['get', 'pod', 'fails']);
    assert.match(out, /fails\s+0\/1\s+Error\s+0/);
    // It stays failed: not restarted by later syncs.
    await new Promise((r) => setTimeout(r, 3000));
    const again = await cluster.pod('fails');
    assert.equal(again.status!.phase, 'Failed');
    assert.equal(again.status!.containerStatuses![0]!.restartCount, 0);
  });

  test('a pod requesting more memory than any node has stays Pending with the scheduler message', async () => {
    await cluster.kubectlOk(['apply', '-f', '-'], {
      input: podManifest({ name: 'huge', image: busybox, command: sleepForever, resources: { requests: { memory: '100Ti' } } }),
    });
    const pod = await cluster.waitForPod('huge', 'to be marked unschedulable', (p) => !!p.status?.conditions?.some((c) => c.type === 'PodScheduled' && c.status === 'False'));
    const cond = pod.status!.conditions!.find((c) => c.type === 'PodScheduled')!;
    assert.equal(cond.reason, 'Unschedulable');
    assert.equal(cond.message, '0/1 nodes are available: 1 Insufficient memory.');
    assert.equal(pod.status!.phase, 'Pending');
    assert.equal(pod.spec.nodeName, undefined);
    const out = await cluster.kubectlOk(['get', 'pod', 'huge']);
    assert.match(out, /huge\s+0\/1\s+Pending\s+0/);
    const describe = await cluster.kubectlOk(['describe', 'pod', 'huge']);
    assert.match(describe, /FailedScheduling/);
    await cluster.kubectlOk(['delete', 'pod', 'huge']);
  });

  test('the scheduler retries an unschedulable pod when the cluster changes', async () => {
    // Cordon the only node: the pod waits; uncordon: it runs.
    const node = cluster.nodeNames[0]!;
    await cluster.kubectlOk(['cordon', node]);
    await cluster.kubectlOk(['apply', '-f', '-'], { input: podManifest({ name: 'later', image: busybox, command: sleepForever }) });
    const pending = await cluster.waitForPod('later', 'to be unschedulable', (p) => !!p.status?.conditions?.some((c) => c.type === 'PodScheduled' && c.status === 'False'));
    assert.equal(pending.status!.conditions!.find((c) => c.type === 'PodScheduled')!.message, '0/1 nodes are available: 1 node(s) were unschedulable.');
    await cluster.kubectlOk(['uncordon', node]);
    await cluster.waitForPod('later', 'Running', (p) => p.status?.phase === 'Running');
    await cluster.kubectlOk(['delete', 'pod', 'later', '--wait=false']);
  });

  test('command, args, env (with $(VAR) expansion), workingDir, hostPort and resource limits reach the container', async () => {
    const manifest = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'shaped' },
      spec: {
        terminationGracePeriodSeconds: 1,
        containers: [
          {
            name: 'main',
            image: busybox,
            workingDir: '/tmp',
            command: ['sh', '-c'],
            args: ['mkdir -p www && echo "$(GREETING) from $PWD as $POD_NAME" > www/index.html && exec httpd -f -p 8080 -h www'],
            env: [
              { name: 'WHO', value: 'skiff' },
              { name: 'GREETING', value: 'hello $(WHO)' },
              { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
            ],
            ports: [{ containerPort: 8080, hostPort: hostPort }],
            resources: { requests: { cpu: '100m', memory: '32Mi' }, limits: { cpu: '500m', memory: '64Mi' } },
          },
        ],
      },
    };
    await cluster.kubectlOk(['apply', '-f', '-'], { input: JSON.stringify(manifest) });
    const pod = await cluster.waitForPod('shaped', 'Running', (p) => p.status?.phase === 'Running');
    assert.equal(pod.status!.qosClass, 'Burstable');
    const body = await waitFor('the pod to answer on its hostPort', () => httpGet(`http://127.0.0.1:${hostPort}/`).catch(() => undefined), 10_000);
    assert.equal(body.trim(), 'hello skiff from /tmp as shaped');
    const limits = await runtime.limits(runtime.idOf(pod.status!.containerStatuses![0]!.containerID));
    assert.deepEqual(limits, { memoryLimitBytes: 64 * 1024 * 1024, cpuQuota: 50_000, cpuPeriod: 100_000, cpuShares: 102 });
    await cluster.kubectlOk(['delete', 'pod', 'shaped']);
  });
});
