// Image pulls by the agent, from a registry on loopback: imagePullPolicy as Kubernetes
// defaults it, Pulling/Pulled events, and ErrImagePull → ImagePullBackOff for an image
// that does not exist.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Docker from 'dockerode';
import { ensureTestImages } from './fixtures/images.js';
import { DOCKER_SOCKET, startCluster, type TestCluster } from './lib/cluster.js';
import { podManifest, sleepForever } from './lib/manifests.js';
import { startLoopbackRegistry, type LoopbackRegistry } from './lib/registry.js';

describe('image pulls', () => {
  let cluster: TestCluster;
  let registry: LoopbackRegistry;
  let busybox: string;
  const docker = new Docker({ socketPath: DOCKER_SOCKET });

  before(async () => {
    busybox = (await ensureTestImages()).busybox;
    registry = await startLoopbackRegistry();
    cluster = await startCluster({ agents: 1 });
  });
  after(async () => {
    await cluster?.stop();
    await registry?.stop();
  });

  test('an image the node lacks is pulled (IfNotPresent), with Pulling and Pulled events', async () => {
    const image = await registry.push(busybox, `pull-${cluster.id}`, 'v1');
    await assert.rejects(docker.getImage(image).inspect(), 'not on the node before the pod');
    await cluster.kubectlOk(['apply', '-f', '-'], { input: podManifest({ name: 'pulled', image, command: sleepForever }) });
    const pod = await cluster.waitForPod('pulled', 'Running', (p) => p.status?.phase === 'Running');
    assert.equal(pod.spec.containers[0]!.imagePullPolicy, 'IfNotPresent');
    assert.match(pod.status!.containerStatuses![0]!.imageID, /^docker-pullable:\/\/sha256:[0-9a-f]{64}$/);
    const events = await cluster.kubectlOk(['get', 'events', '--field-selector', 'involvedObject.name=pulled', '-o', 'jsonpath={range .items[*]}{.reason}{"\\n"}{end}']);
    assert.match(events, /Pulling/);
    assert.match(events, /Pulled/);
    await cluster.kubectlOk(['delete', 'pod', 'pulled']);
    await docker.getImage(image).remove().catch(() => undefined);
  });

  test('a :latest image defaults to Always and is pulled even when present', async () => {
    const image = await registry.push(busybox, `latest-${cluster.id}`, 'latest');
    // Present on the node under that name: Always pulls anyway.
    await docker.getImage(busybox).tag({ repo: image.slice(0, image.lastIndexOf(':')), tag: 'latest' });
    await cluster.kubectlOk(['apply', '-f', '-'], { input: podManifest({ name: 'always', image, command: sleepForever }) });
    const pod = await cluster.waitForPod('always', 'Running', (p) => p.status?.phase === 'Running');
    assert.equal(pod.spec.containers[0]!.imagePullPolicy, 'Always');
    const events = await cluster.kubectlOk(['get', 'events', '--field-selector', 'involvedObject.name=always', '-o', 'jsonpath={range .items[*]}{.reason}{"\\n"}{end}']);
    assert.match(events, /Pulling/, 'pulled although present');
    await cluster.kubectlOk(['delete', 'pod', 'always']);
    await docker.getImage(image).remove().catch(() => undefined);
  });

  test('a missing image gives ErrImagePull, then ImagePullBackOff', async () => {
    const image = `${registry.host}/nothing-here:v1`;
    await cluster.kubectlOk(['apply', '-f', '-'], { input: podManifest({ name: 'missing', image, command: sleepForever }) });
    const first = await cluster.waitForPod('missing', 'ErrImagePull', (p) => ['ErrImagePull', 'ImagePullBackOff'].includes(p.status?.containerStatuses?.[0]?.state.waiting?.reason ?? ''));
    assert.equal(first.status!.phase, 'Pending');
    const backoff = await cluster.waitForPod('missing', 'ImagePullBackOff', (p) => p.status?.containerStatuses?.[0]?.state.waiting?.reason === 'ImagePullBackOff', 30_000);
    assert.match(backoff.status!.containerStatuses![0]!.state.waiting!.message!, /Back-off pulling image/);
    const out = await cluster.kubectlOk(['get', 'pod', 'missing']);
    assert.match(out, /missing\s+0\/1\s+(ErrImagePull|ImagePullBackOff)/);
    await cluster.kubectlOk(['delete', 'pod', 'missing']);
  });
});
