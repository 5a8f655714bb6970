// Service allocation through the real API server and kubectl, on a tiny /29 range: cluster
// IPs and node ports in range, the `kubernetes` Service on the first address, conflicts and
// exhaustion refused with Kubernetes' texts and nothing stored, and after a control restart
// the same allocations with no address handed out twice.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { resources } from '../api/resources.js';
import type { EndpointSlice, Endpoints, Service } from '../api/service-types.js';
import { startCluster, waitFor, type TestCluster } from './lib/cluster.js';

const svcYaml = (name: string, spec: Record<string, unknown>) => JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { selector: { app: name }, ports: [{ port: 80 }], ...spec } });

describe('service allocation', () => {
  let cluster: TestCluster;
  before(async () => {
    cluster = await startCluster({ agents: 0, controlArgs: ['--service-cidr', '10.77.0.0/29', '--service-node-port-range', '31000-31004'] });
  });
  after(async () => {
    await cluster?.stop();
  });

  const ipOf = async (name: string) => (await cluster.client.get<Service>(resources.services, name, 'default')).spec.clusterIP;

  test('kubernetes Service, cluster IPs and node ports in range, 422 on conflicts, range full, survives restart', async () => {
    const k = await cluster.client.get<Service>(resources.services, 'kubernetes', 'default');
    assert.equal(k.spec.clusterIP, '10.77.0.1');
    assert.equal(k.spec.ports?.[0]?.port, 443);
    // No selector: the API server writes its own endpoints, the address other hosts reach.
    const apiPort = Number(new URL(cluster.url).port);
    const ep = await cluster.client.get<Endpoints>(resources.endpoints, 'kubernetes', 'default');
    const ip = ep.subsets?.[0]?.addresses?.[0]?.ip ?? '';
    assert.match(ip, /^\d+\.\d+\.\d+\.\d+$/);
    assert.doesNotMatch(ip, /^127\./, 'not loopback: pods on other hosts must reach it');
    assert.deepEqual(ep.subsets?.[0]?.ports, [{ name: 'https', port: apiPort, protocol: 'TCP' }]);
    const slice = await cluster.client.get<EndpointSlice>(resources.endpointslices, 'kubernetes', 'default');
    assert.deepEqual([slice.metadata.labels?.['kubernetes.io/service-name'], slice.endpoints?.[0]?.addresses, slice.ports?.[0]?.port], ['kubernetes', [ip], apiPort]);

    await cluster.kubectlOk(['apply', '-f', '-'], { input: svcYaml('np', { type: 'NodePort', ports: [{ name: 'a', port: 80, nodePort: 31002 }, { name: 'b', port: 81 }] }) });
    const row = (await cluster.kubectlOk(['get', 'svc', 'np'])).split('\n')[1]!.split(/\s+/);
    assert.equal(row[1], 'NodePort');
    assert.match(row[2]!, /^10\.77\.0\.[2-6]$/, 'CLUSTER-IP in range and not the kubernetes one');
    assert.match(row[4]!, /^80:31002\/TCP,81:3100[0-4]\/TCP$/);

    // A requested node port that is taken: 422 with Kubernetes' text, nothing stored.
    const taken = await cluster.kubectl(['create', '-f', '-'], { input: svcYaml('clash', { type: 'NodePort', ports: [{ port: 80, nodePort: 31002 }] }) });
    assert.notEqual(taken.code, 0);
    assert.match(taken.stderr, /Service "clash" is invalid: spec\.ports\[0\]\.nodePort: Invalid value: 31002: provided port is already allocated/);
    const out = await cluster.kubectl(['create', '-f', '-'], { input: svcYaml('far', { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] }) });
    assert.match(out.stderr, /spec\.ports\[0\]\.nodePort: Invalid value: 30080: provided port is not in the valid range\. The range of valid ports is 31000-31004/);
    const npIP = (await ipOf('np'))!;
    const ipClash = await cluster.kubectl(['create', '-f', '-'], { input: svcYaml('ipclash', { clusterIP: npIP }) });
    assert.match(ipClash.stderr, new RegExp(`spec\\.clusterIPs\\[0\\]: Invalid value: "${npIP.replace(/\./g, '\\.')}": provided IP is already allocated`));
    const outside = await cluster.kubectl(['create', '-f', '-'], { input: svcYaml('outside', { clusterIP: '10.78.0.9' }) });
    assert.match(outside.stderr, /provided IP is not in the valid range\. The range of valid IPs is 10\.77\.0\.0\/29/);
    for (const name of ['clash', 'far', 'ipclash', 'outside']) {
      assert.equal((await cluster.kubectl(['get', 'svc', name])).code, 1, `${name} was not stored`);
    }

    // Headless takes no address; the /29 has 10.77.0.2-6 for Services: 4 left after np.
    await cluster.kubectlOk(['apply', '-f', '-'], { input: svcYaml('headless', { clusterIP: 'None' }) });
    assert.equal(await ipOf('headless'), 'None');
    const created = await Promise.all(['a', 'b', 'c', 'd'].map((n) => cluster.client.create<Service>(resources.services, { apiVersion: 'v1', kind: 'Service', metadata: { name: n }, spec: { ports: [{ port: 80 }] } }, 'default')));
    const ips = [npIP, ...created.map((s) => s.spec.clusterIP!)];
    assert.equal(new Set(ips).size, 5, `concurrent creates get distinct IPs: ${ips.join(' ')}`);
    for (const ip of ips) assert.match(ip, /^10\.77\.0\.[2-6]$/);
    const full = await cluster.kubectl(['create', '-f', '-'], { input: svcYaml('full', {}) });
    assert.notEqual(full.code, 0);
    assert.match(full.stderr, /The Service "full" is invalid: spec.clusterIPs: Internal error: failed to allocate a serviceIP: range is full \(every address of 10\.77\.0\.0\/29 is in use/);
    assert.equal((await cluster.kubectl(['get', 'svc', 'full'])).code, 1);

    // Delete releases: the freed address is the only one left and the next Service gets it.
    const freed = created[0]!.spec.clusterIP!;
    await cluster.kubectlOk(['delete', 'svc', 'a']);
    await cluster.kubectlOk(['apply', '-f', '-'], { input: svcYaml('e', {}) });
    assert.equal(await ipOf('e'), freed);

    // NodePort → ClusterIP releases the node ports.
    await cluster.kubectlOk(['patch', 'svc', 'np', '--type=merge', '-p', JSON.stringify({ spec: { type: 'ClusterIP', ports: [{ name: 'a', port: 80 }, { name: 'b', port: 81 }] } })]);
    const np = await cluster.client.get<Service>(resources.services, 'np', 'default');
    assert.deepEqual(np.spec.ports?.map((p) => p.nodePort), [undefined, undefined]);
    assert.equal(np.spec.clusterIP, npIP, 'the cluster IP is kept');
    // Its port 31002 is free again; the address comes from deleting e.
    await cluster.kubectlOk(['delete', 'svc', 'e']);
    await cluster.kubectlOk(['apply', '-f', '-'], { input: svcYaml('np2', { type: 'NodePort', ports: [{ port: 80, nodePort: 31002 }] }) });

    const before = new Map((await cluster.client.list<Service>(resources.services, { namespace: 'default' })).items.map((s) => [s.metadata.name, JSON.stringify([s.spec.clusterIP, s.spec.ports?.map((p) => p.nodePort)])]));
    await cluster.control.stop('SIGKILL');
    cluster.control.start();
    await waitFor('the API server after restart', () => cluster.client.list(resources.services, { namespace: 'default' }).then(() => true), 30_000);
    const afterRestart = new Map((await cluster.client.list<Service>(resources.services, { namespace: 'default' })).items.map((s) => [s.metadata.name, JSON.stringify([s.spec.clusterIP, s.spec.ports?.map((p) => p.nodePort)])]));
    assert.deepEqual(afterRestart, before, 'allocations unchanged by a restart');
    // The range is still full after the restart: nothing is handed out twice.
    const stillFull = await cluster.kubectl(['create', '-f', '-'], { input: svcYaml('full2', {}) });
    assert.match(stillFull.stderr, /failed to allocate a serviceIP: range is full/);
    const portTaken = await cluster.kubectl(['create', '-f', '-'], { input: svcYaml('clash2', { clusterIP: 'None', type: 'ClusterIP' }) });
    assert.equal(portTaken.code, 0, portTaken.stderr);
    const again = await cluster.kubectl(['create', '-f', '-'], { input: svcYaml('clash3', { type: 'NodePort', clusterIP: freed, ports: [{ port: 80, nodePort: 31002 }] }) });
    assert.match(again.stderr, /provided IP is already allocated|provided port is already allocated/);
    await cluster.kubectlOk(['delete', 'svc', 'b']);
    await cluster.kubectlOk(['apply', '-f', '-'], { input: svcYaml('f', {}) });
    assert.equal(await ipOf('f'), created[1]!.spec.clusterIP, 'after a restart the one free address is the one released');
  });
});
