// Label selectors, parsed and matched as apimachinery's labels package does: the string
// form ("a=b,c!=d,e in (x,y),f notin (z),g,!h", plus "==" and the gt/lt forms) and the
// metav1.LabelSelector object form (matchLabels + matchExpressions) become the same
// matcher. Parse errors carry Kubernetes' exact text, which kubectl shows to users.

import { aggregateMessage, formatBadValue, GoStringSlice } from './validation/field-error.js';
import { parseGoInt64 } from './validation/go-int.js';
import { isQualifiedName, isValidLabelValue } from './validation/names.js';

export type Labels = Record<string, string>;

/** selection.Operator, spelled as Kubernetes spells it. */
export type LabelOperator = '!' | '=' | '==' | 'in' | '!=' | 'notin' | 'exists' | 'gt' | 'lt';

export interface LabelRequirement {
  readonly key: string;
  readonly operator: LabelOperator;
  readonly values: readonly string[];
}

/** metav1.LabelSelectorRequirement */
export interface LabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | (string & {});
  values?: string[];
}

/** metav1.LabelSelector: the object form used in specs (Deployments, Services' peers, …). */
export interface LabelSelector {
  matchLabels?: Labels;
  matchExpressions?: LabelSelectorRequirement[];
}

export type LabelSelectorErrorCode = 'ParseError' | 'InvalidRequirement' | 'InvalidOperator';

export class LabelSelectorError extends Error {
  constructor(
    readonly code: LabelSelectorErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'LabelSelectorError';
  }
}

export interface LabelMatcher {
  readonly requirements: readonly LabelRequirement[];
  /** True when nothing is restricted (matches every object). */
  readonly empty: boolean;
  matches(labels: Labels | undefined): boolean;
  /** The canonical string form ("a=b,c in (x,y)"); "" for everything and for nothing. */
  toString(): string;
}

// ---- label key / value checks ---------------------------------------------------------

/** Problems with a label key (a qualified name), in Kubernetes' words; [] when valid. */
export function validateLabelKey(key: string): string[] {
  return isQualifiedName(key);
}

/** Problems with a label value (≤ 63 chars, alphanumeric edges); [] when valid. */
export function validateLabelValue(value: string): string[] {
  return isValidLabelValue(value);
}

// ---- requirements ---------------------------------------------------------------------------

const BINARY_OPERATORS: readonly LabelOperator[] = ['in', 'notin', '=', '==', '!=', 'gt', 'lt'];
const VALID_OPERATORS: readonly LabelOperator[] = [...BINARY_OPERATORS, 'exists', '!'];

// Field errors inside requirement checks print like field.Error: "<path>: Invalid value: …".
const invalidText = (path: string, value: unknown, detail: string): string => `${path}: Invalid value: ${formatBadValue(value)}: ${detail}`;

function labelKeyProblem(key: string, path: string): string | undefined {
  const errs = isQualifiedName(key);
  return errs.length ? invalidText(path, key, errs.join('; ')) : undefined;
}

/**
 * labels.NewRequirement: checks the key, the operator's arity and every value. `nilValues`
 * marks values that came from an absent list, which Kubernetes prints as []string(nil).
 */
export function newRequirement(key: string, operator: LabelOperator, values: readonly string[], nilValues = false): LabelRequirement {
  const problems: string[] = [];
  const keyProblem = labelKeyProblem(key, 'key');
  if (keyProblem) problems.push(keyProblem);
  const shown = new GoStringSlice(values, nilValues);
  switch (operator) {
    case 'in':
    case 'notin':
      if (values.length === 0) problems.push(invalidText('values', shown, "for 'in', 'notin' operators, values set can't be empty"));
      break;
    case '=':
    case '==':
    case '!=':
      if (values.length !== 1) problems.push(invalidText('values', shown, 'exact-match compatibility requires one single value'));
      break;
    case 'exists':
    case '!':
      if (values.length !== 0) problems.push(invalidText('values', shown, 'values set must be empty for exists and does not exist'));
      break;
    case 'gt':
    case 'lt':
      if (values.length !== 1) problems.push(invalidText('values', shown, "for 'Gt', 'Lt' operators, exactly one value is required"));
      values.forEach((v, i) => {
        if (parseGoInt64(v) === undefined) problems.push(invalidText(`values[${i}]`, v, "for 'Gt', 'Lt' operators, the value must be an integer"));
      });
      break;
    default: {
      const supported = VALID_OPERATORS.map((o) => formatBadValue(o)).join(', ');
      problems.push(`operator: Unsupported value: ${formatBadValue(operator)}: supported values: ${supported}`);
    }
  }
  values.forEach((v, i) => {
    const errs = isValidLabelValue(v);
    if (errs.length) problems.push(invalidText(`values[${i}][${key}]`, v, errs.join('; ')));
  });
  if (problems.length) throw new LabelSelectorError('InvalidRequirement', aggregateMessage(problems));
  return { key, operator, values: [...values] };
}

export function requirementMatches(r: LabelRequirement, labels: Labels | undefined): boolean {
  const has = labels !== undefined && Object.prototype.hasOwnProperty.call(labels, r.key);
  const value = has ? String(labels[r.key]) : undefined;
  switch (r.operator) {
    case 'in':
    case '=':
    case '==':
      return has && r.values.includes(value!);
    case 'notin':
    case '!=':
      return !has || !r.values.includes(value!);
    case 'exists':
      return has;
    case '!':
      return !has;
    case 'gt':
    case 'lt': {
      if (!has || r.values.length !== 1) return false;
      const actual = parseGoInt64(value!);
      const bound = parseGoInt64(r.values[0]!);
      if (actual === undefined || bound === undefined) return false;
      return r.operator === 'gt' ? actual > bound : actual < bound;
    }
  }
}

/** Requirement.String(): "!k", "k", "k=v", "k in (a,b)" with set values sorted. */
export function requirementToString(r: LabelRequirement): string {
  const values = r.values.length > 1 ? [...r.values].sort() : r.values;
  switch (r.operator) {
    case '!':
      return `!${r.key}`;
    case 'exists':
      return r.key;
    case 'in':
      return `${r.key} in (${values.join(',')})`;
    case 'notin':
      return `${r.key} notin (${values.join(',')})`;
    case 'gt':
      return `${r.key}>${values.join(',')}`;
    case 'lt':
      return `${r.key}<${values.join(',')}`;
    default:
      return `${r.key}${r.operator}${values.join(',')}`;
  }
}

// ---- matchers -----------------------------------------------------------------------------------

const byKey = (a: LabelRequirement, b: LabelRequirement): number => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

function matcherOf(requirements: LabelRequirement[]): LabelMatcher {
  const sorted = [...requirements].sort(byKey);
  return {
    requirements: sorted,
    empty: sorted.length === 0,
    matches: (labels) => sorted.every((r) => requirementMatches(r, labels)),
    toString: () => sorted.map(requirementToString).join(','),
  };
}

/** Matches every label set. */
export function everything(): LabelMatcher {
  return matcherOf([]);
}

/** Matches no label set at all (what a nil metav1.LabelSelector means). */
export function nothing(): LabelMatcher {
  return { requirements: [], empty: false, matches: () => false, toString: () => '' };
}

/** A matcher requiring exactly these labels (labels.SelectorFromSet; not validated). */
export function matcherFromSet(set: Labels | undefined): LabelMatcher {
  return matcherOf(Object.entries(set ?? {}).map(([key, value]) => ({ key, operator: '=' as const, values: [value] })));
}

/** A matcher that ANDs extra requirements onto an existing one. */
export function addRequirements(base: LabelMatcher, ...more: LabelRequirement[]): LabelMatcher {
  return matcherOf([...base.requirements, ...more]);
}

/**
 * metav1.LabelSelectorAsSelector: a missing selector matches nothing, an empty one
 * matches everything.
 */
export function labelSelectorAsMatcher(selector: LabelSelector | null | undefined): LabelMatcher {
  if (!selector) return nothing();
  const matchLabels = Object.entries(selector.matchLabels ?? {});
  const expressions = selector.matchExpressions ?? [];
  if (matchLabels.length + expressions.length === 0) return everything();
  const requirements: LabelRequirement[] = [];
  for (const [key, value] of matchLabels) requirements.push(newRequirement(key, '=', [value]));
  for (const expr of expressions) {
    const op = OBJECT_OPERATORS[expr.operator];
    if (!op) throw new LabelSelectorError('InvalidOperator', `${formatBadValue(expr.operator)} is not a valid label selector operator`);
    const values = expr.values ?? [];
    // Kubernetes copies the values with append(nil, ...), so an empty list prints as nil.
    requirements.push(newRequirement(expr.key, op, values, values.length === 0));
  }
  return matcherOf(requirements);
}

const OBJECT_OPERATORS: Record<string, LabelOperator | undefined> = {
  In: 'in',
  NotIn: 'notin',
  Exists: 'exists',
  DoesNotExist: '!',
};

// ---- the string form: a lexer and recursive-descent parser like labels.Parse ------------

type Token =
  | 'Error'
  | 'EndOfString'
  | 'ClosedPar'
  | 'Comma'
  | 'DoesNotExist'
  | 'DoubleEquals'
  | 'Equals'
  | 'GreaterThan'
  | 'Identifier'
  | 'In'
  | 'LessThan'
  | 'NotEquals'
  | 'NotIn'
  | 'OpenPar';

interface Scanned {
  tok: Token;
  literal: string;
}

const LITERAL_TOKENS = new Map<string, Token>([
  [')', 'ClosedPar'],
  [',', 'Comma'],
  ['!', 'DoesNotExist'],
  ['==', 'DoubleEquals'],
  ['=', 'Equals'],
  ['>', 'GreaterThan'],
  ['in', 'In'],
  ['<', 'LessThan'],
  ['!=', 'NotEquals'],
  ['notin', 'NotIn'],
  ['(', 'OpenPar'],
]);

const isWhitespace = (ch: string): boolean => ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';
const isSpecialSymbol = (ch: string): boolean => '=!(),><'.includes(ch);

function lex(input: string): Scanned[] {
  const items: Scanned[] = [];
  let pos = 0;
  for (;;) {
    while (pos < input.length && isWhitespace(input[pos]!)) pos++;
    if (pos >= input.length) {
      items.push({ tok: 'EndOfString', literal: '' });
      return items;
    }
    if (isSpecialSymbol(input[pos]!)) {
      // Longest run of symbols that is still a known operator ("!=", "==", then "=").
      let buffer = '';
      let last: Scanned | undefined;
      while (pos < input.length && isSpecialSymbol(input[pos]!)) {
        buffer += input[pos];
        const tok = LITERAL_TOKENS.get(buffer);
        if (tok) last = { tok, literal: buffer };
        else if (last) break;
        pos++;
      }
      items.push(last ?? { tok: 'Error', literal: `error expected: keyword found '${buffer}'` });
    } else {
      const start = pos;
      while (pos < input.length && !isSpecialSymbol(input[pos]!) && !isWhitespace(input[pos]!)) pos++;
      const literal = input.slice(start, pos);
      items.push({ tok: LITERAL_TOKENS.get(literal) ?? 'Identifier', literal });
    }
  }
}

class Parser {
  private position = 0;
  constructor(private readonly items: Scanned[]) {}

  // In a values position "in" and "notin" are just words ("x in (in)").
  private view(item: Scanned, values: boolean): Scanned {
    if (values && (item.tok === 'In' || item.tok === 'NotIn')) return { tok: 'Identifier', literal: item.literal };
    return item;
  }
  private lookahead(values = true): Scanned {
    return this.view(this.items[this.position]!, values);
  }
  private consume(values = true): Scanned {
    return this.view(this.items[this.position++]!, values);
  }

  parse(): LabelRequirement[] {
    const requirements: LabelRequirement[] = [];
    for (;;) {
      const { tok, literal } = this.lookahead();
      if (tok === 'Identifier' || tok === 'DoesNotExist') {
        requirements.push(this.requirement());
        const next = this.consume();
        if (next.tok === 'EndOfString') return requirements;
        if (next.tok !== 'Comma') throw parseError(`found '${next.literal}', expected: ',' or 'end of string'`);
        const after = this.lookahead();
        if (after.tok !== 'Identifier' && after.tok !== 'DoesNotExist') {
          throw parseError(`found '${after.literal}', expected: identifier after ','`);
        }
      } else if (tok === 'EndOfString') {
        return requirements;
      } else {
        throw parseError(`found '${literal}', expected: !, identifier, or 'end of string'`);
      }
    }
  }

  private requirement(): LabelRequirement {
    try {
      const { key, operator } = this.keyAndInferredOperator();
      if (operator) return newRequirement(key, operator, []);
      const op = this.operator();
      const values = op === 'in' || op === 'notin' ? this.setValues() : this.exactValue();
      return newRequirement(key, op, [...values].sort());
    } catch (err) {
      if (err instanceof LabelSelectorError) throw parseError(`unable to parse requirement: ${err.message}`);
      throw err;
    }
  }

  private keyAndInferredOperator(): { key: string; operator?: LabelOperator } {
    let operator: LabelOperator | undefined;
    let item = this.consume();
    if (item.tok === 'DoesNotExist') {
      operator = '!';
      item = this.consume();
    }
    if (item.tok !== 'Identifier') throw parseError(`found '${item.literal}', expected: identifier`);
    // Kubernetes validates this key with a nil field path, which prints as "<nil>".
    const problem = labelKeyProblem(item.literal, '<nil>');
    if (problem) throw parseError(problem);
    const next = this.lookahead().tok;
    if ((next === 'EndOfString' || next === 'Comma') && operator !== '!') operator = 'exists';
    return operator ? { key: item.literal, operator } : { key: item.literal };
  }

  private operator(): LabelOperator {
    const { tok, literal } = this.consume(false);
    const op = TOKEN_OPERATORS[tok];
    if (!op) throw parseError(`found '${literal}', expected: ${BINARY_OPERATORS.join(', ')}`);
    return op;
  }

  private setValues(): Set<string> {
    const open = this.consume();
    if (open.tok !== 'OpenPar') throw parseError(`found '${open.literal}' expected: '('`);
    const { tok, literal } = this.lookahead();
    if (tok === 'Identifier' || tok === 'Comma') {
      const values = this.identifiersList();
      if (this.consume().tok !== 'ClosedPar') throw parseError(`found '${literal}', expected: ')'`);
      return values;
    }
    if (tok === 'ClosedPar') {
      this.consume();
      return new Set(['']); // "()" is the set holding the empty value
    }
    throw parseError(`found '${literal}', expected: ',', ')' or identifier`);
  }

  // A possibly empty, comma-separated list of possibly empty identifiers: "(a,,b)", "(,)".
  private identifiersList(): Set<string> {
    const values = new Set<string>();
    for (;;) {
      const { tok, literal } = this.consume();
      if (tok === 'Identifier') {
        values.add(literal);
        const next = this.lookahead();
        if (next.tok === 'Comma') continue;
        if (next.tok === 'ClosedPar') return values;
        throw parseError(`found '${next.literal}', expected: ',' or ')'`);
      }
      if (tok === 'Comma') {
        if (values.size === 0) values.add('');
        const next = this.lookahead().tok;
        if (next === 'ClosedPar') {
          values.add('');
          return values;
        }
        if (next === 'Comma') {
          this.consume();
          values.add('');
        }
        continue;
      }
      throw parseError(`found '${literal}', expected: ',', or identifier`);
    }
  }

  private exactValue(): Set<string> {
    const next = this.lookahead().tok;
    if (next === 'EndOfString' || next === 'Comma') return new Set(['']);
    const { tok, literal } = this.consume();
    if (tok === 'Identifier') return new Set([literal]);
    throw parseError(`found '${literal}', expected: identifier`);
  }
}

const TOKEN_OPERATORS: Partial<Record<Token, LabelOperator>> = {
  In: 'in',
  Equals: '=',
  DoubleEquals: '==',
  GreaterThan: 'gt',
  LessThan: 'lt',
  NotIn: 'notin',
  NotEquals: '!=',
};

function parseError(message: string): LabelSelectorError {
  return new LabelSelectorError('ParseError', message);
}

/**
 * labels.Parse: the string form as sent in ?labelSelector= and kubectl -l. An empty
 * string matches everything.
 */
export function parseLabelSelector(text: string): LabelMatcher {
  return matcherOf(new Parser(lex(text)).parse());
}
