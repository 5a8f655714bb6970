import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Container, Pod } from '../types.js';
import { fieldErrorString } from './field-error.js';
import { validatePod, validatePodUpdate } from './pod.js';

const LABEL =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const QUANTITY = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

function container(extra: Partial<Container> = {}): Container {
  return { name: 'app', image: 'nginx:1.25', imagePullPolicy: 'IfNotPresent', terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File', ...extra };
}

/** A pod as it looks after defaulting. */
function pod(spec: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'default', ...metadata },
    spec: {
      containers: [container()],
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
      dnsPolicy: 'ClusterFirst',
      schedulerName: 'default-scheduler',
      ...spec,
    },
  };
}

const messages = (p: Pod): string[] => validatePod(p).map(fieldErrorString);

describe('validatePod', () => {
  const cases: { name: string; pod: Pod; want: string[] }[] = [
    { name: 'valid', pod: pod(), want: [] },
    { name: 'no containers', pod: pod({ containers: [] }), want: ['spec.containers: Required value'] },
    { name: 'metadata', pod: pod({}, { name: '', namespace: '' }), want: ['metadata.name: Required value: name or generateName is required', 'metadata.namespace: Required value'] },
    {
      name: 'container name',
      pod: pod({ containers: [container({ name: 'Web_1' })] }),
      want: [`spec.containers[0].name: Invalid value: "Web_1": ${LABEL}`],
    },
    {
      name: 'duplicate names',
      pod: pod({ containers: [container(), container()] }),
      want: ['spec.containers[1].name: Duplicate value: "app"'],
    },
    { name: 'image required', pod: pod({ containers: [container({ image: '' })] }), want: ['spec.containers[0].image: Required value'] },
    {
      name: 'image whitespace',
      pod: pod({ containers: [container({ image: ' nginx' })] }),
      want: ['spec.containers[0].image: Invalid value: " nginx": must not have leading or trailing whitespace'],
    },
    {
      name: 'ports',
      pod: pod({
        containers: [
          container({
            ports: [
              { containerPort: 70000, protocol: 'TCP' },
              { containerPort: 0, protocol: 'TCP' },
              { containerPort: 80, hostPort: 70001, protocol: 'TCP' },
              { containerPort: 81, name: 'HTTP', protocol: 'TCP' },
              { containerPort: 82, name: 'web', protocol: 'TCP' },
              { containerPort: 83, name: 'web', protocol: 'http' as 'TCP' },
            ],
          }),
        ],
      }),
      want: [
        'spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive',
        'spec.containers[0].ports[1].containerPort: Required value',
        'spec.containers[0].ports[2].hostPort: Invalid value: 70001: must be between 1 and 65535, inclusive',
        'spec.containers[0].ports[3].name: Invalid value: "HTTP": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
        'spec.containers[0].ports[3].name: Invalid value: "HTTP": must contain at least one letter (a-z)',
        'spec.containers[0].ports[5].name: Duplicate value: "web"',
        'spec.containers[0].ports[5].protocol: Unsupported value: "http": supported values: "SCTP", "TCP", "UDP"',
      ],
    },
    {
      name: 'host port conflict',
      pod: pod({
        containers: [
          container({ ports: [{ containerPort: 80, hostPort: 8080, protocol: 'TCP' }] }),
          container({ name: 'b', ports: [{ containerPort: 81, hostPort: 8080, protocol: 'TCP' }] }),
        ],
      }),
      want: ['spec.containers[1].ports[0].hostPort: Duplicate value: "TCP//8080"'],
    },
    {
      name: 'policies',
      pod: pod({
        restartPolicy: 'Sometimes',
        dnsPolicy: 'Google',
        containers: [container({ imagePullPolicy: 'Maybe' as 'Never', terminationMessagePolicy: 'Log' as 'File' })],
      }),
      want: [
        'spec.containers[0].terminationMessagePolicy: Unsupported value: "Log": supported values: "File", "FallbackToLogsOnError"',
        'spec.containers[0].imagePullPolicy: Unsupported value: "Maybe": supported values: "Always", "IfNotPresent", "Never"',
        'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
        'spec.dnsPolicy: Unsupported value: "Google": supported values: "ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"',
      ],
    },
    {
      name: 'resources',
      pod: pod({
        containers: [
          container({
            resources: {
              limits: { cpu: '1', memory: '64Mi', 'example.com/gpu': '1' },
              requests: { cpu: '2', memory: 'lots', 'example.com/gpu': '500m', 'nvidia.com/fpga': '1' },
            },
          }),
        ],
      }),
      want: [
        'spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1',
        `spec.containers[0].resources.requests[memory]: Invalid value: "lots": ${QUANTITY}`,
        'spec.containers[0].resources.requests[example.com/gpu]: Invalid value: 500m: must be an integer',
        'spec.containers[0].resources.requests: Invalid value: "500m": must be equal to example.com/gpu limit of 1',
        'spec.containers[0].resources.limits: Required value: Limit must be set for non overcommitable resources',
      ],
    },
    {
      name: 'resource names and signs',
      pod: pod({ containers: [container({ resources: { limits: { pods: '1', cpu: '-1', 'hugepages-2Mi': '3Mi' } } })] }),
      want: [
        'spec.containers[0].resources.limits[pods]: Invalid value: "pods": must be a standard resource for containers',
        'spec.containers[0].resources.limits[cpu]: Invalid value: "-1": must be greater than or equal to 0',
        'spec.containers[0].resources.limits[hugepages-2Mi]: Invalid value: "3Mi": 3Mi is not positive integer multiple of hugepages-2Mi',
      ],
    },
    {
      name: 'quantities may be JSON numbers',
      pod: pod({ containers: [container({ resources: { limits: { cpu: 2 as unknown as string }, requests: { cpu: 0.5 as unknown as string } } })] }),
      want: [],
    },
    {
      name: 'env',
      pod: pod({
        containers: [container({ env: [{ name: '' }, { name: 'A=B' }, { name: 'OK', value: 'x', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }, { name: 'E', valueFrom: {} }] })],
      }),
      want: [
        'spec.containers[0].env[0].name: Required value',
        "spec.containers[0].env[1].name: Invalid value: \"A=B\": a valid environment variable name must consist only of printable ASCII characters other than '='",
        'spec.containers[0].env[2].valueFrom: Invalid value: "": may not be specified when `value` is not empty',
        'spec.containers[0].env[3].valueFrom: Invalid value: "": must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`',
      ],
    },
    {
      name: 'node selector and names',
      pod: pod({ nodeSelector: { 'kubernetes.io/os': 'linux!' }, nodeName: 'Node_1', hostname: 'a.b', serviceAccountName: 'default' }),
      want: [
        "spec.nodeSelector: Invalid value: \"linux!\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
        "spec.nodeName: Invalid value: \"Node_1\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
        'spec.hostname: Invalid value: "a.b": must not contain dots',
      ],
    },
    {
      name: 'grace period and deadline',
      pod: pod({ terminationGracePeriodSeconds: -1, activeDeadlineSeconds: 0 }),
      want: [
        'spec.terminationGracePeriodSeconds: Invalid value: -1: must be greater than or equal to 0',
        'spec.activeDeadlineSeconds: Invalid value: 0: must be between 1 and 2147483647, inclusive',
      ],
    },
    { name: 'grace period required', pod: pod({ terminationGracePeriodSeconds: undefined }), want: ['spec.terminationGracePeriodSeconds: Required value'] },
    {
      name: 'dnsPolicy None needs dnsConfig',
      pod: pod({ dnsPolicy: 'None' }),
      want: ['spec.dnsConfig: Required value: must provide `dnsConfig` when `dnsPolicy` is None'],
    },
    {
      name: 'hostNetwork ports',
      pod: pod({ hostNetwork: true, containers: [container({ ports: [{ containerPort: 80, hostPort: 8080, protocol: 'TCP' }] })] }),
      want: ['spec.containers[0].ports[0].hostPort: Invalid value: 8080: must match `containerPort` when `hostNetwork` is true'],
    },
    {
      name: 'tolerations',
      pod: pod({
        tolerations: [
          { key: '', operator: 'Equal', value: 'x' },
          { key: 'a', operator: 'Exists', value: 'x' },
          { key: 'a', operator: 'Equal', effect: 'NoSchedule', tolerationSeconds: 5 },
          { key: 'a', operator: 'Like' },
          { key: 'a', operator: 'Exists', effect: 'Never' },
        ],
      }),
      want: [
        'spec.tolerations[0].operator: Invalid value: "Equal": operator must be Exists when `key` is empty, which means "match all values and all keys"',
        "spec.tolerations[1].operator: Invalid value: \"x\": value must be empty when `operator` is 'Exists'",
        "spec.tolerations[2].effect: Invalid value: \"NoSchedule\": effect must be 'NoExecute' when `tolerationSeconds` is set",
        'spec.tolerations[3].operator: Unsupported value: "Like": supported values: "Equal", "Exists"',
        'spec.tolerations[4].effect: Unsupported value: "Never": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"',
      ],
    },
    {
      name: 'init containers',
      pod: pod({
        initContainers: [
          container({ name: 'app' }),
          container({ name: 'setup', restartPolicy: 'OnFailure', livenessProbe: { exec: { command: ['true'] } } }),
          container({ name: 'sidecar', restartPolicy: 'Always', readinessProbe: { exec: { command: ['true'] } } }),
        ],
        containers: [container({ restartPolicy: 'Always' })],
      }),
      want: [
        'spec.containers[0].restartPolicy: Forbidden: may not be set for non-init containers',
        'spec.initContainers[0].name: Duplicate value: "app"',
        'spec.initContainers[1].restartPolicy: Unsupported value: "OnFailure": supported values: "Always"',
        'spec.initContainers[1].livenessProbe: Forbidden: may not be set for init containers without restartPolicy=Always',
      ],
    },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(messages(c.pod), c.want));
});

describe('validatePodUpdate', () => {
  const PREFIX =
    'spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';
  const base = pod({ tolerations: [{ key: 'a', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 10 }], activeDeadlineSeconds: 100 });
  const change = (f: (p: Pod & { spec: Record<string, unknown> }) => void): Pod => {
    const next = structuredClone(base) as Pod & { spec: Record<string, unknown> };
    f(next);
    return next;
  };
  const cases: { name: string; next: Pod; old?: Pod; want: string[] }[] = [
    { name: 'no change', next: change(() => {}), want: [] },
    { name: 'image', next: change((p) => (p.spec.containers[0]!.image = 'nginx:1.26')), want: [] },
    { name: 'shorter deadline', next: change((p) => (p.spec['activeDeadlineSeconds'] = 50)), want: [] },
    { name: 'longer deadline', next: change((p) => (p.spec['activeDeadlineSeconds'] = 500)), want: ['spec.activeDeadlineSeconds: Invalid value: 500: must be less than or equal to previous value'] },
    {
      name: 'deadline removed',
      next: change((p) => delete p.spec['activeDeadlineSeconds']),
      want: ['spec.activeDeadlineSeconds: Invalid value: "null": must not update from a positive integer to nil value'],
    },
    {
      name: 'toleration added, seconds changed',
      next: change((p) => (p.spec['tolerations'] = [{ key: 'a', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 1 }, { key: 'b', operator: 'Exists' }])),
      want: [],
    },
    {
      name: 'toleration changed',
      next: change((p) => (p.spec['tolerations'] = [{ key: 'a', operator: 'Exists', effect: 'NoSchedule' }])),
      want: ['spec.tolerations: Forbidden: existing toleration can not be modified except its tolerationSeconds'],
    },
    {
      name: 'container added',
      next: change((p) => p.spec.containers.push(container({ name: 'b' }))),
      want: ['spec.containers: Forbidden: pod updates may not add or remove containers'],
    },
    {
      name: 'other spec change',
      next: change((p) => (p.spec.containers[0]!.name = 'renamed')),
      want: [`${PREFIX}\n- spec.containers[0].name: "app"\n+ spec.containers[0].name: "renamed"`],
    },
    {
      name: 'semantically equal quantities are no change',
      old: pod({ containers: [container({ resources: { limits: { cpu: '1' } } })] }),
      next: pod({ containers: [container({ resources: { limits: { cpu: '1000m' } } })] }),
      want: [],
    },
    {
      name: 'scheduling gate added',
      old: pod({ schedulingGates: [{ name: 'a' }] }),
      next: pod({ schedulingGates: [{ name: 'a' }, { name: 'b' }] }),
      want: ["spec.schedulingGates[1].name: Forbidden: only deletion is allowed, but found new scheduling gate 'b'"],
    },
    { name: 'renamed in metadata', next: change((p) => (p.metadata.name = 'other')), want: ['metadata.name: Invalid value: "other": field is immutable'] },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(validatePodUpdate(c.next, c.old ?? base).map(fieldErrorString), c.want));
});

describe('malformed input', () => {
  it('null entries are reported, not thrown on', () => {
    const p = pod({ containers: [null, { ...container(), ports: [null], env: [null] }] as unknown as Container[] });
    assert.deepEqual(messages(p), [
      'spec.containers[0].name: Required value',
      'spec.containers[0].image: Required value',
      'spec.containers[0].terminationMessagePolicy: Required value',
      'spec.containers[0].imagePullPolicy: Required value',
      'spec.containers[1].ports[0].containerPort: Required value',
      'spec.containers[1].ports[0].protocol: Required value',
      'spec.containers[1].env[0].name: Required value',
    ]);
  });
});
