import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Secret, Service } from '../../../api/service-types.js';
import type { DaemonSet, Deployment, Job } from '../../../api/workload-types.js';
import { defaultDaemonSet, defaultDeployment } from './apps-strategies.js';
import { defaultJob, generateJobSelector } from './batch-strategies.js';
import { base64ErrorOffset, mergeStringData, secretStrategy } from './config-strategies.js';
import { applyScale, toScale } from './scale.js';
import { defaultService, serviceStrategy } from './service-strategies.js';
import { nodeStrategy } from './core-strategies.js';

const template = () => ({ metadata: { labels: { app: 'a' } }, spec: { containers: [{ name: 'c', image: 'i:latest' }] } });

test('deployment and daemonset defaults leave admission-only pod fields off the template', () => {
  const d = { metadata: { name: 'd' }, spec: { selector: { matchLabels: { app: 'a' } }, template: template() } } as unknown as Deployment;
  defaultDeployment(d);
  assert.deepEqual([d.spec.replicas, d.spec.revisionHistoryLimit, d.spec.progressDeadlineSeconds], [1, 10, 600]);
  const spec = d.spec.template.spec as unknown as Record<string, unknown>;
  assert.equal((d.spec.template.spec.containers[0] as { imagePullPolicy?: string }).imagePullPolicy, 'Always');
  assert.deepEqual([spec['tolerations'], spec['priority'], spec['enableServiceLinks'], spec['restartPolicy']], [undefined, undefined, undefined, 'Always']);
  const limited = {
    metadata: { name: 'l' },
    spec: { template: { spec: { hostNetwork: true, containers: [{ name: 'c', image: 'i:1', resources: { limits: { cpu: '1' } }, ports: [{ containerPort: 80 }] }] } } },
  } as unknown as Deployment;
  defaultDeployment(limited);
  assert.deepEqual(limited.spec.template.spec.containers[0]!.resources, { limits: { cpu: '1' } }, 'requests are not copied from limits on templates');
  assert.deepEqual(limited.spec.template.spec.containers[0]!.ports, [{ containerPort: 80, protocol: 'TCP' }]);
  const recreate = { metadata: { name: 'r' }, spec: { strategy: { type: 'Recreate' }, template: template() } } as unknown as Deployment;
  defaultDeployment(recreate);
  assert.deepEqual(recreate.spec.strategy, { type: 'Recreate' }, 'no rollingUpdate block for Recreate');
  const kept = { metadata: { name: 'k' }, spec: { template: { spec: { containers: [], tolerations: [{ key: 'x', operator: 'Exists' }] } } } } as unknown as Deployment;
  defaultDeployment(kept);
  assert.deepEqual((kept.spec.template.spec as unknown as Record<string, unknown>)['tolerations'], [{ key: 'x', operator: 'Exists' }]);
  const ds = { metadata: { name: 'ds' }, spec: { template: template() } } as unknown as DaemonSet;
  defaultDaemonSet(ds);
  assert.deepEqual(ds.spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
});

test('job selector generation and label sharing', () => {
  const job = { metadata: { name: 'j', uid: 'u-1' }, spec: { template: { spec: { containers: [] } } } } as unknown as Job;
  generateJobSelector(job);
  defaultJob(job);
  assert.deepEqual(job.spec.selector, { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u-1' } });
  assert.deepEqual(job.metadata.labels, { 'batch.kubernetes.io/controller-uid': 'u-1', 'controller-uid': 'u-1', 'batch.kubernetes.io/job-name': 'j', 'job-name': 'j' });
  const manual = { metadata: { name: 'm', uid: 'u-2', labels: { own: 'yes' } }, spec: { manualSelector: true, selector: { matchLabels: { x: 'y' } }, template: { metadata: { labels: { x: 'y' } }, spec: { containers: [] } } } } as unknown as Job;
  generateJobSelector(manual);
  defaultJob(manual);
  assert.deepEqual([manual.spec.selector, manual.spec.template.metadata?.labels, manual.metadata.labels], [{ matchLabels: { x: 'y' } }, { x: 'y' }, { own: 'yes' }]);
  const parallel = { metadata: { name: 'p' }, spec: { parallelism: 3, template: { spec: { containers: [] } } } } as unknown as Job;
  defaultJob(parallel);
  assert.deepEqual([parallel.spec.completions, parallel.spec.parallelism], [undefined, 3], 'completions stay unset for a work queue');
});

test('service defaults by type; an update without clusterIP keeps the stored one', () => {
  const np: Service = { metadata: { name: 's' }, spec: { type: 'NodePort', ports: [{ port: 80, targetPort: 'http' }, { port: 81 }] } };
  defaultService(np);
  assert.deepEqual(np.spec.ports, [
    { port: 80, targetPort: 'http', protocol: 'TCP' },
    { port: 81, targetPort: 81, protocol: 'TCP' },
  ]);
  assert.deepEqual([np.spec.externalTrafficPolicy, np.spec.internalTrafficPolicy, np.spec.sessionAffinity], ['Cluster', 'Cluster', 'None']);
  const ext: Service = { metadata: { name: 'e' }, spec: { type: 'ExternalName', externalName: 'x.example' } };
  defaultService(ext);
  assert.deepEqual(ext.spec, { type: 'ExternalName', externalName: 'x.example', sessionAffinity: 'None' });
  const affinity: Service = { metadata: { name: 'a' }, spec: { sessionAffinity: 'ClientIP', ports: [{ port: 1 }] } };
  defaultService(affinity);
  assert.deepEqual(affinity.spec.sessionAffinityConfig, { clientIP: { timeoutSeconds: 10800 } });
  const old: Service = { metadata: { name: 'o' }, spec: { clusterIP: '10.43.0.9', clusterIPs: ['10.43.0.9'], ports: [{ port: 1 }] }, status: { loadBalancer: {} } };
  const next: Service = { metadata: { name: 'o' }, spec: { ports: [{ port: 2 }] }, status: { loadBalancer: { ingress: [{ ip: '1.2.3.4' }] } } };
  serviceStrategy.prepareForUpdate!(next, old);
  assert.deepEqual([next.spec.clusterIP, next.spec.clusterIPs, next.status], ['10.43.0.9', ['10.43.0.9'], { loadBalancer: {} }]);
});

test('secrets: base64 checked, stringData merged and dropped, type defaulted', () => {
  assert.equal(base64ErrorOffset('aGVsbG8='), -1);
  assert.equal(base64ErrorOffset(''), -1);
  assert.equal(base64ErrorOffset('ab!d'), 2);
  assert.equal(base64ErrorOffset('abc'), 0);
  assert.equal(base64ErrorOffset('ab=d'), 2);
  const s: Secret = { metadata: { name: 's' }, data: { a: 'eA==' }, stringData: { a: 'new', b: 'ü' } };
  mergeStringData(s);
  assert.deepEqual(s, { metadata: { name: 's' }, data: { a: 'bmV3', b: Buffer.from('ü').toString('base64') } });
  const typed: Secret = { metadata: { name: 't' }, stringData: { k: 'v' } };
  secretStrategy.defaults!(typed);
  assert.deepEqual([typed.type, typed.data, typed.stringData], ['Opaque', { k: 'dg==' }, undefined]);
  assert.throws(() => secretStrategy.defaults!({ metadata: { name: 'x' }, data: { k: '***' } } as Secret), /illegal base64 data at input byte 0/);
});

test('scale: object → Scale → object', () => {
  const d = {
    metadata: { name: 'web', namespace: 'ns', uid: 'u', resourceVersion: '7', creationTimestamp: '2026-01-01T00:00:00Z', labels: { a: 'b' } },
    spec: { replicas: 2, selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['db'] }] } },
    status: { replicas: 1 },
  };
  assert.deepEqual(toScale(d), {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name: 'web', namespace: 'ns', uid: 'u', resourceVersion: '7', creationTimestamp: '2026-01-01T00:00:00Z' },
    spec: { replicas: 2 },
    status: { replicas: 1, selector: 'app=web,tier notin (db)' },
  });
  const scaled = applyScale(d, { spec: { replicas: 4 } }) as typeof d;
  assert.deepEqual([scaled.spec.replicas, scaled.metadata.resourceVersion, d.spec.replicas], [4, undefined, 2]);
  assert.equal((applyScale(d, { metadata: { resourceVersion: '7' }, spec: { replicas: 1 } }) as typeof d).metadata.resourceVersion, '7');
  assert.throws(() => applyScale(d, { spec: { replicas: -2 } }), /Scale "web" is invalid: spec.replicas: Invalid value: -2: must be greater than or equal to 0/);
  assert.throws(() => applyScale(d, { kind: 'Deployment', spec: { replicas: 1 } }), /does not match the expected API version/);
  assert.throws(() => applyScale(d, { metadata: { name: 'other' }, spec: { replicas: 1 } }), /does not match the name on the URL/);
});

test('a Node created without a spec is stored with an empty one, as Kubernetes serves it', () => {
  const node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n' } } as Record<string, unknown> & { metadata: { name: string } };
  nodeStrategy.defaults!(node);
  assert.deepEqual(node['spec'], {});
});
