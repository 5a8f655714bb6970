// The everyday kubectl verbs, with the newest and oldest clients we support: get in its
// output forms, label and annotate, the three patch types, describe with events for a pod,
// a node and a deployment, cluster-info, and a cascading delete.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { resources } from '../api/resources.js';
import type { Pod } from '../api/types.js';
import { ensureTestImages } from './fixtures/images.js';
import { startCluster, waitFor, type TestCluster } from './lib/cluster.js';
import { kubectlVersions } from './lib/kubectl.js';

// Every versioned kubectl on the machine (1.27 … 1.33), newest first, and 1.20.
const VERSIONS = [...[...kubectlVersions().keys()].reverse(), '1.20'];

describe('kubectl verbs', () => {
  let cluster: TestCluster;
  let busybox: string;

  before(async () => {
    busybox = (await ensureTestImages()).busybox;
    cluster = await startCluster({ agents: 1 });
    await cluster.kubectlOk(['create', 'namespace', 'verbs']);
    await cluster.kubectlOk(['apply', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web', namespace: 'verbs', labels: { app: 'web' } },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: 'web' } },
          template: { metadata: { labels: { app: 'web', tier: 'front' } }, spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: busybox, command: ['sleep', '3600'] }] } },
        },
      }),
    });
    // Patched by every version; no replicas, so a template change rolls nothing out.
    await cluster.kubectlOk(['create', 'deployment', 'patched', '-n', 'verbs', `--image=${busybox}`, '--replicas=0']);
    await waitFor('two web pods Running', async () => {
      const pods = await cluster.client.list(resources.pods, { namespace: 'verbs' });
      return pods.items.filter((p) => (p as { status?: { phase?: string } }).status?.phase === 'Running').length === 2 || undefined;
    }, 60_000);
  });
  after(async () => {
    await cluster?.stop();
  });

  for (const version of VERSIONS) {
    test(`kubectl ${version}: get -o yaml|json|jsonpath|name, -A, --show-labels, -l`, async () => {
      const k = (args: string[]) => cluster.kubectlOk(args, { version });
      const yaml = parseYaml(await k(['get', 'deployment', 'web', '-n', 'verbs', '-o', 'yaml'])) as { kind: string; spec: { replicas: number } };
      assert.deepEqual([yaml.kind, yaml.spec.replicas], ['Deployment', 2]);
      const json = JSON.parse(await k(['get', 'pods', '-n', 'verbs', '-o', 'json'])) as { kind: string; items: unknown[] };
      assert.deepEqual([json.kind, json.items.length], ['List', 2]);
      assert.equal(await k(['get', 'deployment', 'web', '-n', 'verbs', '-o', 'jsonpath={.spec.template.spec.containers[0].name}']), 'c');
      assert.deepEqual((await k(['get', 'deploy', '-n', 'verbs', '-o', 'name'])).trim().split('\n'), ['deployment.apps/patched', 'deployment.apps/web']);

      const all = await k(['get', 'pods', '-A']);
      assert.match(all, /^NAMESPACE\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/m);
      assert.equal(all.split('\n').filter((l) => /^verbs\s+web-[a-z0-9]+-[a-z0-9]{5}\s+1\/1\s+Running\s/.test(l)).length, 2, all);

      const labelled = await k(['get', 'pods', '-n', 'verbs', '--show-labels']);
      assert.match(labelled.split('\n')[0]!, /\sLABELS$/);
      assert.match(labelled, /app=web,pod-template-hash=[a-z0-9]+,tier=front/);
      assert.equal((await k(['get', 'pods', '-n', 'verbs', '-l', 'tier=front', '-o', 'name'])).trim().split('\n').length, 2);
      assert.equal((await k(['get', 'pods', '-n', 'verbs', '-l', 'tier in (back),app=web', '-o', 'name'])).trim(), '');
    });

    test(`kubectl ${version}: label, annotate, and patch with merge, strategic and json`, async () => {
      const k = (args: string[]) => cluster.kubectlOk(args, { version });
      const name = `cm-${version.replace('.', '-')}`;
      await k(['create', 'configmap', name, '-n', 'verbs', '--from-literal=a=1']);
      assert.match(await k(['label', 'configmap', name, '-n', 'verbs', 'env=dev']), /labeled/);
      const conflict = await cluster.kubectl(['label', 'configmap', name, '-n', 'verbs', 'env=prod'], { version });
      assert.notEqual(conflict.code, 0, 'changing a label needs --overwrite');
      assert.match(conflict.stderr, /already has a value \(dev\), and --overwrite is false/);
      await k(['label', 'configmap', name, '-n', 'verbs', 'env=prod', '--overwrite']);
      await k(['annotate', 'configmap', name, '-n', 'verbs', 'owner=ops']);
      let cm = await cluster.client.get(resources.configmaps, name, 'verbs');
      assert.deepEqual([cm.metadata.labels, cm.metadata.annotations?.['owner']], [{ env: 'prod' }, 'ops']);
      await k(['label', 'configmap', name, '-n', 'verbs', 'env-']);
      await k(['annotate', 'configmap', name, '-n', 'verbs', 'owner-']);
      cm = await cluster.client.get(resources.configmaps, name, 'verbs');
      assert.equal(cm.metadata.labels?.['env'], undefined);
      assert.equal(cm.metadata.annotations?.['owner'], undefined);

      await k(['patch', 'configmap', name, '-n', 'verbs', '--type=merge', '-p', '{"data":{"b":"2"}}']);
      await k(['patch', 'configmap', name, '-n', 'verbs', '--type=json', '-p', '[{"op":"remove","path":"/data/a"}]']);
      assert.deepEqual((await cluster.client.get(resources.configmaps, name, 'verbs'))['data'], { b: '2' });
      // Strategic merge (the default type) merges the container list by name.
      const container = (await cluster.client.get(resources.deployments, 'patched', 'verbs') as unknown as { spec: { template: { spec: { containers: { name: string }[] } } } }).spec.template.spec.containers[0]!.name;
      await k(['patch', 'deployment', 'patched', '-n', 'verbs', '-p', `{"spec":{"template":{"spec":{"containers":[{"name":"${container}","env":[{"name":"V","value":"${version}"}]}]}}}}`]);
      const d = await cluster.client.get(resources.deployments, 'patched', 'verbs');
      const c = (d as unknown as { spec: { template: { spec: { containers: { name: string; image: string; env?: unknown[] }[] } } } }).spec.template.spec.containers;
      assert.deepEqual(c.map((x) => [x.name, x.image, x.env]), [[container, busybox, [{ name: 'V', value: version }]]]);
    });
  }

  test('kubectl 1.20: create namespace, configmap, secret generic, deployment', async () => {
    const k = (args: string[]) => cluster.kubectlOk(args, { version: '1.20' });
    await k(['create', 'namespace', 'old-client']);
    await k(['create', 'configmap', 'cfg', '-n', 'old-client', '--from-literal=a=b']);
    await k(['create', 'secret', 'generic', 'sec', '-n', 'old-client', '--from-literal=user=admin']);
    await k(['create', 'deployment', 'dep', '-n', 'old-client', `--image=${busybox}`, '--replicas=0']);
    const names = (await k(['get', 'cm,secret,deploy', '-n', 'old-client', '-o', 'name'])).trim().split('\n').sort();
    assert.deepEqual(names, ['configmap/cfg', 'deployment.apps/dep', 'secret/sec']);
    assert.deepEqual((await cluster.client.get(resources.configmaps, 'cfg', 'old-client'))['data'], { a: 'b' });
  });

  test('describe shows events for a pod, a node and a deployment', async () => {
    for (const version of VERSIONS) {
      const k = (args: string[]) => cluster.kubectlOk(args, { version });
      const pod = (await k(['get', 'pods', '-n', 'verbs', '-o', 'name'])).trim().split('\n')[0]!;
      const dp = await k(['describe', pod, '-n', 'verbs']);
      assert.match(dp, /^Status:\s+Running$/m);
      assert.match(dp, /^Events:/m);
      assert.match(dp, /Normal\s+Scheduled\s+.*Successfully assigned verbs\/web-/);
      assert.match(dp, /Normal\s+Started\s+.*Started container c/);

      const dn = await k(['describe', 'node', cluster.nodeNames[0]!]);
      assert.match(dn, /^Conditions:/m);
      assert.match(dn, /^\s+Ready\s+True\s/m);
      assert.match(dn, /^Capacity:\n\s+cpu:\s+\d+/m);
      assert.match(dn, /^Non-terminated Pods:\s+\(\d+ in total\)/m);

      const dd = await k(['describe', 'deployment', 'web', '-n', 'verbs']);
      assert.match(dd, /^Replicas:\s+2 desired/m);
      assert.match(dd, /Normal\s+ScalingReplicaSet\s+.*Scaled up replica set web-[a-z0-9]+ (to|from 0 to) 2/);
    }
  });

  test('cluster-info names the control server', async () => {
    for (const version of VERSIONS) {
      const out = await cluster.kubectlOk(['cluster-info'], { version });
      assert.match(out.replace(/\x1b\[[0-9;]*m/g, ''), new RegExp(`Kubernetes (control plane|master) is running at ${cluster.url.replace(/[./]/g, '\\$&')}`));
    }
  });

  test('pods/eviction: kubectl drain evicts through it, a direct Eviction deletes gracefully', async () => {
    const node = cluster.nodeNames[0]!;
    const out = await cluster.kubectlOk(['drain', node, '--ignore-daemonsets', '--delete-emptydir-data', '--timeout=90s'], { version: '1.33' });
    assert.match(out, new RegExp(`node/${node} cordoned`));
    assert.match(out, /evicting pod verbs\/web-/);
    assert.match(out, new RegExp(`node/${node} drained`));
    await cluster.kubectlOk(['uncordon', node]);
    await waitFor('web back to two Running pods', async () => {
      const pods = await cluster.client.list<Pod>(resources.pods, { namespace: 'verbs' });
      return pods.items.filter((p) => p.status?.phase === 'Running' && !p.metadata.deletionTimestamp).length === 2 || undefined;
    }, 60_000);

    const victim = (await cluster.client.list<Pod>(resources.pods, { namespace: 'verbs' })).items[0]!.metadata.name!;
    const status = await cluster.client.request<{ kind: string; status: string; code: number }>('POST', `/api/v1/namespaces/verbs/pods/${victim}/eviction`, {
      body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: victim, namespace: 'verbs' }, deleteOptions: { gracePeriodSeconds: 1 } },
    });
    assert.deepEqual([status.kind, status.status, status.code], ['Status', 'Success', 201]);
    assert.ok((await cluster.client.get<Pod>(resources.pods, victim, 'verbs').catch(() => undefined))?.metadata.deletionTimestamp ?? true, 'being deleted or gone');
    await assert.rejects(
      cluster.client.request('POST', `/api/v1/namespaces/verbs/pods/${victim}/eviction`, { body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'other' } } }),
      (err) => (err as { code?: number }).code === 400,
    );
    await assert.rejects(
      cluster.client.request('POST', '/api/v1/namespaces/verbs/pods/nope/eviction', { body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'nope' } } }),
      (err) => (err as { code?: number }).code === 404,
    );
  });

  test('delete of a deployment cascades to its replica sets and pods', async () => {
    await cluster.kubectlOk(['delete', 'deployment', 'web', '-n', 'verbs'], { version: '1.20' });
    await waitFor('the replica set and pods to go', async () => {
      const rs = await cluster.client.list(resources.replicasets, { namespace: 'verbs', labelSelector: 'app=web' });
      const pods = await cluster.client.list(resources.pods, { namespace: 'verbs' });
      return (rs.items.length === 0 && pods.items.length === 0) || undefined;
    }, 60_000);
  });
});
