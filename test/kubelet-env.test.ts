// The container's view of itself, against real Docker: downward-API env from
// resourceFieldRef and fieldRef, $(VAR) expansion in command, and the pod's hostname.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ensureTestImages } from './fixtures/images.js';
import { startCluster, type TestCluster } from './lib/cluster.js';
import { podYaml } from './kubelet-support.js';

describe('kubelet env and identity', () => {
  let cluster: TestCluster;
  let busybox: string;

  before(async () => {
    busybox = (await ensureTestImages()).busybox;
    cluster = await startCluster({ agents: 1 });
  });
  after(async () => {
    await cluster?.stop();
  });

  test('resourceFieldRef, fieldRef, $(VAR) and hostname reach the container', async () => {
    await cluster.kubectlOk(['apply', '-f', '-'], {
      input: podYaml('envs', {
        restartPolicy: 'Never',
        hostname: 'custom-host',
        subdomain: 'sub',
        containers: [
          {
            name: 'main',
            image: busybox,
            command: ['sh', '-c', 'echo "mem=$MEM_MI cpu=$CPU_M nolimit=$NO_LIMIT_CPU pod=$POD_NAME greeting=$(GREETING) host=$(hostname)"'],
            resources: { limits: { memory: '48Mi', cpu: '500m' } },
            env: [
              { name: 'MEM_MI', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
              { name: 'CPU_M', valueFrom: { resourceFieldRef: { resource: 'requests.cpu', divisor: '1m' } } },
              { name: 'NO_LIMIT_CPU', valueFrom: { resourceFieldRef: { containerName: 'other', resource: 'limits.cpu' } } },
              { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
              { name: 'GREETING', value: 'hello-$(POD_NAME)' },
            ],
          },
          { name: 'other', image: busybox, command: ['true'] },
        ],
      }),
    });
    await cluster.waitForPod('envs', 'Succeeded', (p) => p.status?.phase === 'Succeeded', 30_000);
    const node = await cluster.kubectlOk(['get', 'node', cluster.nodeNames[0]!, '-o', 'jsonpath={.status.allocatable.cpu}']);
    const cores = Math.ceil(Number(node.endsWith('m') ? Number(node.slice(0, -1)) / 1000 : node));
    const out = (await cluster.kubectlOk(['logs', 'envs', '-c', 'main'])).trim();
    // requests default to limits; a container without a cpu limit gets the node's allocatable.
    assert.equal(out, `mem=48 cpu=500 nolimit=${cores} pod=envs greeting=hello-envs host=custom-host`);
  });
});
