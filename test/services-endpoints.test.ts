// The endpoints and EndpointSlice controllers with a real agent and busybox httpd pods:
// ready pods listed with targetRef and nodeName, a named targetPort resolved per pod, a
// pod turning unready moving to notReadyAddresses (and ready=false in its slice) promptly,
// publishNotReadyAddresses, and a deleted pod leaving both.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { resources } from '../api/resources.js';
import type { EndpointSlice, Endpoints } from '../api/service-types.js';
import { ensureTestImages } from './fixtures/images.js';
import { startCluster, waitFor, type TestCluster } from './lib/cluster.js';

const TRAP = "trap 'exit 0' TERM;";

describe('endpoints controllers', () => {
  let cluster: TestCluster;
  let busybox: string;
  before(async () => {
    busybox = (await ensureTestImages()).busybox;
    cluster = await startCluster({ agents: 1 });
  });
  after(async () => {
    await cluster?.stop();
  });

  // Serves /ready on `port` until /www/ready is removed (by exec), so readiness can be flipped.
  const pod = (name: string, port: number) =>
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, labels: { app: 'web' } },
      spec: {
        terminationGracePeriodSeconds: 1,
        containers: [
          {
            name: 'web',
            image: busybox,
            command: ['sh', '-c', `${TRAP} mkdir -p /www; echo ok > /www/ready; httpd -f -p ${port} -h /www & while true; do sleep 1; done`],
            ports: [{ name: 'http', containerPort: port }],
            readinessProbe: { httpGet: { path: '/ready', port: 'http' }, periodSeconds: 1, failureThreshold: 1 },
          },
        ],
      },
    });

  const endpoints = (name: string) => cluster.client.get<Endpoints>(resources.endpoints, name, 'default');
  const slices = async (name: string) =>
    (await cluster.client.list<EndpointSlice>(resources.endpointslices, { namespace: 'default', labelSelector: `kubernetes.io/service-name=${name}` })).items;

  test('ready pods, named ports per pod, unready and deleted pods move out', async () => {
    await cluster.kubectlOk(['apply', '-f', '-'], { input: pod('web-a', 8080) });
    await cluster.kubectlOk(['apply', '-f', '-'], { input: pod('web-b', 8081) });
    await cluster.kubectlOk(['apply', '-f', '-'], {
      input: JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { type: 'NodePort', selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } }),
    });
    const row = (await cluster.kubectlOk(['get', 'svc', 'web'])).split('\n')[1]!.split(/\s+/);
    assert.match(row[2]!, /^10\.43\.\d+\.\d+$/);
    assert.match(row[4]!, /^80:(3[0-2]\d{3})\/TCP$/);
    const a = await cluster.waitForPod('web-a', 'ready', (p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false);
    const b = await cluster.waitForPod('web-b', 'ready', (p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false);
    const ipA = a.status!.podIP!;
    const ipB = b.status!.podIP!;

    const ep = await waitFor('both pods in the endpoints', async () => {
      const e = await endpoints('web');
      return (e.subsets ?? []).flatMap((s) => s.addresses ?? []).length === 2 ? e : undefined;
    });
    // One subset per resolved port: 8080 for web-a, 8081 for web-b.
    const bySubsetPort = new Map(ep.subsets!.map((s) => [s.ports?.[0]?.port, s.addresses?.map((x) => x.ip)]));
    assert.deepEqual(bySubsetPort.get(8080), [ipA]);
    assert.deepEqual(bySubsetPort.get(8081), [ipB]);
    const addrA = ep.subsets!.flatMap((s) => s.addresses ?? []).find((x) => x.ip === ipA)!;
    assert.deepEqual(addrA.targetRef, { kind: 'Pod', namespace: 'default', name: 'web-a', uid: a.metadata.uid });
    assert.equal(addrA.nodeName, a.spec.nodeName);
    const printed = await cluster.kubectlOk(['get', 'endpoints', 'web']);
    assert.ok(printed.includes(ipA) && printed.includes(ipB), printed);

    const sl = await waitFor('slices with both pods', async () => {
      const s = await slices('web');
      return s.flatMap((x) => x.endpoints ?? []).filter((e) => e.conditions?.ready).length === 2 ? s : undefined;
    });
    for (const s of sl) {
      assert.equal(s.addressType, 'IPv4');
      assert.equal(s.metadata.labels?.['endpointslice.kubernetes.io/managed-by'], 'endpointslice-controller.k8s.io');
      assert.equal(s.metadata.ownerReferences?.[0]?.kind, 'Service');
      assert.equal(s.metadata.ownerReferences?.[0]?.controller, true);
    }
    const slicePorts = new Map(sl.flatMap((s) => (s.endpoints ?? []).map((e) => [e.addresses[0], s.ports?.[0]?.port])));
    assert.equal(slicePorts.get(ipA), 8080);
    assert.equal(slicePorts.get(ipB), 8081);
    const printedSlices = await cluster.kubectlOk(['get', 'endpointslices']);
    assert.ok(printedSlices.includes(ipA) && printedSlices.includes(ipB), printedSlices);

    // web-b turns unready: it leaves the ready set of both, promptly after its status changes.
    await cluster.kubectlOk(['exec', 'web-b', '--', 'rm', '/www/ready']);
    await cluster.waitForPod('web-b', 'unready', (p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'False') ?? false, 20_000);
    const statusAt = Date.now();
    await waitFor('web-b in notReadyAddresses', async () => {
      const e = await endpoints('web');
      const ready = e.subsets!.flatMap((s) => s.addresses ?? []).map((x) => x.ip);
      const notReady = e.subsets!.flatMap((s) => s.notReadyAddresses ?? []).map((x) => x.ip);
      return ready.join() === ipA && notReady.join() === ipB;
    }, 5_000, 50);
    await waitFor('web-b not ready in its slice', async () => {
      const eps = (await slices('web')).flatMap((s) => s.endpoints ?? []);
      const b2 = eps.find((e) => e.addresses[0] === ipB);
      return b2?.conditions?.ready === false && b2.conditions.serving === false;
    }, 5_000, 50);
    assert.ok(Date.now() - statusAt < 3_000, `unready reflected in ${Date.now() - statusAt} ms`);

    // publishNotReadyAddresses lists every pod as ready.
    await cluster.kubectlOk(['patch', 'svc', 'web', '--type=merge', '-p', '{"spec":{"publishNotReadyAddresses":true}}']);
    await waitFor('all ready with publishNotReadyAddresses', async () => {
      const e = await endpoints('web');
      return e.subsets!.flatMap((s) => s.addresses ?? []).length === 2 && e.subsets!.every((s) => !s.notReadyAddresses);
    }, 5_000, 50);

    // A deleted pod leaves both.
    await cluster.kubectlOk(['delete', 'pod', 'web-a', '--wait=false']);
    await waitFor('web-a gone from the endpoints', async () => {
      const e = await endpoints('web');
      return !JSON.stringify(e.subsets ?? []).includes(`"${ipA}"`);
    }, 10_000, 50);

    // Deleting the Service removes its Endpoints and (through the owner reference) its slices.
    await cluster.kubectlOk(['delete', 'svc', 'web']);
    await waitFor('endpoints and slices gone', async () => (await cluster.kubectl(['get', 'endpoints', 'web'])).code === 1 && (await slices('web')).length === 0, 15_000);
  });
});
