// The resource types beyond pods with real kubectl (1.33, 1.30, 1.27): apply of every kind
// (created / unchanged / configured), Tables and -o wide, api-resources with short names,
// `get all`, `scale`, `create configmap|secret generic`, aggregated discovery, invalid
// objects answered 422 with field causes, status only through /status, generation bumps.
//
// kubectl ≥ 1.32 sends protobuf bodies for `create configmap|secret`: those verbs are
// checked here with 1.27 and 1.30 only, until the API server decodes protobuf.

import assert from 'node:assert/strict';
import https from 'node:https';
import { after, before, describe, test } from 'node:test';
import { ApiError } from '../api/errors.js';
import { readKubeconfig } from '../api/kubeconfig.js';
import { resources } from '../api/resources.js';
import type { Status } from '../api/types.js';
import type { Deployment, Job } from '../api/workload-types.js';
import type { Secret, Service } from '../api/service-types.js';
import { kubectlVersions } from './lib/kubectl.js';
import { startCluster, type TestCluster } from './lib/cluster.js';

// Every versioned kubectl on the machine (1.27 … 1.33), newest first, and 1.20.
const VERSIONS = [...[...kubectlVersions().keys()].reverse(), '1.20'];

/** One manifest per kind, every list element complete so a re-apply is a no-op. */
/** Node ports are cluster-wide: each version's namespace asks for its own. */
const nodePortFor = (ns: string) => 30443 + VERSIONS.findIndex((v) => ns.endsWith(v.replace('.', '-')));

function manifests(ns: string, image = 'busybox:1.36'): string {
  return `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: ${ns}}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: "${image}", ports: [{containerPort: 80}]}]
---
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: rs1, namespace: ${ns}}
spec:
  replicas: 2
  selector: {matchLabels: {app: rs1}}
  template:
    metadata: {labels: {app: rs1}}
    spec:
      containers: [{name: a, image: "${image}"}]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: ${ns}}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      nodeSelector: {disk: ssd}
      containers: [{name: a, image: "${image}"}]
---
apiVersion: batch/v1
kind: Job
metadata: {name: once, namespace: ${ns}}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: a, image: "busybox:1.36", command: [echo, hi]}]
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: tick, namespace: ${ns}}
spec:
  schedule: "*/5 * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers: [{name: a, image: "${image}"}]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: ${ns}}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 8080}, {name: https, port: 443, nodePort: ${nodePortFor(ns)}}]
  type: NodePort
---
apiVersion: v1
kind: Service
metadata: {name: headless, namespace: ${ns}}
spec:
  clusterIP: None
  selector: {app: web}
  ports: [{port: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: ext, namespace: ${ns}}
spec:
  type: ExternalName
  externalName: db.example.com
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg, namespace: ${ns}}
data: {a: "1", b.txt: hello}
---
apiVersion: v1
kind: Secret
metadata: {name: sec, namespace: ${ns}}
data: {password: aHVudGVyMg==}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: robot, namespace: ${ns}}
---
apiVersion: v1
kind: Endpoints
metadata: {name: web-manual, namespace: ${ns}}
subsets:
- addresses: [{ip: 10.0.0.1}, {ip: 10.0.0.2}, {ip: 10.0.0.3}, {ip: 10.0.0.4}]
  ports: [{port: 8080, protocol: TCP}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: web-abc, namespace: ${ns}}
addressType: IPv4
endpoints: [{addresses: [10.0.0.1]}]
ports: [{port: 8080, protocol: TCP}]
`;
}

const KINDS = [
  'deployment.apps/web',
  'replicaset.apps/rs1',
  'daemonset.apps/agent',
  'job.batch/once',
  'cronjob.batch/tick',
  'service/web',
  'service/headless',
  'service/ext',
  'configmap/cfg',
  'secret/sec',
  'serviceaccount/robot',
  'endpoints/web-manual',
  'endpointslice.discovery.k8s.io/web-abc',
];

/** "NAME  READY ..." → rows of whitespace-separated cells (cells here have no spaces). */
function rows(out: string): string[][] {
  return out
    .trim()
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => l.trim().split(/\s{2,}/));
}

describe('resource types with kubectl', () => {
  let cluster: TestCluster;

  before(async () => {
    // What is stored and printed, untouched by the workload controllers (tested in workloads-*):
    // a CronJob firing mid-test would change what a re-apply must leave alone.
    cluster = await startCluster({ agents: 0, controlArgs: ['--controllers', '*,-replicaset,-deployment,-daemonset,-job,-cronjob'] });
  });
  after(async () => {
    await cluster?.stop();
  });

  for (const version of VERSIONS) {
    test(`kubectl ${version}: apply created / unchanged / configured, get, get -o wide`, async () => {
      const ns = `res-${version.replace('.', '-')}`;
      await cluster.kubectlOk(['create', 'namespace', ns], { version: '1.30' });
      const created = await cluster.kubectlOk(['apply', '-f', '-'], { version, input: manifests(ns) });
      for (const k of KINDS) assert.match(created, new RegExp(`^${k.replace(/[./]/g, '\\$&')} created$`, 'm'), created);
      const rvBefore = (await cluster.client.get(resources.cronjobs, 'tick', ns)).metadata.resourceVersion;
      const again = await cluster.kubectlOk(['apply', '-f', '-'], { version, input: manifests(ns) });
      // kubectl 1.20 predates batch/v1 CronJob (1.21): for a type it has no Go struct for it
      // sends a JSON merge patch, whose lists replace whole, so the server's defaults in
      // containers[] make it say "configured" against any Kubernetes too. The server must
      // still find nothing to change.
      const unchangedKinds = version === '1.20' ? KINDS.filter((k) => k !== 'cronjob.batch/tick') : KINDS;
      for (const k of unchangedKinds) assert.match(again, new RegExp(`^${k.replace(/[./]/g, '\\$&')} unchanged$`, 'm'), again);
      assert.equal((await cluster.client.get(resources.cronjobs, 'tick', ns)).metadata.resourceVersion, rvBefore, 'a re-apply writes nothing');
      const changed = await cluster.kubectlOk(['apply', '-f', '-'], { version, input: manifests(ns, 'busybox:1.37') });
      for (const k of ['deployment.apps/web', 'replicaset.apps/rs1', 'daemonset.apps/agent', 'cronjob.batch/tick']) {
        assert.match(changed, new RegExp(`^${k.replace(/[./]/g, '\\$&')} configured$`, 'm'), changed);
      }
      assert.match(changed, /^service\/web unchanged$/m);

      const deploy = rows(await cluster.kubectlOk(['get', 'deploy', '-n', ns, '-o', 'wide'], { version }));
      assert.deepEqual(deploy[0], ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE', 'CONTAINERS', 'IMAGES', 'SELECTOR']);
      assert.deepEqual([deploy[1]![0], deploy[1]![1], deploy[1]![2], deploy[1]![3], ...deploy[1]!.slice(5)], ['web', '0/1', '0', '0', 'web', 'busybox:1.37', 'app=web']);

      const svc = rows(await cluster.kubectlOk(['get', 'svc', '-n', ns, '-o', 'wide'], { version }));
      assert.deepEqual(svc[0], ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE', 'SELECTOR']);
      const byName = new Map(svc.slice(1).map((r) => [r[0], r]));
      assert.deepEqual([byName.get('web')![1], byName.get('web')![3]], ['NodePort', '<none>']);
      assert.match(byName.get('web')![4]!, new RegExp(`^80:3\\d{4}/TCP,443:${nodePortFor(ns)}/TCP$`), 'a node port allocated for 80, the requested one for 443');
      assert.match(byName.get('web')![2]!, /^10\.43\.\d+\.\d+$/, 'a cluster IP from the default service range');
      assert.equal(byName.get('web')![6], 'app=web');
      assert.deepEqual(byName.get('headless')!.slice(1, 5), ['ClusterIP', 'None', '<none>', '80/TCP']);
      assert.deepEqual(byName.get('ext')!.slice(1, 5), ['ExternalName', '<none>', 'db.example.com', '<none>']);
      assert.equal(byName.get('ext')![6], '<none>');

      const ds = rows(await cluster.kubectlOk(['get', 'ds', '-n', ns], { version }));
      assert.deepEqual(ds[0], ['NAME', 'DESIRED', 'CURRENT', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'NODE SELECTOR', 'AGE']);
      assert.equal(ds[1]![6], 'disk=ssd');

      const job = rows(await cluster.kubectlOk(['get', 'jobs', '-n', ns, '-o', 'wide'], { version }));
      assert.deepEqual(job[0], ['NAME', 'STATUS', 'COMPLETIONS', 'DURATION', 'AGE', 'CONTAINERS', 'IMAGES', 'SELECTOR']);
      // No start time yet: the DURATION cell is empty, so the row has one cell fewer.
      assert.deepEqual(job[1]!.slice(0, 3), ['once', 'Running', '0/1']);
      assert.match(job[1]!.at(-1)!, /^batch\.kubernetes\.io\/controller-uid=[0-9a-f-]{36}$/);

      const cj = rows(await cluster.kubectlOk(['get', 'cj', '-n', ns], { version }));
      assert.deepEqual(cj[0], ['NAME', 'SCHEDULE', 'TIMEZONE', 'SUSPEND', 'ACTIVE', 'LAST SCHEDULE', 'AGE']);
      assert.deepEqual(cj[1]!.slice(0, 6), ['tick', '*/5 * * * *', '<none>', 'False', '0', '<none>']);

      const misc = await cluster.kubectlOk(['get', 'cm,secret,sa,ep,endpointslices,rs', '-n', ns], { version });
      assert.match(misc, /^NAME\s+DATA\s+AGE\nconfigmap\/cfg\s+2\s+\S+$/m);
      assert.match(misc, /^NAME\s+TYPE\s+DATA\s+AGE\nsecret\/sec\s+Opaque\s+1\s+\S+$/m);
      assert.match(misc, /^NAME\s+SECRETS\s+AGE\nserviceaccount\/robot\s+0\s+\S+$/m);
      assert.match(misc, /^endpoints\/web-manual\s+10\.0\.0\.1:8080,10\.0\.0\.2:8080,10\.0\.0\.3:8080 \+ 1 more\.\.\.\s+\S+$/m);
      assert.match(misc, /^NAME\s+ADDRESSTYPE\s+PORTS\s+ENDPOINTS\s+AGE$/m);
      assert.match(misc, /^endpointslice\.discovery\.k8s\.io\/web-abc\s+IPv4\s+8080\s+10\.0\.0\.1\s+\S+$/m);
      assert.match(misc, /^NAME\s+DESIRED\s+CURRENT\s+READY\s+AGE\nreplicaset\.apps\/rs1\s+2\s+0\s+0\s+\S+$/m);

      const all = await cluster.kubectlOk(['get', 'all', '-n', ns], { version });
      for (const k of ['service/web', 'deployment.apps/web', 'replicaset.apps/rs1', 'daemonset.apps/agent', 'job.batch/once', 'cronjob.batch/tick']) {
        assert.match(all, new RegExp(`^${k.replace(/[./]/g, '\\$&')}\\s`, 'm'), all);
      }
      assert.doesNotMatch(all, /configmap|secret\/|endpointslice/);

      const scaled = await cluster.kubectlOk(['scale', 'deployment', 'web', '-n', ns, '--replicas=3'], { version });
      assert.match(scaled, /deployment\.apps\/web scaled/);
      const d = await cluster.client.get<Deployment>(resources.deployments, 'web', ns);
      assert.equal(d.spec.replicas, 3);
      await cluster.kubectlOk(['scale', 'rs', 'rs1', '-n', ns, '--replicas=0'], { version });
      assert.equal((await cluster.client.get<Deployment>(resources.replicasets, 'rs1', ns)).spec.replicas, 0);
    });
  }

  test('api-resources lists every kind with its short names, group and scope', async () => {
    for (const version of VERSIONS) {
      const out = await cluster.kubectlOk(['api-resources'], { version });
      const table = new Map(rows(out).map((r) => [r[0], r]));
      const expect: [string, string, string, string, string][] = [
        ['services', 'svc', 'v1', 'true', 'Service'],
        ['endpoints', 'ep', 'v1', 'true', 'Endpoints'],
        ['configmaps', 'cm', 'v1', 'true', 'ConfigMap'],
        ['serviceaccounts', 'sa', 'v1', 'true', 'ServiceAccount'],
        ['deployments', 'deploy', 'apps/v1', 'true', 'Deployment'],
        ['replicasets', 'rs', 'apps/v1', 'true', 'ReplicaSet'],
        ['daemonsets', 'ds', 'apps/v1', 'true', 'DaemonSet'],
        ['cronjobs', 'cj', 'batch/v1', 'true', 'CronJob'],
        ['events', 'ev', 'v1', 'true', 'Event'],
      ];
      for (const row of expect) assert.deepEqual(table.get(row[0]), row, `kubectl ${version}: ${row[0]}`);
      assert.deepEqual(table.get('secrets'), ['secrets', 'v1', 'true', 'Secret']);
      assert.deepEqual(table.get('jobs'), ['jobs', 'batch/v1', 'true', 'Job']);
      assert.deepEqual(table.get('endpointslices'), ['endpointslices', 'discovery.k8s.io/v1', 'true', 'EndpointSlice']);
      const wide = await cluster.kubectlOk(['api-resources', '-o', 'wide', '--api-group=apps'], { version });
      if (version === '1.20') {
        // 1.20 printed verbs as a Go slice and had no CATEGORIES column yet.
        assert.match(wide, /^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment\s+\[create delete deletecollection get list patch update watch\]$/m);
      } else {
        assert.match(wide, /^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment\s+create,delete,deletecollection,get,list,patch,update,watch\s+all$/m);
      }
    }
  });

  test('aggregated discovery answers v2 and v2beta1 in the shape kubectl asks for; legacy still works', async () => {
    const creds = await readKubeconfig(cluster.kubeconfig);
    const get = (path: string, accept: string) =>
      new Promise<{ type: string; body: Record<string, any> }>((resolve, reject) => {
        https
          .get(new URL(path, cluster.url), { ca: creds.caPem, headers: { Authorization: `Bearer ${creds.token}`, Accept: accept } }, (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => resolve({ type: String(res.headers['content-type']), body: JSON.parse(Buffer.concat(chunks).toString()) }));
          })
          .on('error', reject);
      });
    const v2 = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';
    const v2beta1 = 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList';
    const apis = await get('/apis', `${v2},${v2beta1},application/json`);
    assert.equal(apis.type, v2);
    assert.equal(apis.body['apiVersion'], 'apidiscovery.k8s.io/v2');
    const apps = apis.body['items'].find((g: any) => g.metadata.name === 'apps');
    const deployments = apps.versions[0].resources.find((r: any) => r.resource === 'deployments');
    assert.deepEqual(deployments.responseKind, { group: 'apps', version: 'v1', kind: 'Deployment' });
    assert.equal(deployments.scope, 'Namespaced');
    assert.deepEqual(deployments.shortNames, ['deploy']);
    assert.deepEqual(deployments.categories, ['all']);
    assert.deepEqual(
      deployments.subresources.map((s: any) => [s.subresource, s.responseKind.group, s.responseKind.kind]),
      [
        ['status', 'apps', 'Deployment'],
        ['scale', 'autoscaling', 'Scale'],
      ],
    );
    assert.equal(apis.body['items'].some((g: any) => !g.metadata.name), false, 'the core group is served on /api only');

    const core = await get('/api', `${v2beta1},application/json`);
    assert.equal(core.type, v2beta1);
    assert.equal(core.body['apiVersion'], 'apidiscovery.k8s.io/v2beta1');
    assert.equal(core.body['items'].length, 1);
    const svc = core.body['items'][0].versions[0].resources.find((r: any) => r.resource === 'services');
    assert.deepEqual([svc.singularResource, svc.shortNames, svc.categories], ['service', ['svc'], ['all']]);

    const legacy = await get('/apis', 'application/json');
    assert.match(legacy.type, /^application\/json$/);
    assert.equal(legacy.body['kind'], 'APIGroupList');
    const appsV1 = await get('/apis/apps/v1', 'application/json');
    const scale = appsV1.body['resources'].find((r: any) => r.name === 'deployments/scale');
    assert.deepEqual(scale, { name: 'deployments/scale', singularName: '', namespaced: true, group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] });
  });

  for (const version of ['1.30', '1.27']) {
    test(`kubectl ${version}: create configmap --from-literal, secret generic, deployment, service, job, cronjob`, async () => {
      const suffix = version.replace('.', '-');
      await cluster.kubectlOk(['create', 'configmap', `lit-${suffix}`, '--from-literal=a=b', '--from-literal=c=d'], { version });
      await cluster.kubectlOk(['create', 'secret', 'generic', `gs-${suffix}`, '--from-literal=user=admin'], { version });
      const cm = await cluster.client.get(resources.configmaps, `lit-${suffix}`, 'default');
      assert.deepEqual(cm['data'], { a: 'b', c: 'd' });
      const secret = await cluster.client.get<Secret>(resources.secrets, `gs-${suffix}`, 'default');
      assert.equal(secret.type, 'Opaque');
      assert.deepEqual(secret.data, { user: Buffer.from('admin').toString('base64') });
      const out = rows(await cluster.kubectlOk(['get', 'secret', `gs-${suffix}`], { version }));
      assert.deepEqual(out[1]!.slice(0, 3), [`gs-${suffix}`, 'Opaque', '1']);

      // The other kinds `kubectl create` makes (protobuf from 1.32 on, JSON here).
      const ns = `create-${suffix}`;
      await cluster.kubectlOk(['create', 'namespace', ns], { version });
      await cluster.kubectlOk(['create', 'deployment', 'web', '-n', ns, '--image=busybox:1.36', '--replicas=2', '--port=80'], { version });
      await cluster.kubectlOk(['create', 'service', 'nodeport', 'web', '-n', ns, '--tcp=80:8080'], { version });
      await cluster.kubectlOk(['create', 'job', 'once', '-n', ns, '--image=busybox:1.36', '--', 'echo', 'hi'], { version });
      await cluster.kubectlOk(['create', 'cronjob', 'tick', '-n', ns, '--image=busybox:1.36', '--schedule=*/10 * * * *', '--', 'date'], { version });
      await cluster.kubectlOk(['create', 'job', 'manual', '-n', ns, '--from=cronjob/tick'], { version });
      await cluster.kubectlOk(['create', 'serviceaccount', 'bot', '-n', ns], { version });
      const all = await cluster.kubectlOk(['get', 'deploy,svc,jobs,cj,sa', '-n', ns, '-o', 'name'], { version });
      assert.deepEqual(all.trim().split('\n').sort(), [
        'cronjob.batch/tick',
        'deployment.apps/web',
        'job.batch/manual',
        'job.batch/once',
        'service/web',
        'serviceaccount/bot',
      ]);
      const svc = await cluster.client.get<Service>(resources.services, 'web', ns);
      const nodePort = svc.spec.ports?.[0]?.nodePort ?? 0;
      assert.ok(nodePort >= 30000 && nodePort <= 32767, `node port ${nodePort} in the default range`);
      assert.deepEqual(svc.spec.ports, [{ name: '80-8080', port: 80, protocol: 'TCP', targetPort: 8080, nodePort }]);
      const deploy = await cluster.client.get<Deployment>(resources.deployments, 'web', ns);
      assert.deepEqual([deploy.spec.replicas, deploy.spec.selector], [2, { matchLabels: { app: 'web' } }]);
    });
  }

  test('kubectl get events shows LAST SEEN, TYPE, REASON, OBJECT, MESSAGE (and the wide columns)', async () => {
    const now = Date.now();
    await cluster.client.request('POST', '/api/v1/namespaces/default/events', {
      body: {
        metadata: { name: 'web.17a' },
        involvedObject: { kind: 'Deployment', namespace: 'default', name: 'web' },
        reason: 'ScalingReplicaSet',
        type: 'Normal',
        message: 'Scaled up replica set web-5d4 to 3',
        source: { component: 'deployment-controller' },
        firstTimestamp: new Date(now - 25 * 60_000).toISOString().replace(/\.\d+Z$/, 'Z'),
        lastTimestamp: new Date(now - 12 * 60_000).toISOString().replace(/\.\d+Z$/, 'Z'),
        count: 4,
      },
    });
    for (const version of VERSIONS) {
      const plain = rows(await cluster.kubectlOk(['get', 'events'], { version }));
      assert.deepEqual(plain[0], ['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE']);
      assert.deepEqual(plain.find((r) => r[3] === 'deployment/web'), ['12m', 'Normal', 'ScalingReplicaSet', 'deployment/web', 'Scaled up replica set web-5d4 to 3']);
      const wide = rows(await cluster.kubectlOk(['get', 'events', '-o', 'wide'], { version }));
      assert.deepEqual(wide[0], ['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'SUBOBJECT', 'SOURCE', 'MESSAGE', 'FIRST SEEN', 'COUNT', 'NAME']);
      // The empty SUBOBJECT cell disappears when the row is split on runs of spaces.
      assert.deepEqual(wide.find((r) => r[3] === 'deployment/web')!.slice(4), ['deployment-controller', 'Scaled up replica set web-5d4 to 3', '25m', '4', 'web.17a']);
    }
  });

  async function rejected(fn: () => Promise<unknown>): Promise<Status> {
    try {
      await fn();
    } catch (err) {
      if (err instanceof ApiError) return err.status;
      throw err;
    }
    assert.fail('expected the request to be rejected');
  }

  test('invalid objects are 422 with field causes, and nothing is stored', async () => {
    const c = cluster.client;
    const post = (t: (typeof resources)[keyof typeof resources], body: unknown) => c.request('POST', `/${t.group ? `apis/${t.group}` : 'api'}/${t.version}/namespaces/default/${t.resource}`, { body });
    const deploy = await rejected(() =>
      post(resources.deployments, {
        metadata: { name: 'mismatch' },
        spec: { selector: { matchLabels: { app: 'a' } }, template: { metadata: { labels: { app: 'b' } }, spec: { containers: [{ name: 'c', image: 'i:1' }] } } },
      }),
    );
    assert.equal(deploy.code, 422);
    assert.equal(deploy.reason, 'Invalid');
    assert.equal(deploy.details?.kind, 'Deployment');
    assert.equal(deploy.details?.group, 'apps');
    assert.deepEqual(deploy.details?.causes, [
      { reason: 'FieldValueInvalid', field: 'spec.template.metadata.labels', message: 'Invalid value: map[string]string{"app":"b"}: `selector` does not match template `labels`' },
    ]);
    const noSelector = await rejected(() => post(resources.deployments, { metadata: { name: 'nosel' }, spec: { template: { spec: { containers: [{ name: 'c', image: 'i:1' }] } } } }));
    assert.deepEqual(noSelector.details?.causes?.[0], { reason: 'FieldValueRequired', field: 'spec.selector', message: 'Required value' });

    const svc = await rejected(() => post(resources.services, { metadata: { name: 's' }, spec: { ports: [{ port: 0 }, { port: 80, name: 'x', protocol: 'ICMP' }] } }));
    assert.equal(svc.code, 422);
    assert.deepEqual(
      svc.details?.causes?.map((cause) => cause.field),
      ['spec.ports[0].name', 'spec.ports[0].port', 'spec.ports[0].targetPort', 'spec.ports[1].protocol'],
    );
    const noPorts = await rejected(() => post(resources.services, { metadata: { name: 'np' }, spec: { selector: { app: 'x' } } }));
    assert.deepEqual(noPorts.details?.causes, [{ reason: 'FieldValueRequired', field: 'spec.ports', message: 'Required value' }]);

    const cron = await rejected(() =>
      post(resources.cronjobs, { metadata: { name: 'c' }, spec: { schedule: 'every day', jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'i:1' }] } } } } } }),
    );
    assert.deepEqual(cron.details?.causes, [{ reason: 'FieldValueInvalid', field: 'spec.schedule', message: 'Invalid value: "every day": expected exactly 5 fields, found 2: [every day]' }]);

    const job = await rejected(() => post(resources.jobs, { metadata: { name: 'j' }, spec: { template: { spec: { containers: [{ name: 'c', image: 'i:1' }] } } } }));
    assert.deepEqual(job.details?.causes, [
      { reason: 'FieldValueNotSupported', field: 'spec.template.spec.restartPolicy', message: 'Unsupported value: "Always": supported values: "OnFailure", "Never"' },
    ]);

    const cm = await rejected(() => post(resources.configmaps, { metadata: { name: 'big' }, data: { 'a b': 'x', ok: 'y'.repeat(1024 * 1024 + 1) } }));
    assert.deepEqual(
      cm.details?.causes?.map((cause) => [cause.field, cause.reason]),
      [
        ['data[a b]', 'FieldValueInvalid'],
        ['', 'FieldValueTooLong'],
      ],
    );
    const badBase64 = await rejected(() => post(resources.secrets, { metadata: { name: 'b64' }, data: { k: 'not base64!' } }));
    assert.equal(badBase64.code, 400);

    const listed = await c.list(resources.deployments, { namespace: 'default' });
    assert.deepEqual(listed.items.map((d) => d.metadata.name), []);
  });

  test('defaults as Kubernetes applies them', async () => {
    const c = cluster.client;
    const d = await c.request<Deployment>('POST', '/apis/apps/v1/namespaces/default/deployments', {
      body: { metadata: { name: 'defaults' }, spec: { selector: { matchLabels: { app: 'd' } }, template: { metadata: { labels: { app: 'd' } }, spec: { containers: [{ name: 'c', image: 'i:1' }] } } } },
    });
    assert.equal(d.spec.replicas, 1);
    assert.deepEqual(d.spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } });
    assert.equal(d.spec.revisionHistoryLimit, 10);
    assert.equal(d.spec.progressDeadlineSeconds, 600);
    const podSpec = d.spec.template.spec as unknown as Record<string, unknown>;
    assert.equal(podSpec['restartPolicy'], 'Always');
    assert.equal(podSpec['dnsPolicy'], 'ClusterFirst');
    assert.equal(podSpec['tolerations'], undefined, 'admission-only defaults stay off templates');

    const job = await c.request<Job>('POST', '/apis/batch/v1/namespaces/default/jobs', {
      body: { metadata: { name: 'jd' }, spec: { template: { metadata: { labels: { team: 'x' } }, spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'i:1' }] } } } },
    });
    const uid = job.metadata.uid!;
    assert.deepEqual(
      [job.spec.completions, job.spec.parallelism, job.spec.backoffLimit, job.spec.completionMode, job.spec.suspend],
      [1, 1, 6, 'NonIndexed', false],
    );
    assert.deepEqual(job.spec.selector, { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } });
    assert.deepEqual(job.spec.template.metadata?.labels, {
      team: 'x',
      'batch.kubernetes.io/controller-uid': uid,
      'controller-uid': uid,
      'batch.kubernetes.io/job-name': 'jd',
      'job-name': 'jd',
    });
    assert.deepEqual(job.metadata.labels, job.spec.template.metadata?.labels);
    const bare = await c.request<Job>('POST', '/apis/batch/v1/namespaces/default/jobs', {
      body: { metadata: { name: 'bare' }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'i:1' }] } } } },
    });
    assert.equal(bare.metadata.labels?.['batch.kubernetes.io/job-name'], 'bare', 'a Job without labels shows its generated template labels');
    const successful = await c.list(resources.jobs, { namespace: 'default', fieldSelector: 'status.successful=0' });
    assert.deepEqual(successful.items.map((j) => j.metadata.name).sort(), ['bare', 'jd']);

    const svc = await c.request<Service>('POST', '/api/v1/namespaces/default/services', { body: { metadata: { name: 'sd' }, spec: { selector: { app: 'd' }, ports: [{ port: 80 }] } } });
    assert.deepEqual(
      [svc.spec.type, svc.spec.sessionAffinity, svc.spec.ports?.[0]?.protocol, svc.spec.ports?.[0]?.targetPort, svc.spec.internalTrafficPolicy, svc.spec.ipFamilyPolicy, svc.spec.ipFamilies],
      ['ClusterIP', 'None', 'TCP', 80, 'Cluster', 'SingleStack', ['IPv4']],
    );
    assert.match(svc.spec.clusterIP ?? '', /^10\.43\.\d+\.\d+$/, 'a cluster IP is allocated');
    await c.request('POST', '/api/v1/namespaces/default/services', { body: { metadata: { name: 'hd' }, spec: { clusterIP: 'None', selector: { app: 'd' } } } });
    const notHeadless = await c.list<Service>(resources.services, { namespace: 'default', fieldSelector: 'spec.clusterIP!=None,spec.type=ClusterIP' });
    assert.deepEqual(notHeadless.items.map((s) => s.metadata.name), ['kubernetes', 'sd']);
    const external = await c.request<Service>('POST', '/api/v1/namespaces/default/services', { body: { metadata: { name: 'ext' }, spec: { clusterIP: 'None', ports: [{ port: 5432 }] } } });
    assert.deepEqual([external.spec.ipFamilyPolicy, external.spec.ipFamilies, external.spec.clusterIPs], ['RequireDualStack', ['IPv4', 'IPv6'], ['None']]);

    const secret = await c.request<Secret>('POST', '/api/v1/namespaces/default/secrets', { body: { metadata: { name: 'sd' }, data: { a: 'eA==' }, stringData: { a: 'y', b: 'z' } } });
    assert.deepEqual([secret.type, secret.data, secret.stringData], ['Opaque', { a: 'eQ==', b: 'eg==' }, undefined]);

    const cj = await c.request<Record<string, any>>('POST', '/apis/batch/v1/namespaces/default/cronjobs', {
      body: { metadata: { name: 'cjd' }, spec: { schedule: '@hourly', jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'i:1' }] } } } } } },
    });
    assert.deepEqual(
      [cj['spec'].concurrencyPolicy, cj['spec'].suspend, cj['spec'].successfulJobsHistoryLimit, cj['spec'].failedJobsHistoryLimit],
      ['Allow', false, 3, 1],
    );
  });

  test('status only through /status; generation bumps on spec changes only; selector is immutable', async () => {
    const c = cluster.client;
    const base = '/apis/apps/v1/namespaces/default/deployments/gen';
    let d = await c.request<Deployment>('POST', '/apis/apps/v1/namespaces/default/deployments', {
      body: {
        metadata: { name: 'gen' },
        spec: { selector: { matchLabels: { app: 'g' } }, template: { metadata: { labels: { app: 'g' } }, spec: { containers: [{ name: 'c', image: 'i:1' }] } } },
        status: { replicas: 9 },
      },
    });
    assert.deepEqual(d.status, {});
    assert.equal(d.metadata.generation, 1);
    d = await c.request<Deployment>('PATCH', base, { body: { status: { readyReplicas: 4 }, metadata: { labels: { x: 'y' } } }, contentType: 'application/merge-patch+json' });
    assert.deepEqual([d.status, d.metadata.generation], [{}, 1]);
    d = await c.request<Deployment>('PATCH', `${base}/status`, { body: { status: { readyReplicas: 4 }, spec: { replicas: 7 } }, contentType: 'application/merge-patch+json' });
    assert.deepEqual([d.status, d.spec.replicas, d.metadata.generation], [{ readyReplicas: 4 }, 1, 1]);
    d = await c.request<Deployment>('PATCH', base, { body: { spec: { replicas: 2 } }, contentType: 'application/merge-patch+json' });
    assert.deepEqual([d.spec.replicas, d.metadata.generation, d.status], [2, 2, { readyReplicas: 4 }]);
    d = await c.request<Deployment>('PATCH', base, { body: { metadata: { annotations: { note: 'x' } } }, contentType: 'application/merge-patch+json' });
    assert.equal(d.metadata.generation, 3, 'annotations are part of a Deployment generation');

    const scale = await c.request<Record<string, any>>('PUT', `${base}/scale`, { body: { kind: 'Scale', apiVersion: 'autoscaling/v1', metadata: { name: 'gen' }, spec: { replicas: 5 } } });
    assert.deepEqual([scale['kind'], scale['spec'], scale['status']], ['Scale', { replicas: 5 }, { replicas: 0, selector: 'app=g' }]);
    d = await c.get<Deployment>(resources.deployments, 'gen', 'default');
    assert.deepEqual([d.spec.replicas, d.metadata.generation], [5, 4]);
    const negative = await rejected(() => c.request('PUT', `${base}/scale`, { body: { spec: { replicas: -1 } } }));
    assert.equal(negative.code, 422);
    assert.deepEqual(negative.details?.causes, [{ reason: 'FieldValueInvalid', field: 'spec.replicas', message: 'Invalid value: -1: must be greater than or equal to 0' }]);
    const stale = await rejected(() => c.request('PUT', `${base}/scale`, { body: { metadata: { name: 'gen', resourceVersion: '1' }, spec: { replicas: 1 } } }));
    assert.equal(stale.code, 409);
    const noScale = await rejected(() => c.request('GET', '/apis/apps/v1/namespaces/default/daemonsets/x/scale'));
    assert.equal(noScale.code, 404);

    const immutable = await rejected(() => c.request('PATCH', base, { body: { spec: { selector: { matchLabels: { app: 'h' } }, template: { metadata: { labels: { app: 'h' } } } } }, contentType: 'application/merge-patch+json' }));
    assert.equal(immutable.code, 422);
    assert.equal(immutable.details?.causes?.[0]?.field, 'spec.selector');
    assert.match(immutable.details?.causes?.[0]?.message ?? '', /field is immutable$/);
  });
});
