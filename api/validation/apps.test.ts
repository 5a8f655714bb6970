import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DaemonSet, Deployment } from '../workload-types.js';
import { validateDaemonSet, validateDeployment, validateSelectorUnchanged } from './apps.js';
import { validateCronJob, validateJob, validateJobUpdate } from './batch.js';
import { isConfigMapKey, validateConfigMap, validateConfigMapUpdate, validateSecret, validateSecretUpdate } from './config.js';
import { validateService } from './service.js';

const podSpec = () => ({
  containers: [{ name: 'c', image: 'i:1', imagePullPolicy: 'IfNotPresent', terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File' }],
  restartPolicy: 'Always',
  dnsPolicy: 'ClusterFirst',
  terminationGracePeriodSeconds: 30,
  schedulerName: 'default-scheduler',
});

function deployment(over: Partial<Deployment['spec']> = {}): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: podSpec() as never },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } },
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
      ...over,
    },
  };
}

const fields = (errs: { field: string; message: string }[]) => errs.map((e) => `${e.field}: ${e.message}`);

test('a defaulted deployment is valid', () => {
  assert.deepEqual(validateDeployment(deployment()), []);
});

test('deployment rules as Kubernetes words them', () => {
  const cases: [Partial<Deployment['spec']>, string[]][] = [
    [{ selector: null }, ['spec.selector: Required value']],
    [{ selector: { matchLabels: { app: 'other' } } }, ['spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: `selector` does not match template `labels`']],
    [{ replicas: -1 }, ['spec.replicas: Invalid value: -1: must be greater than or equal to 0']],
    [{ strategy: { type: 'Recreate', rollingUpdate: { maxSurge: 1 } } }, ["spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'"]],
    [{ strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 0 } } }, ['spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when `maxSurge` is 0']],
    [{ strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '150%', maxUnavailable: 1 } } }, ['spec.strategy.rollingUpdate.maxSurge: Invalid value: "150%": must not be greater than 100%']],
    [{ strategy: { type: 'Blue' } }, ['spec.strategy.type: Unsupported value: "Blue": supported values: "Recreate", "RollingUpdate"']],
    [{ progressDeadlineSeconds: 5, minReadySeconds: 10 }, ['spec.progressDeadlineSeconds: Invalid value: 5: must be greater than minReadySeconds']],
    [
      { selector: { matchExpressions: [{ key: 'app', operator: 'In', values: [] }] } },
      ["spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'"],
    ],
  ];
  for (const [over, expected] of cases) assert.deepEqual(fields(validateDeployment(deployment(over))), expected, JSON.stringify(over));
  const job = deployment();
  (job.spec.template.spec as { restartPolicy: string }).restartPolicy = 'Never';
  assert.deepEqual(fields(validateDeployment(job)), ['spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"']);
});

test('the selector of a workload may not change', () => {
  const before = deployment();
  const after = deployment({ selector: { matchLabels: { app: 'web', v: '2' } }, template: { metadata: { labels: { app: 'web', v: '2' } }, spec: podSpec() as never } });
  assert.deepEqual(validateSelectorUnchanged(before, before), []);
  const errs = validateSelectorUnchanged(after, before);
  assert.equal(errs.length, 1);
  assert.equal(errs[0]!.field, 'spec.selector');
  assert.match(errs[0]!.message, /field is immutable$/);
});

test('daemonset update strategy types', () => {
  const ds: DaemonSet = {
    metadata: { name: 'd', namespace: 'default' },
    spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: podSpec() as never }, updateStrategy: { type: 'Sometimes' } },
  };
  assert.deepEqual(fields(validateDaemonSet(ds)), ['spec.updateStrategy.type: Unsupported value: "Sometimes": supported values: "OnDelete", "RollingUpdate"']);
});

test('jobs: generated selector must be the server one unless manualSelector', () => {
  const uid = '11111111-2222-3333-4444-555555555555';
  const job = {
    metadata: { name: 'j', namespace: 'default', uid },
    spec: {
      parallelism: 1,
      completions: 1,
      backoffLimit: 6,
      selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } },
      template: { metadata: { labels: { 'batch.kubernetes.io/controller-uid': uid } }, spec: { ...podSpec(), restartPolicy: 'Never' } as never },
    },
  };
  assert.deepEqual(validateJob(job), []);
  const manual = { ...job, spec: { ...job.spec, selector: { matchLabels: { app: 'x' } } as Record<string, Record<string, string>> } };
  const mismatch = 'spec.template.metadata.labels: Invalid value: map[string]string{"batch.kubernetes.io/controller-uid":"11111111-2222-3333-4444-555555555555"}: `selector` does not match template `labels`';
  assert.deepEqual(fields(validateJob(manual)), ['spec.selector: Invalid value: {"matchLabels":{"app":"x"}}: `selector` not auto-generated', mismatch]);
  const allowed = { ...structuredClone(manual), spec: { ...structuredClone(manual.spec), manualSelector: true } };
  assert.deepEqual(fields(validateJob(allowed)), [mismatch]);
  const scaled = { ...job, spec: { ...job.spec, parallelism: 3, backoffLimit: 2, suspend: true } };
  assert.deepEqual(validateJobUpdate(scaled as never, job as never), []);
  const recompleted = { ...job, spec: { ...job.spec, completions: 5, completionMode: 'Indexed' } };
  assert.deepEqual(fields(validateJobUpdate(recompleted as never, job as never)), [
    'spec.completions: Invalid value: 5: field is immutable',
    'spec.completionMode: Invalid value: "Indexed": field is immutable',
  ]);
  const negative = structuredClone(job);
  negative.spec.backoffLimit = -1;
  assert.deepEqual(fields(validateJob(negative)), ['spec.backoffLimit: Invalid value: -1: must be greater than or equal to 0']);
});

test('cronjob name length and schedule', () => {
  const cj = {
    metadata: { name: 'x'.repeat(53), namespace: 'default' },
    spec: { schedule: '@hourly', concurrencyPolicy: 'Allow', jobTemplate: { spec: { template: { spec: { ...podSpec(), restartPolicy: 'OnFailure' } as never } } } },
  };
  assert.deepEqual(fields(validateCronJob(cj)), [`metadata.name: Invalid value: "${'x'.repeat(53)}": must be no more than 52 characters`]);
  cj.metadata.name = 'ok';
  assert.deepEqual(fields(validateCronJob({ ...cj, spec: { ...cj.spec, timeZone: 'Europe/Paris' } })), []);
  assert.deepEqual(fields(validateCronJob({ ...cj, spec: { ...cj.spec, timeZone: 'Mars/Olympus' } })), ['spec.timeZone: Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus']);
});

test('services: ports, types and shapes', () => {
  const svc = (spec: Record<string, unknown>) => ({ metadata: { name: 's', namespace: 'default' }, spec: { type: 'ClusterIP', sessionAffinity: 'None', ...spec } });
  assert.deepEqual(validateService(svc({ ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }] })), []);
  assert.deepEqual(validateService(svc({ clusterIP: 'None' })), [], 'a headless service needs no ports');
  // kubectl create service names ports "80-8080": a DNS label, not an IANA service name.
  assert.deepEqual(validateService(svc({ ports: [{ name: '80-8080', port: 80, protocol: 'TCP', targetPort: 8080 }] })), []);
  assert.deepEqual(fields(validateService(svc({ ports: [{ name: 'Http', port: 80, protocol: 'TCP', targetPort: 'we--b' }] }))), [
    "spec.ports[0].name: Invalid value: \"Http\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
    'spec.ports[0].targetPort: Invalid value: "we--b": must not contain consecutive hyphens',
  ]);
  assert.deepEqual(validateService(svc({ type: 'ExternalName', externalName: 'db.example.com' })), []);
  assert.deepEqual(fields(validateService(svc({ type: 'ExternalName' }))), ['spec.externalName: Required value']);
  assert.deepEqual(fields(validateService(svc({ ports: [{ port: 80, protocol: 'TCP', nodePort: 30000 }] }))), [
    "spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'",
  ]);
  assert.deepEqual(
    fields(validateService(svc({ ports: [{ name: 'a', port: 80, protocol: 'TCP' }, { name: 'a', port: 80, protocol: 'TCP' }] }))),
    ['spec.ports[1].name: Duplicate value: "a"', 'spec.ports[1]: Duplicate value: "80/TCP"'],
  );
  assert.deepEqual(fields(validateService(svc({ type: 'NodePort', clusterIP: 'None', ports: [{ port: 1, protocol: 'TCP' }] }))), [
    "spec.clusterIPs[0]: Invalid value: \"None\": may not be set to 'None' for NodePort services",
  ]);
  assert.deepEqual(fields(validateService({ metadata: { name: '1svc', namespace: 'default' }, spec: { type: 'ClusterIP', clusterIP: 'None' } })).length, 1);
});

test('config keys, sizes and typed secrets', () => {
  assert.deepEqual(isConfigMapKey('ok.key_1-x'), []);
  assert.deepEqual(isConfigMapKey('..data'), ["must not start with '..'"]);
  assert.deepEqual(isConfigMapKey('.'), ["must not be '.'"]);
  assert.deepEqual(fields(validateConfigMap({ metadata: { name: 'c', namespace: 'd' }, data: { k: 'v' }, binaryData: { k: 'AA==' } })), ['data[k]: Invalid value: "k": duplicate of key present in binaryData']);
  assert.deepEqual(fields(validateSecret({ metadata: { name: 's', namespace: 'd' }, type: 'kubernetes.io/tls', data: { 'tls.crt': 'AA==' } })), ['data[tls.key]: Required value']);
  assert.deepEqual(fields(validateSecret({ metadata: { name: 's', namespace: 'd' }, type: 'Opaque', data: { k: 'A'.repeat(1.5 * 1024 * 1024) } })), ['data: Too long: must have at most 1048576 bytes']);
});

test('immutable configmaps and secrets keep their data; a secret keeps its type', () => {
  const meta = { name: 'c', namespace: 'd' };
  const cm = { metadata: meta, data: { a: '1' }, immutable: true };
  assert.deepEqual(validateConfigMapUpdate(cm, cm), []);
  assert.deepEqual(fields(validateConfigMapUpdate({ ...cm, data: { a: '2' } }, cm)), ['data: Forbidden: field is immutable when `immutable` is set']);
  assert.deepEqual(fields(validateConfigMapUpdate({ ...cm, immutable: false }, cm)), ['immutable: Forbidden: field is immutable when `immutable` is set']);
  assert.deepEqual(validateConfigMapUpdate({ ...cm, data: { a: '2' }, immutable: true }, { ...cm, immutable: false }), [], 'becoming immutable is allowed');
  const secret = { metadata: meta, type: 'Opaque', data: { a: 'AA==' } };
  assert.deepEqual(fields(validateSecretUpdate({ ...secret, type: 'kubernetes.io/tls' }, secret)), ['type: Invalid value: "kubernetes.io/tls": field is immutable']);
  assert.deepEqual(fields(validateSecretUpdate({ ...secret, data: {} }, { ...secret, immutable: true })), [
    'immutable: Forbidden: field is immutable when `immutable` is set',
    'data: Forbidden: field is immutable when `immutable` is set',
  ]);
});
