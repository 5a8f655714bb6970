import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseFieldSelector } from '../../../api/fields.js';
import type { Node, Pod } from '../../../api/types.js';
import { fieldErrorString } from '../../../api/validation/field-error.js';
import {
  defaultImagePullPolicy,
  defaultPod,
  nodeFieldGetter,
  nodeSelectableFields,
  objectFieldGetter,
  parseImageReference,
  podFieldGetter,
  podFieldNames,
  podSelectableFields,
  validatePod,
  validatePodUpdate,
} from './pod-strategy.js';

const DIGEST = `sha256:${'a'.repeat(64)}`;

describe('defaultImagePullPolicy', () => {
  const cases: [string, 'Always' | 'IfNotPresent'][] = [
    ['nginx', 'Always'],
    ['nginx:latest', 'Always'],
    ['nginx:1.25', 'IfNotPresent'],
    [`nginx@${DIGEST}`, 'IfNotPresent'],
    [`nginx:latest@${DIGEST}`, 'Always'],
    ['localhost:5000/team/app', 'Always'],
    ['localhost:5000/team/app:v1', 'IfNotPresent'],
    ['registry.example.com/app:latest', 'Always'],
    ['Nginx', 'IfNotPresent'], // not a valid reference: Kubernetes cannot see a tag
    ['', 'IfNotPresent'],
  ];
  for (const [image, want] of cases) it(`${JSON.stringify(image)} → ${want}`, () => assert.equal(defaultImagePullPolicy(image), want));

  it('parses references', () => {
    assert.deepEqual(parseImageReference('localhost:5000/app:v1'), { name: 'localhost:5000/app', tag: 'v1' });
    assert.deepEqual(parseImageReference(`app@${DIGEST}`), { name: 'app', digest: DIGEST });
    assert.equal(parseImageReference('app:bad tag'), undefined);
  });
});

describe('defaultPod', () => {
  it('fills in what Kubernetes fills in', () => {
    const pod = defaultPod({
      metadata: { name: 'web', namespace: 'default' },
      spec: {
        containers: [
          {
            name: 'app',
            image: 'nginx',
            ports: [{ containerPort: 80 }],
            resources: { limits: { cpu: '1', memory: '64Mi' }, requests: { cpu: '500m' } },
            readinessProbe: { httpGet: { port: 80 } },
          },
        ],
        initContainers: [{ name: 'init', image: 'busybox:1.36' }],
      },
    } as Pod);
    assert.deepEqual(pod.spec, {
      containers: [
        {
          name: 'app',
          image: 'nginx',
          ports: [{ containerPort: 80, protocol: 'TCP' }],
          resources: { limits: { cpu: '1', memory: '64Mi' }, requests: { cpu: '500m', memory: '64Mi' } },
          readinessProbe: { httpGet: { port: 80, path: '/', scheme: 'HTTP' }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 },
          imagePullPolicy: 'Always',
          terminationMessagePath: '/dev/termination-log',
          terminationMessagePolicy: 'File',
        },
      ],
      initContainers: [
        { name: 'init', image: 'busybox:1.36', imagePullPolicy: 'IfNotPresent', terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File' },
      ],
      dnsPolicy: 'ClusterFirst',
      restartPolicy: 'Always',
      securityContext: {},
      terminationGracePeriodSeconds: 30,
      schedulerName: 'default-scheduler',
      enableServiceLinks: true,
      priority: 0,
      preemptionPolicy: 'PreemptLowerPriority',
      tolerations: [
        { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
        { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      ],
    });
    assert.deepEqual(validatePod(pod), []);
  });

  it('keeps what the user set', () => {
    const pod = defaultPod({
      metadata: { name: 'web', namespace: 'default' },
      spec: {
        containers: [{ name: 'app', image: 'nginx', imagePullPolicy: 'Never' }],
        restartPolicy: 'Never',
        terminationGracePeriodSeconds: 0,
        schedulerName: 'mine',
        enableServiceLinks: false,
        dnsPolicy: 'Default',
      },
    } as Pod);
    assert.equal(pod.spec.containers[0]!.imagePullPolicy, 'Never');
    assert.equal(pod.spec.restartPolicy, 'Never');
    assert.equal(pod.spec.terminationGracePeriodSeconds, 0);
    assert.equal(pod.spec.schedulerName, 'mine');
    assert.equal(pod.spec['enableServiceLinks'], false);
    assert.equal(pod.spec.dnsPolicy, 'Default');
  });

  const tolerationCases: { name: string; tolerations: object[]; added: string[] }[] = [
    { name: 'none', tolerations: [], added: ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable'] },
    { name: 'tolerates everything', tolerations: [{ operator: 'Exists' }], added: [] },
    { name: 'own not-ready', tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 5 }], added: ['node.kubernetes.io/unreachable'] },
    { name: 'NoSchedule does not count', tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoSchedule' }], added: ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable'] },
  ];
  for (const c of tolerationCases) {
    it(`default tolerations: ${c.name}`, () => {
      const pod = defaultPod({ metadata: { name: 'p', namespace: 'd' }, spec: { containers: [], tolerations: structuredClone(c.tolerations) } } as Pod);
      const all = pod.spec['tolerations'] as { key?: string }[];
      assert.deepEqual(all.slice(c.tolerations.length).map((t) => t.key), c.added);
    });
  }

  it('is idempotent', () => {
    const once = defaultPod({ metadata: { name: 'p', namespace: 'd' }, spec: { containers: [{ name: 'a', image: 'x' }] } } as Pod);
    const twice = defaultPod(structuredClone(once));
    assert.deepEqual(twice, once);
  });

  it('hostNetwork pods get hostPort = containerPort', () => {
    const pod = defaultPod({ metadata: { name: 'p', namespace: 'd' }, spec: { hostNetwork: true, containers: [{ name: 'a', image: 'x', ports: [{ containerPort: 53, protocol: 'UDP' }] }] } } as Pod);
    assert.deepEqual(pod.spec.containers[0]!.ports, [{ containerPort: 53, protocol: 'UDP', hostPort: 53 }]);
  });

  it('leaves malformed entries for validation to report', () => {
    const pod = defaultPod({ metadata: { name: 'p', namespace: 'd' }, spec: { containers: [null, { name: 'a', image: 'x', ports: [null] }] } } as unknown as Pod);
    assert.equal(validatePod(pod).length > 0, true);
  });

  it('system priority classes', () => {
    const pod = defaultPod({ metadata: { name: 'p', namespace: 'd' }, spec: { priorityClassName: 'system-node-critical', containers: [] } } as Pod);
    assert.equal(pod.spec['priority'], 2000001000);
  });
});

describe('validation through the strategy', () => {
  it('reports Kubernetes messages on a defaulted pod', () => {
    const pod = defaultPod({
      metadata: { name: 'web', namespace: 'default' },
      spec: { containers: [{ name: 'app', image: 'nginx', ports: [{ containerPort: 70000 }], resources: { limits: { cpu: '1' }, requests: { cpu: '2' } } }] },
    } as Pod);
    assert.deepEqual(validatePod(pod).map(fieldErrorString), [
      'spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive',
      'spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1',
    ]);
  });
  it('an image change is a valid update', () => {
    const old = defaultPod({ metadata: { name: 'web', namespace: 'default' }, spec: { containers: [{ name: 'app', image: 'nginx:1' }] } } as Pod);
    const next = structuredClone(old);
    next.spec.containers[0]!.image = 'nginx:2';
    assert.deepEqual(validatePodUpdate(defaultPod(next), old), []);
  });
});

describe('selectable fields', () => {
  const pod: Pod = {
    metadata: { name: 'web', namespace: 'prod' },
    spec: { containers: [], nodeName: 'n1', restartPolicy: 'Always', schedulerName: 'default-scheduler', serviceAccountName: 'sa' },
    status: { phase: 'Running', podIP: '10.0.0.9', podIPs: [{ ip: '10.0.0.5' }], nominatedNodeName: 'n2' },
  };
  const cases: [string, string | undefined][] = [
    ['metadata.name', 'web'],
    ['metadata.namespace', 'prod'],
    ['spec.nodeName', 'n1'],
    ['spec.host', 'n1'],
    ['spec.restartPolicy', 'Always'],
    ['spec.schedulerName', 'default-scheduler'],
    ['spec.serviceAccountName', 'sa'],
    ['spec.hostNetwork', 'false'],
    ['status.phase', 'Running'],
    ['status.podIP', '10.0.0.5'],
    ['status.nominatedNodeName', 'n2'],
    ['spec.containers', undefined],
  ];
  for (const [field, want] of cases) it(`pod ${field}`, () => assert.equal(podFieldGetter(pod)(field), want));

  it('unassigned pods have an empty spec.nodeName', () => {
    const pending: Pod = { metadata: { name: 'p' }, spec: { containers: [] } };
    assert.equal(parseFieldSelector('spec.nodeName=', podSelectableFields).matches(podFieldGetter(pending)), true);
    assert.equal(parseFieldSelector('spec.host=n1', podSelectableFields).matches(podFieldGetter(pod)), true);
  });
  it('every advertised pod field is readable', () => {
    for (const f of podSelectableFields.names) assert.notEqual(podFieldGetter(pod)(f), undefined, f);
    assert.ok(podFieldNames.every((f) => !f.startsWith('metadata.')));
  });

  const node: Node = { metadata: { name: 'n1' }, spec: { unschedulable: true } };
  it('node fields', () => {
    assert.equal(nodeFieldGetter(node)('spec.unschedulable'), 'true');
    assert.equal(nodeFieldGetter({ metadata: { name: 'n2' }, spec: {} })('spec.unschedulable'), 'false');
    assert.equal(nodeFieldGetter(node)('metadata.name'), 'n1');
    assert.throws(() => parseFieldSelector('metadata.namespace=x', nodeSelectableFields), /^FieldSelectorError: field label not supported: metadata.namespace$/);
  });
  it('generic object fields', () => {
    const get = objectFieldGetter({ metadata: { name: 'l', namespace: 'kube-node-lease' } });
    assert.equal(get('metadata.name'), 'l');
    assert.equal(get('metadata.namespace'), 'kube-node-lease');
    assert.equal(get('spec.holderIdentity'), undefined);
  });
});
