import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computePodRequests, DEFAULT_MEMORY_REQUEST, DEFAULT_MILLI_CPU_REQUEST } from './pod-requests.js';
import { container, makePod, testParser, type PodOptions } from './testing.js';

const Mi = 2 ** 20;
const Gi = 2 ** 30;

interface Case {
  name: string;
  pod: PodOptions;
  cpu: number;
  memory: number;
  nonZeroCPU: number;
  nonZeroMemory: number;
  scalar?: Record<string, number>;
  ephemeral?: number;
}

const cases: Case[] = [
  {
    name: 'no requests at all: zero, scored with the defaults',
    pod: {},
    cpu: 0,
    memory: 0,
    nonZeroCPU: DEFAULT_MILLI_CPU_REQUEST,
    nonZeroMemory: DEFAULT_MEMORY_REQUEST,
  },
  { name: 'one container', pod: { cpu: '100m', memory: '64Mi' }, cpu: 100, memory: 64 * Mi, nonZeroCPU: 100, nonZeroMemory: 64 * Mi },
  {
    name: 'containers add up',
    pod: { containers: [container('a', { cpu: '100m', memory: '64Mi' }), container('b', { cpu: '1', memory: '1Gi' })] },
    cpu: 1100,
    memory: 64 * Mi + Gi,
    nonZeroCPU: 1100,
    nonZeroMemory: 64 * Mi + Gi,
  },
  {
    name: 'limits without requests request the limits',
    pod: { limits: { cpu: '2', memory: '1Gi' } },
    cpu: 2000,
    memory: Gi,
    nonZeroCPU: 2000,
    nonZeroMemory: Gi,
  },
  {
    name: 'a request wins over its limit, per resource',
    pod: { containers: [container('a', { cpu: '100m' }, { cpu: '2', memory: '1Gi' })] },
    cpu: 100,
    memory: Gi,
    nonZeroCPU: 100,
    nonZeroMemory: Gi,
  },
  {
    name: 'defaults fill in only when no container names the resource',
    pod: { containers: [container('a', { cpu: '1' }), container('b')] },
    cpu: 1000,
    memory: 0,
    nonZeroCPU: 1000,
    nonZeroMemory: 2 * DEFAULT_MEMORY_REQUEST,
  },
  {
    name: 'init containers: max(init, sum(containers)) per resource',
    pod: {
      initContainers: [container('i1', { cpu: '2', memory: '64Mi' }), container('i2', { cpu: '100m', memory: '4Gi' })],
      containers: [container('a', { cpu: '1', memory: '1Gi' }), container('b', { cpu: '100m', memory: '64Mi' })],
    },
    cpu: 2000,
    memory: 4 * Gi,
    nonZeroCPU: 2000,
    nonZeroMemory: 4 * Gi,
  },
  {
    name: 'restartable init containers (sidecars) add to what runs after them',
    pod: {
      initContainers: [
        container('sidecar', { cpu: '100m', memory: '64Mi' }, undefined, { restartPolicy: 'Always' }),
        container('init', { cpu: '2', memory: '64Mi' }),
      ],
      containers: [container('a', { cpu: '1', memory: '1Gi' })],
    },
    // app phase: 1 + 0.1 = 1.1 cpu, 1Gi + 64Mi; init phase: 2 + 0.1 = 2.1 cpu, 128Mi
    cpu: 2100,
    memory: Gi + 64 * Mi,
    nonZeroCPU: 2100,
    nonZeroMemory: Gi + 64 * Mi,
  },
  {
    name: 'pod overhead is added',
    pod: { cpu: '1', memory: '1Gi', overhead: { cpu: '100m', memory: '64Mi' } },
    cpu: 1100,
    memory: Gi + 64 * Mi,
    nonZeroCPU: 1100,
    nonZeroMemory: Gi + 64 * Mi,
  },
  {
    name: 'extended resources and ephemeral storage are tracked, unknown names ignored',
    pod: { requests: { 'example.com/gpu': '2', 'ephemeral-storage': '1Gi', bogus: '5' } },
    cpu: 0,
    memory: 0,
    nonZeroCPU: DEFAULT_MILLI_CPU_REQUEST,
    nonZeroMemory: DEFAULT_MEMORY_REQUEST,
    scalar: { 'example.com/gpu': 2 },
    ephemeral: Gi,
  },
];

for (const c of cases) {
  test(`computePodRequests: ${c.name}`, () => {
    const r = computePodRequests(makePod('p', c.pod), testParser);
    assert.equal(r.requested.milliCPU, c.cpu, 'cpu');
    assert.equal(r.requested.memory, c.memory, 'memory');
    assert.equal(r.nonZeroMilliCPU, c.nonZeroCPU, 'non-zero cpu');
    assert.equal(r.nonZeroMemory, c.nonZeroMemory, 'non-zero memory');
    assert.equal(r.requested.ephemeralStorage, c.ephemeral ?? 0, 'ephemeral-storage');
    assert.deepEqual(Object.fromEntries(r.requested.scalar ?? []), c.scalar ?? {});
  });
}

test('computePodRequests throws on a quantity the parser rejects', () => {
  assert.throws(() => computePodRequests(makePod('p', { cpu: 'lots' }), testParser), /cannot read/);
  const nan = { cpuMillis: () => NaN, bytes: () => 1 };
  assert.throws(() => computePodRequests(makePod('p', { cpu: '1' }), nan), /invalid quantity "1" for cpu/);
});
