import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileNodeAffinity, type NodeFacts } from './node-affinity.js';
import { makePod } from './testing.js';
import type { NodeSelectorRequirement, NodeSelectorTerm } from './types.js';

const node: NodeFacts = { name: 'pi-1', labels: { 'kubernetes.io/arch': 'arm64', zone: 'attic', cores: '4' } };

function required(...terms: NodeSelectorTerm[]) {
  return { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } };
}
function expr(key: string, operator: NodeSelectorRequirement['operator'], values?: string[]): NodeSelectorTerm {
  return { matchExpressions: [values ? { key, operator, values } : { key, operator }] };
}

const cases: { name: string; nodeSelector?: Record<string, string>; affinity?: unknown; want: boolean | 'none' }[] = [
  { name: 'no constraints', want: 'none' },
  { name: 'empty nodeSelector is no constraint', nodeSelector: {}, want: 'none' },
  { name: 'nodeSelector matches', nodeSelector: { 'kubernetes.io/arch': 'arm64' }, want: true },
  { name: 'nodeSelector needs every label', nodeSelector: { 'kubernetes.io/arch': 'arm64', zone: 'cellar' }, want: false },
  { name: 'nodeSelector does not see inherited properties', nodeSelector: { constructor: 'x' }, want: false },
  { name: 'In', affinity: required(expr('zone', 'In', ['attic', 'garage'])), want: true },
  { name: 'In, no value matches', affinity: required(expr('zone', 'In', ['garage'])), want: false },
  { name: 'NotIn with the label absent', affinity: required(expr('gpu', 'NotIn', ['yes'])), want: true },
  { name: 'NotIn with a listed value', affinity: required(expr('zone', 'NotIn', ['attic'])), want: false },
  { name: 'Exists', affinity: required(expr('zone', 'Exists')), want: true },
  { name: 'DoesNotExist', affinity: required(expr('zone', 'DoesNotExist')), want: false },
  { name: 'Gt', affinity: required(expr('cores', 'Gt', ['2'])), want: true },
  { name: 'Lt', affinity: required(expr('cores', 'Lt', ['4'])), want: false },
  { name: 'Gt on a non-integer label', affinity: required(expr('zone', 'Gt', ['1'])), want: false },
  { name: 'In with no values is malformed', affinity: required(expr('zone', 'In', [])), want: false },
  { name: 'terms are ORed', affinity: required(expr('zone', 'In', ['garage']), expr('cores', 'Exists')), want: true },
  {
    name: 'requirements in a term are ANDed',
    affinity: required({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['attic'] }, { key: 'gpu', operator: 'Exists' }] }),
    want: false,
  },
  { name: 'an empty term matches nothing', affinity: required({}), want: false },
  { name: 'no terms matches nothing', affinity: required(), want: false },
  { name: 'matchFields metadata.name In', affinity: required({ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['pi-1'] }] }), want: true },
  { name: 'matchFields metadata.name NotIn', affinity: required({ matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['pi-1'] }] }), want: false },
  { name: 'matchFields on another field is malformed', affinity: required({ matchFields: [{ key: 'metadata.uid', operator: 'In', values: ['x'] }] }), want: false },
  {
    name: 'nodeSelector AND affinity',
    nodeSelector: { zone: 'attic' },
    affinity: required(expr('kubernetes.io/arch', 'In', ['amd64'])),
    want: false,
  },
  { name: 'preferred-only affinity is no constraint', affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [] } }, want: 'none' },
];

for (const c of cases) {
  test(`compileNodeAffinity: ${c.name}`, () => {
    const opts: Parameters<typeof makePod>[1] = {};
    if (c.nodeSelector) opts.nodeSelector = c.nodeSelector;
    if (c.affinity) opts.affinity = c.affinity;
    const matcher = compileNodeAffinity(makePod('p', opts));
    if (c.want === 'none') assert.equal(matcher, undefined);
    else assert.equal(matcher?.(node), c.want);
  });
}
