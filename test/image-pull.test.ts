// Image pulls by the agent, from registries on loopback: imagePullPolicy as Kubernetes
// defaults it, Pulling/Pulled events worded as the kubelet's, a PullProgress event for a
// pull that takes a while, ErrImagePull → ImagePullBackOff for an image that does not
// exist, and imagePullSecrets against a registry that demands a password.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Docker from 'dockerode';
import { ContainerdRuntime, defaultLogRoot } from '../agent/runtime/cri/containerd-runtime.js';
import { CONTAINERD_SOCKET, ensureTestImages } from './fixtures/images.js';
import { DOCKER_SOCKET, startCluster, waitFor, type TestCluster } from './lib/cluster.js';
import { podManifest, sleepForever } from './lib/manifests.js';
import { startLoopbackRegistry, type LoopbackRegistry } from './lib/registry.js';
import { importSizedImage } from './lib/sized-images.js';

interface EventRow {
  reason: string;
  message: string;
  count: number;
}

/** A pod of one container, with the image pull fields podManifest has no option for. */
function pullPod(name: string, image: string, extra: { imagePullSecrets?: string[]; serviceAccountName?: string; imagePullPolicy?: string } = {}): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: {
      terminationGracePeriodSeconds: 1,
      ...(extra.imagePullSecrets ? { imagePullSecrets: extra.imagePullSecrets.map((n) => ({ name: n })) } : {}),
      ...(extra.serviceAccountName ? { serviceAccountName: extra.serviceAccountName } : {}),
      containers: [{ name: 'main', image, command: sleepForever, ...(extra.imagePullPolicy ? { imagePullPolicy: extra.imagePullPolicy } : {}) }],
    },
  });
}

describe('image pulls', () => {
  let cluster: TestCluster;
  let registry: LoopbackRegistry;
  let busybox: string;
  const docker = new Docker({ socketPath: DOCKER_SOCKET });

  before(async () => {
    busybox = (await ensureTestImages()).busybox;
    registry = await startLoopbackRegistry();
    // Progress every 100 ms (5 s by default), so a loopback pull of a few dozen MiB shows it.
    cluster = await startCluster({ agents: 1, agentArgs: ['--image-pull-progress-period', '100ms'] });
  });
  after(async () => {
    await cluster?.stop();
    await registry?.stop();
  });

  async function events(pod: string): Promise<EventRow[]> {
    const out = await cluster.kubectlOk(['get', 'events', '--field-selector', `involvedObject.name=${pod}`, '-o', 'json']);
    return (JSON.parse(out) as { items: EventRow[] }).items.map((e) => ({ reason: e.reason, message: e.message, count: e.count }));
  }

  test('an image the node lacks is pulled (IfNotPresent), with Pulling and Pulled events', async () => {
    const image = await registry.push(busybox, `pull-${cluster.id}`, 'v1');
    await assert.rejects(docker.getImage(image).inspect(), 'not on the node before the pod');
    await cluster.kubectlOk(['apply', '-f', '-'], { input: podManifest({ name: 'pulled', image, command: sleepForever }) });
    const pod = await cluster.waitForPod('pulled', 'Running', (p) => p.status?.phase === 'Running');
    assert.equal(pod.spec.containers[0]!.imagePullPolicy, 'IfNotPresent');
    assert.match(pod.status!.containerStatuses![0]!.imageID, /^docker-pullable:\/\/sha256:[0-9a-f]{64}$/);
    const rows = await events('pulled');
    assert.ok(rows.some((e) => e.reason === 'Pulling' && e.message === `Pulling image "${image}"`), JSON.stringify(rows));
    // The kubelet's wording: Go durations, then the image's size.
    const size = (await docker.getImage(image).inspect()).Size;
    const pulled = rows.find((e) => e.reason === 'Pulled');
    assert.match(pulled?.message ?? '', new RegExp(`^Successfully pulled image "${image.replace(/[.]/g, '\\.')}" in (\\d+ms|[\\d.]+s|\\d+m[\\d.]+s) \\((\\d+ms|[\\d.]+s|\\d+m[\\d.]+s) including waiting\\)\\. Image size: ${size} bytes\\.$`));
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

  test('a long pull reports progress in one PullProgress event, updated in place', async () => {
    // 64 MiB of random data: a moment to push through the registry and extract, on loopback.
    const local = `skiff-test/big-${cluster.id}:1`;
    await importSizedImage(docker, local, 64);
    const image = await registry.push(local, `big-${cluster.id}`, 'v1');
    await docker.getImage(local).remove();
    await cluster.kubectlOk(['apply', '-f', '-'], { input: pullPod('big', image) });
    await cluster.waitForPod('big', 'Running', (p) => p.status?.phase === 'Running', 120_000);
    const progress = await waitFor('the PullProgress event to show the finished pull', async () => {
      const rows = (await events('big')).filter((e) => e.reason === 'PullProgress');
      return rows.length === 1 && rows[0]!.message.startsWith('Pulled') ? rows : undefined;
    }, 15_000);
    // One row per pull, its message moved on; count stays 1 (one occurrence, not repeats).
    assert.equal(progress[0]!.count, 1);
    assert.match(progress[0]!.message, new RegExp(`^Pulled image "${image.replace(/[.]/g, '\\.')}": (6[4-9]|7\\d)\\.\\d MiB downloaded, 1 of 1 layer$`));
    const log = cluster.agent().logs();
    assert.ok(!/pull progress event not written/.test(log), 'every progress write went through');
    await cluster.kubectlOk(['delete', 'pod', 'big']);
    await docker.getImage(image).remove().catch(() => undefined);
  });
});

describe('image pull secrets', () => {
  let cluster: TestCluster;
  let registry: LoopbackRegistry;
  let image: string;
  let image2: string;
  const docker = new Docker({ socketPath: DOCKER_SOCKET });
  const user = { username: 'skiff-puller', password: `pw-${Math.random().toString(36).slice(2)}` };

  before(async () => {
    const { busybox } = await ensureTestImages();
    registry = await startLoopbackRegistry({ auth: user });
    cluster = await startCluster({ agents: 1 });
    image = await registry.push(busybox, `private-${cluster.id}`, 'v1');
    image2 = await registry.push(busybox, `private-sa-${cluster.id}`, 'v1');
  });
  after(async () => {
    for (const ref of [image, image2]) if (ref) await docker.getImage(ref).remove().catch(() => undefined);
    await cluster?.stop();
    await registry?.stop();
  });

  async function waitingOf(pod: string, reason: string): Promise<string> {
    const p = await cluster.waitForPod(pod, reason, (x) => x.status?.containerStatuses?.[0]?.state.waiting?.reason === reason, 60_000);
    return p.status!.containerStatuses![0]!.state.waiting!.message ?? '';
  }

  test('without a secret the registry refuses: ErrImagePull with its auth error', async () => {
    await cluster.kubectlOk(['apply', '-f', '-'], { input: pullPod('nosecret', image) });
    const message = await waitingOf('nosecret', 'ErrImagePull');
    assert.match(message, /^failed to pull image ".*": .*(no basic auth credentials|unauthorized|authentication required)/);
    await assert.rejects(docker.getImage(image).inspect(), 'nothing was pulled');
    await cluster.kubectlOk(['delete', 'pod', 'nosecret', '--wait=false']);
  });

  test('a secret with the wrong password: ErrImagePull, then ImagePullBackOff', async () => {
    await cluster.kubectlOk(['create', 'secret', 'docker-registry', 'wrongcred', `--docker-server=${registry.host}`, `--docker-username=${user.username}`, '--docker-password=not-the-password']);
    await cluster.kubectlOk(['apply', '-f', '-'], { input: pullPod('wrongpw', image, { imagePullSecrets: ['wrongcred'] }) });
    assert.match(await waitingOf('wrongpw', 'ErrImagePull'), /unauthorized|authentication required/);
    assert.match(await waitingOf('wrongpw', 'ImagePullBackOff'), /^Back-off pulling image ".*": ErrImagePull: failed to pull image/);
    const rows = JSON.parse(await cluster.kubectlOk(['get', 'events', '--field-selector', 'involvedObject.name=wrongpw', '-o', 'json'])).items as EventRow[];
    assert.ok(rows.some((e) => e.reason === 'Failed' && /^Failed to pull image ".*": .*(unauthorized|authentication required)/.test(e.message)), JSON.stringify(rows));
    assert.ok(rows.some((e) => e.reason === 'Failed' && e.message === 'Error: ErrImagePull'));
    await cluster.kubectlOk(['delete', 'pod', 'wrongpw', '--wait=false']);
  });

  test('the right dockerconfigjson secret (kubectl create secret docker-registry): Running', async () => {
    await cluster.kubectlOk(['create', 'secret', 'docker-registry', 'regcred', `--docker-server=${registry.host}`, `--docker-username=${user.username}`, `--docker-password=${user.password}`]);
    // A missing secret next to the right one: a warning, and the pull still works.
    await cluster.kubectlOk(['apply', '-f', '-'], { input: pullPod('withsecret', image, { imagePullSecrets: ['absent', 'regcred'] }) });
    await cluster.waitForPod('withsecret', 'Running', (p) => p.status?.phase === 'Running', 60_000);
    const rows = JSON.parse(await cluster.kubectlOk(['get', 'events', '--field-selector', 'involvedObject.name=withsecret', '-o', 'json'])).items as EventRow[];
    assert.ok(rows.some((e) => e.reason === 'FailedToRetrieveImagePullSecret' && e.message === 'Unable to retrieve some image pull secrets ("absent"); attempting to pull the image may not succeed.'), JSON.stringify(rows));
    await cluster.kubectlOk(['delete', 'pod', 'withsecret']);
  });

  test('a dockercfg secret named by the pod\'s ServiceAccount: Running', async () => {
    const dockercfg = { [registry.host]: { auth: Buffer.from(`${user.username}:${user.password}`).toString('base64') } };
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'oldcfg' }, type: 'kubernetes.io/dockercfg', data: { '.dockercfg': Buffer.from(JSON.stringify(dockercfg)).toString('base64') } };
    const sa = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'puller' }, imagePullSecrets: [{ name: 'oldcfg' }] };
    await cluster.kubectlOk(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [secret, sa] }) });
    await cluster.kubectlOk(['apply', '-f', '-'], { input: pullPod('viasa', image2, { serviceAccountName: 'puller' }) });
    await cluster.waitForPod('viasa', 'Running', (p) => p.status?.phase === 'Running', 60_000);
    await cluster.kubectlOk(['delete', 'pod', 'viasa']);
  });
});

describe('image pull secrets on containerd (CRI PullImageRequest.auth)', () => {
  let cluster: TestCluster;
  let registry: LoopbackRegistry;
  let image: string;
  const user = { username: 'skiff-cri', password: `pw-${Math.random().toString(36).slice(2)}` };

  before(async () => {
    const { busybox } = await ensureTestImages();
    registry = await startLoopbackRegistry({ auth: user });
    cluster = await startCluster({ agents: 1, runtime: 'containerd' });
    // Pushed through Docker; containerd pulls it over plain HTTP (the CRI plugin's default for loopback hosts).
    image = await registry.push(busybox, `cri-private-${cluster.id}`, 'v1');
  });
  after(async () => {
    const rt = new ContainerdRuntime({ socketPath: CONTAINERD_SOCKET, nodeName: 'image-pull-test-cleanup', logRoot: defaultLogRoot('/tmp') });
    try {
      if (cluster) {
        await cluster.kubectl(['delete', 'pods', '--all', '--wait=true', '--timeout=30s']).catch(() => undefined);
        await cluster.stop();
      }
      if (image) await rt.removeImage(image).catch(() => undefined);
    } finally {
      await rt.close();
      await registry?.stop();
    }
  });

  test('no secret: ErrImagePull with the registry\'s refusal; the right secret: Running', async () => {
    await cluster.kubectlOk(['apply', '-f', '-'], { input: pullPod('cri-nosecret', image) });
    const p = await cluster.waitForPod('cri-nosecret', 'ErrImagePull', (x) => ['ErrImagePull', 'ImagePullBackOff'].includes(x.status?.containerStatuses?.[0]?.state.waiting?.reason ?? ''), 60_000);
    assert.match(p.status!.containerStatuses![0]!.state.waiting!.message!, /401 Unauthorized|unauthorized|authorization/i);
    await cluster.kubectlOk(['delete', 'pod', 'cri-nosecret', '--wait=false']);
    await cluster.kubectlOk(['create', 'secret', 'docker-registry', 'regcred', `--docker-server=${registry.host}`, `--docker-username=${user.username}`, `--docker-password=${user.password}`]);
    await cluster.kubectlOk(['apply', '-f', '-'], { input: pullPod('cri-secret', image, { imagePullSecrets: ['regcred'] }) });
    const running = await cluster.waitForPod('cri-secret', 'Running', (x) => x.status?.phase === 'Running', 90_000);
    assert.match(running.status!.containerStatuses![0]!.imageID, /sha256:[0-9a-f]{64}/);
    await cluster.kubectlOk(['delete', 'pod', 'cri-secret']);
  });
});
