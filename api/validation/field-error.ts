// Field-level validation errors, worded exactly as apimachinery's field.Error prints them,
// because kubectl users (and tests written against a real cluster) read these strings.
// A FieldError's `message` is Kubernetes' ErrorBody (everything after "<field>: "); the
// API server turns each one into a Status cause {reason: type, message, field}.

import type { StatusCause } from '../types.js';

export type FieldErrorType =
  | 'FieldValueRequired'
  | 'FieldValueInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueDuplicate'
  | 'FieldValueForbidden'
  | 'FieldValueTooLong';

export interface FieldError {
  type: FieldErrorType;
  field: string;
  message: string;
}

/**
 * A value Go would print with its String() method (e.g. a resource.Quantity): unquoted.
 * Plain strings are quoted, as Go's %q does.
 */
export class StringerValue {
  constructor(readonly text: string) {}
}

/** A Go []string as %#v prints it; `nil` distinguishes `[]string(nil)` from `[]string{}`. */
export class GoStringSlice {
  constructor(
    readonly items: readonly string[],
    readonly nil = false,
  ) {}
}

// unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space.
const NOT_PRINTABLE = /[\p{C}\p{Z}]/u;

/** strconv.Quote: Go's double-quoted string literal. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    switch (ch) {
      case '"':
        out += '\\"';
        continue;
      case '\\':
        out += '\\\\';
        continue;
      case '\x07':
        out += '\\a';
        continue;
      case '\b':
        out += '\\b';
        continue;
      case '\f':
        out += '\\f';
        continue;
      case '\n':
        out += '\\n';
        continue;
      case '\r':
        out += '\\r';
        continue;
      case '\t':
        out += '\\t';
        continue;
      case '\v':
        out += '\\v';
        continue;
    }
    if (ch === ' ' || !NOT_PRINTABLE.test(ch)) out += ch;
    else if (cp < 0x80) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (cp <= 0xffff) out += `\\u${cp.toString(16).padStart(4, '0')}`;
    else out += `\\U${cp.toString(16).padStart(8, '0')}`;
  }
  return out + '"';
}

/** How field.Error renders a bad value: numbers and booleans bare, strings quoted, nil as "null". */
export function formatBadValue(value: unknown): string {
  if (value === null || value === undefined) return goQuote('null');
  if (value instanceof StringerValue) return value.text;
  if (value instanceof GoStringSlice) {
    if (value.nil && value.items.length === 0) return '[]string(nil)';
    return `[]string{${value.items.map(goQuote).join(', ')}}`;
  }
  switch (typeof value) {
    case 'string':
      return goQuote(value);
    case 'number':
    case 'bigint':
    case 'boolean':
      return String(value);
    default:
      // Go prints structs with %#v; JSON is the closest thing a Kubernetes user can read.
      return JSON.stringify(value) ?? String(value);
  }
}

function withDetail(body: string, detail: string): string {
  return detail ? `${body}: ${detail}` : body;
}

export function required(field: string, detail = ''): FieldError {
  return { type: 'FieldValueRequired', field, message: withDetail('Required value', detail) };
}

export function invalid(field: string, value: unknown, detail: string): FieldError {
  return { type: 'FieldValueInvalid', field, message: withDetail(`Invalid value: ${formatBadValue(value)}`, detail) };
}

export function notSupported(field: string, value: unknown, supported: readonly string[]): FieldError {
  const detail = supported.length ? `supported values: ${supported.map(goQuote).join(', ')}` : '';
  return { type: 'FieldValueNotSupported', field, message: withDetail(`Unsupported value: ${formatBadValue(value)}`, detail) };
}

export function duplicate(field: string, value: unknown): FieldError {
  return { type: 'FieldValueDuplicate', field, message: `Duplicate value: ${formatBadValue(value)}` };
}

export function forbidden(field: string, detail: string): FieldError {
  return { type: 'FieldValueForbidden', field, message: withDetail('Forbidden', detail) };
}

export function tooLong(field: string, maxLength: number): FieldError {
  return { type: 'FieldValueTooLong', field, message: `Too long: must have at most ${maxLength} bytes` };
}

/** "<field>: <message>", as err.Error() prints a single field error. */
export function fieldErrorString(err: FieldError): string {
  return `${err.field}: ${err.message}`;
}

/**
 * The Status causes of a 422 Invalid response. Kubernetes does not deduplicate causes
 * (only the summary message), so neither do we.
 */
export function toStatusCauses(errs: readonly FieldError[]): StatusCause[] {
  return errs.map((e) => ({ reason: e.type, message: e.message, field: e.field }));
}

/**
 * utilerrors.Aggregate's text: one message alone, several as "[a, b]", duplicates dropped.
 */
export function aggregateMessage(messages: readonly string[]): string {
  const seen = [...new Set(messages)];
  if (seen.length === 0) return '';
  if (seen.length === 1) return seen[0]!;
  return `[${seen.join(', ')}]`;
}
