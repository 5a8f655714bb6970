import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../../../api/types.js';
import type { Service } from '../../../../api/service-types.js';
import type { CronJob, Job } from '../../../../api/workload-types.js';
import { printCronJob, printJob } from './batch-tables.js';
import { formatLabelSelector, formatLabels } from './columns.js';
import { printEvent } from './event-table.js';
import { formatEndpoints, printService } from './service-table.js';

const now = new Date('2026-01-01T12:00:00Z');
const meta = { name: 'x', namespace: 'default', creationTimestamp: '2026-01-01T11:00:00Z' };

test('service rows by type', () => {
  const svc = (spec: Service['spec'], status: Service['status'] = {}) => printService({ metadata: meta, spec, status }, now).cells;
  assert.deepEqual(svc({ type: 'ClusterIP', clusterIP: '10.43.0.10', ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }], selector: { k: 'v', a: 'b' } }), [
    'x',
    'ClusterIP',
    '10.43.0.10',
    '<none>',
    '53/UDP,53/TCP',
    '60m',
    'a=b,k=v',
  ]);
  assert.deepEqual(svc({ type: 'LoadBalancer', clusterIP: '10.43.0.2', ports: [{ port: 80, nodePort: 31000, protocol: 'TCP' }] }).slice(1, 5), ['LoadBalancer', '10.43.0.2', '<pending>', '80:31000/TCP']);
  assert.deepEqual(
    svc({ type: 'LoadBalancer', clusterIP: '10.43.0.2', ports: [] }, { loadBalancer: { ingress: [{ ip: '192.0.2.1' }, { hostname: 'lb.example' }] } }).slice(3, 5),
    ['192.0.2.1,lb.example', '<none>'],
  );
  assert.deepEqual(svc({ type: 'NodePort', externalIPs: ['198.51.100.1'], ports: [{ port: 1, protocol: 'SCTP' }] }).slice(2, 5), ['<none>', '198.51.100.1', '1/SCTP']);
});

test('endpoints: three pairs, then a count', () => {
  assert.equal(formatEndpoints({ metadata: meta }), '<none>');
  assert.equal(formatEndpoints({ metadata: meta, subsets: [{ addresses: [{ ip: '10.0.0.1' }] }] }), '10.0.0.1');
  const ep = { metadata: meta, subsets: [{ addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }], ports: [{ port: 80 }, { port: 443 }] }] };
  assert.equal(formatEndpoints(ep), '10.0.0.1:80,10.0.0.1:443,10.0.0.2:80 + 1 more...');
});

test('job status, completions and duration', () => {
  const job = (spec: Partial<Job['spec']>, status: NonNullable<Job['status']>) =>
    printJob({ metadata: meta, spec: { template: { spec: { containers: [] } }, ...spec } as Job['spec'], status }, now).cells.slice(1, 4);
  assert.deepEqual(job({ completions: 3 }, {}), ['Running', '0/3', '']);
  assert.deepEqual(job({ completions: null, parallelism: 4 }, { succeeded: 1, startTime: '2026-01-01T11:59:00Z' }), ['Running', '1/1 of 4', '60s']);
  assert.deepEqual(
    job({ completions: 1 }, { succeeded: 1, startTime: '2026-01-01T11:00:00Z', completionTime: '2026-01-01T11:00:42Z', conditions: [{ type: 'Complete', status: 'True' }] }),
    ['Complete', '1/1', '42s'],
  );
  assert.deepEqual(job({ completions: 1 }, { conditions: [{ type: 'Failed', status: 'True' }] })[0], 'Failed');
  assert.deepEqual(job({ completions: 1, suspend: true }, { conditions: [{ type: 'Suspended', status: 'True' }] })[0], 'Suspended');
});

test('cronjob row', () => {
  const cj: CronJob = {
    metadata: meta,
    spec: { schedule: '0 * * * *', timeZone: 'Europe/Paris', suspend: true, jobTemplate: { spec: { template: { spec: { containers: [{ name: 'a', image: 'i:1' }] } } } } },
    status: { active: [{ name: 'j1' }], lastScheduleTime: '2026-01-01T11:58:00Z' },
  };
  assert.deepEqual(printCronJob(cj, now).cells, ['x', '0 * * * *', 'Europe/Paris', 'True', 1, '2m', '60m', 'a', 'i:1', '<none>']);
});

test('event row: last seen falls back to first seen, count to 1', () => {
  const e = {
    metadata: { name: 'web.1' },
    type: 'Warning',
    reason: 'BackOff',
    message: ' Back-off restarting failed container \n',
    involvedObject: { kind: 'Pod', name: 'web-1', fieldPath: 'spec.containers{web}' },
    source: { component: 'kubelet', host: 'node-1' },
    firstTimestamp: '2026-01-01T11:55:00Z',
  } as unknown as KubeObject;
  assert.deepEqual(printEvent(e, now).cells, ['5m', 'Warning', 'BackOff', 'pod/web-1', 'spec.containers{web}', 'kubelet, node-1', 'Back-off restarting failed container', '5m', 1, 'web.1']);
});

test('label and selector formatting', () => {
  assert.equal(formatLabels(undefined), '<none>');
  assert.equal(formatLabels({ b: '2', a: '1' }), 'a=1,b=2');
  assert.equal(formatLabelSelector(null), '<none>');
  assert.equal(formatLabelSelector({ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['b', 'a'] }] }), 'app=web,tier in (a,b)');
});
