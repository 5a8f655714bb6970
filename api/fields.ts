// Field selectors ("metadata.name=x,spec.nodeName!=y"), parsed as apimachinery's fields
// package does, including its backslash escaping of ',', '=' and '\' in values. A
// resource declares which fields it can be selected on; anything else is refused with
// Kubernetes' "field label not supported: <field>".

export type FieldOperator = '=' | '==' | '!=';

export interface FieldRequirement {
  readonly field: string;
  readonly operator: FieldOperator;
  readonly value: string;
}

/** Reads one selectable field of an object; undefined for a field it does not know. */
export type FieldGetter = (field: string) => string | undefined;

export type FieldSelectorErrorCode = 'InvalidSelector' | 'InvalidEscapeSequence' | 'UnescapedRune' | 'FieldLabelNotSupported';

export class FieldSelectorError extends Error {
  constructor(
    readonly code: FieldSelectorErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'FieldSelectorError';
  }
}

/**
 * The fields one resource can be selected on. `aliases` maps old spellings onto current
 * ones, as Kubernetes' field label conversions do (pods accept "spec.host").
 */
export interface SelectableFields {
  readonly names: readonly string[];
  readonly aliases?: Readonly<Record<string, string>>;
}

export interface FieldMatcher {
  readonly requirements: readonly FieldRequirement[];
  readonly empty: boolean;
  /** Missing fields read as "", as Kubernetes' fields.Set does. */
  matches(get: FieldGetter): boolean;
  /** The value an "=" / "==" term pins a field to, if any (lets storage narrow a scan). */
  requiresExactMatch(field: string): string | undefined;
  toString(): string;
}

/** Escapes a literal value for use in a field selector: \ , and = get a backslash. */
export function escapeFieldValue(value: string): string {
  return value.replace(/[\\,=]/g, (c) => `\\${c}`);
}

/** Reverses escapeFieldValue; an unescaped ',' or '=' or a bad escape is an error. */
export function unescapeFieldValue(value: string): string {
  if (!/[\\,=]/.test(value)) return value;
  let out = '';
  let inSlash = false;
  for (const ch of value) {
    if (inSlash) {
      if (ch !== '\\' && ch !== ',' && ch !== '=') {
        throw new FieldSelectorError('InvalidEscapeSequence', `invalid field selector: invalid escape sequence: \\${ch}`);
      }
      out += ch;
      inSlash = false;
    } else if (ch === '\\') {
      inSlash = true;
    } else if (ch === ',' || ch === '=') {
      // Kubernetes prints the rune with %v, which is its code point number.
      throw new FieldSelectorError('UnescapedRune', `invalid field selector: unescaped character in value: ${ch.codePointAt(0)}`);
    } else {
      out += ch;
    }
  }
  if (inSlash) throw new FieldSelectorError('InvalidEscapeSequence', 'invalid field selector: invalid escape sequence: \\');
  return out;
}

// Commas split terms unless escaped; the backslash stays in the term for unescaping later.
function splitTerms(selector: string): string[] {
  if (selector.length === 0) return [];
  const terms: string[] = [];
  let start = 0;
  let inSlash = false;
  for (let i = 0; i < selector.length; i++) {
    const c = selector[i];
    if (inSlash) inSlash = false;
    else if (c === '\\') inSlash = true;
    else if (c === ',') {
      terms.push(selector.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(selector.slice(start));
  return terms;
}

// The first operator occurrence splits the term; "!=" and "==" win over "=" at a position.
function splitTerm(term: string): { lhs: string; op: FieldOperator; rhs: string } | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of ['!=', '==', '='] as const) {
      if (term.startsWith(op, i)) return { lhs: term.slice(0, i), op, rhs: term.slice(i + op.length) };
    }
  }
  return undefined;
}

function matcherOf(requirements: FieldRequirement[]): FieldMatcher {
  return {
    requirements,
    empty: requirements.length === 0,
    matches: (get) =>
      requirements.every((r) => {
        const actual = get(r.field) ?? '';
        return r.operator === '!=' ? actual !== r.value : actual === r.value;
      }),
    requiresExactMatch: (field) => requirements.find((r) => r.field === field && r.operator !== '!=')?.value,
    toString: () => requirements.map((r) => `${r.field}${r.operator === '!=' ? '!=' : '='}${escapeFieldValue(r.value)}`).join(','),
  };
}

/** Matches every object. */
export function everythingFields(): FieldMatcher {
  return matcherOf([]);
}

/**
 * fields.ParseSelector, then the resource's field label conversion when `supported` is
 * given: terms are checked in sorted order, as Kubernetes does, so the first unsupported
 * one reported is the same one Kubernetes would report.
 */
export function parseFieldSelector(selector: string, supported?: SelectableFields): FieldMatcher {
  const parts = splitTerms(selector).sort();
  const requirements: FieldRequirement[] = [];
  for (const part of parts) {
    if (part === '') continue;
    const term = splitTerm(part);
    if (!term) throw new FieldSelectorError('InvalidSelector', `invalid selector: '${selector}'; can't understand '${part}'`);
    requirements.push({ field: term.lhs, operator: term.op, value: unescapeFieldValue(term.rhs) });
  }
  if (!supported) return matcherOf(requirements);
  const names = new Set(supported.names);
  return matcherOf(
    requirements.map((r) => {
      const field = supported.aliases?.[r.field] ?? r.field;
      if (!names.has(field)) throw new FieldSelectorError('FieldLabelNotSupported', `field label not supported: ${r.field}`);
      return field === r.field ? r : { ...r, field };
    }),
  );
}

/** A selector pinning each field to one value (fields.SelectorFromSet). */
export function fieldMatcherFromSet(set: Readonly<Record<string, string>>): FieldMatcher {
  return matcherOf(Object.entries(set).map(([field, value]) => ({ field, operator: '=' as const, value })));
}
