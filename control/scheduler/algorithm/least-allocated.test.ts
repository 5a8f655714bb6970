import { test } from 'node:test';
import assert from 'node:assert/strict';
import { leastAllocatedScore, leastRequestedScore } from './least-allocated.js';
import { NodeInfo } from './node-info.js';
import { computePodRequests } from './pod-requests.js';
import { makeNode, makePod, testParser } from './testing.js';

test('leastRequestedScore', () => {
  const cases: [requested: number, capacity: number, want: number][] = [
    [0, 4000, 100],
    [1000, 4000, 75],
    [3000, 4000, 25],
    [4000, 4000, 0],
    [5000, 4000, 0], // overcommitted
    [1, 3, 66], // integer maths, rounded down
    [100, 0, 0], // no capacity
  ];
  for (const [requested, capacity, want] of cases) {
    assert.equal(leastRequestedScore(requested, capacity), want, `${requested}/${capacity}`);
  }
});

test('leastAllocatedScore averages cpu and memory after placing the pod', () => {
  const cases: { name: string; existing: string[][]; pod: [string, string]; want: number }[] = [
    { name: 'empty node', existing: [], pod: ['1', '1Gi'], want: 75 }, // cpu 75, memory 75
    { name: 'half full', existing: [['1', '1Gi']], pod: ['1', '1Gi'], want: 50 },
    { name: 'cpu-heavy', existing: [['3', '1Gi']], pod: ['100m', '64Mi'], want: Math.floor((22 + 73) / 2) },
  ];
  for (const c of cases) {
    const info = new NodeInfo('n');
    info.setNode(makeNode('n', { cpu: '4', memory: '4Gi' }), testParser);
    c.existing.forEach(([cpu, memory], i) => info.addPod(`p${i}`, computePodRequests(makePod(`p${i}`, { cpu: cpu!, memory: memory! }), testParser)));
    const pod = computePodRequests(makePod('new', { cpu: c.pod[0], memory: c.pod[1] }), testParser);
    assert.equal(leastAllocatedScore(pod, info), c.want, c.name);
  }
});

test('pods without requests still make a node look fuller when scoring', () => {
  const info = new NodeInfo('n');
  info.setNode(makeNode('n', { cpu: '1', memory: '1Gi' }), testParser);
  const bare = computePodRequests(makePod('bare'), testParser);
  const before = leastAllocatedScore(bare, info);
  info.addPod('x', bare);
  assert.ok(leastAllocatedScore(bare, info) < before);
  assert.equal(info.requested.milliCPU, 0, 'but the fit filter sees no requests');
});
