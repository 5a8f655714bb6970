// The NodeAffinity filter: spec.nodeSelector AND the required node affinity. Compiled once
// per pod into a predicate, so the per-node check is plain comparisons.
//
// Semantics follow Kubernetes' node selector: terms are ORed, the requirements inside a
// term are ANDed, a term with no requirements matches nothing, and a term with a malformed
// requirement (unknown operator, wrong number of values, unsupported field) matches nothing.

import type { Labels, Pod } from '../../../api/types.js';
import { podAffinity, type NodeSelectorRequirement, type NodeSelectorTerm } from './types.js';

export interface NodeFacts {
  name: string;
  labels: Labels;
}

export type NodeMatcher = (node: NodeFacts) => boolean;

const NEVER: NodeMatcher = () => false;
const INTEGER = /^[+-]?\d+$/;

function parseInteger(s: string | undefined): number | undefined {
  return s !== undefined && INTEGER.test(s) ? Number(s) : undefined;
}

function compileExpression(r: NodeSelectorRequirement): NodeMatcher | undefined {
  const key = r.key;
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In':
    case 'NotIn': {
      if (values.length === 0) return undefined;
      const set = new Set(values);
      return r.operator === 'In'
        ? (n) => Object.hasOwn(n.labels, key) && set.has(n.labels[key]!)
        : (n) => !Object.hasOwn(n.labels, key) || !set.has(n.labels[key]!);
    }
    case 'Exists':
      return values.length === 0 ? (n) => Object.hasOwn(n.labels, key) : undefined;
    case 'DoesNotExist':
      return values.length === 0 ? (n) => !Object.hasOwn(n.labels, key) : undefined;
    case 'Gt':
    case 'Lt': {
      const bound = values.length === 1 ? parseInteger(values[0]) : undefined;
      if (bound === undefined) return undefined;
      const gt = r.operator === 'Gt';
      return (n) => {
        const v = Object.hasOwn(n.labels, key) ? parseInteger(n.labels[key]) : undefined;
        return v !== undefined && (gt ? v > bound : v < bound);
      };
    }
    default:
      return undefined;
  }
}

/** matchFields supports only metadata.name with In/NotIn and a single value. */
function compileField(r: NodeSelectorRequirement): NodeMatcher | undefined {
  const values = r.values ?? [];
  if (r.key !== 'metadata.name' || values.length !== 1) return undefined;
  const name = values[0]!;
  if (r.operator === 'In') return (n) => n.name === name;
  if (r.operator === 'NotIn') return (n) => n.name !== name;
  return undefined;
}

function compileTerm(term: NodeSelectorTerm): NodeMatcher {
  const expressions = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (expressions.length === 0 && fields.length === 0) return NEVER;
  const parts: NodeMatcher[] = [];
  for (const r of expressions) {
    const m = compileExpression(r);
    if (!m) return NEVER;
    parts.push(m);
  }
  for (const r of fields) {
    const m = compileField(r);
    if (!m) return NEVER;
    parts.push(m);
  }
  return (n) => parts.every((m) => m(n));
}

function compileSelector(selector: Labels): NodeMatcher {
  const entries = Object.entries(selector);
  return (n) => entries.every(([k, v]) => Object.hasOwn(n.labels, k) && n.labels[k] === v);
}

/** The pod's node constraint, or undefined when it has none (every node passes). */
export function compileNodeAffinity(pod: Pod): NodeMatcher | undefined {
  const checks: NodeMatcher[] = [];
  const selector = pod.spec.nodeSelector;
  if (selector && Object.keys(selector).length > 0) checks.push(compileSelector(selector));
  const required = podAffinity(pod)?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (required) {
    const terms = (required.nodeSelectorTerms ?? []).map(compileTerm);
    checks.push((n) => terms.some((t) => t(n)));
  }
  if (checks.length === 0) return undefined;
  if (checks.length === 1) return checks[0];
  return (n) => checks.every((c) => c(n));
}
