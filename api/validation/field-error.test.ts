import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  aggregateMessage,
  duplicate,
  fieldErrorString,
  forbidden,
  formatBadValue,
  goQuote,
  GoStringSlice,
  invalid,
  notSupported,
  required,
  StringerValue,
  toStatusCauses,
  tooLong,
  type FieldError,
} from './field-error.js';

describe('field error helpers', () => {
  const cases: { name: string; err: FieldError; type: string; text: string }[] = [
    { name: 'required', err: required('spec.containers'), type: 'FieldValueRequired', text: 'spec.containers: Required value' },
    {
      name: 'required with detail',
      err: required('metadata.name', 'name or generateName is required'),
      type: 'FieldValueRequired',
      text: 'metadata.name: Required value: name or generateName is required',
    },
    {
      name: 'invalid string',
      err: invalid('metadata.name', 'X', 'bad'),
      type: 'FieldValueInvalid',
      text: 'metadata.name: Invalid value: "X": bad',
    },
    {
      name: 'invalid number',
      err: invalid('spec.containers[0].ports[0].containerPort', 70000, 'must be between 1 and 65535, inclusive'),
      type: 'FieldValueInvalid',
      text: 'spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive',
    },
    { name: 'invalid null', err: invalid('spec.x', null, 'gone'), type: 'FieldValueInvalid', text: 'spec.x: Invalid value: "null": gone' },
    { name: 'invalid stringer', err: invalid('r', new StringerValue('500m'), 'must be an integer'), type: 'FieldValueInvalid', text: 'r: Invalid value: 500m: must be an integer' },
    {
      name: 'not supported',
      err: notSupported('spec.containers[0].imagePullPolicy', 'X', ['Always', 'IfNotPresent', 'Never']),
      type: 'FieldValueNotSupported',
      text: 'spec.containers[0].imagePullPolicy: Unsupported value: "X": supported values: "Always", "IfNotPresent", "Never"',
    },
    { name: 'duplicate', err: duplicate('spec.containers[1].name', 'x'), type: 'FieldValueDuplicate', text: 'spec.containers[1].name: Duplicate value: "x"' },
    { name: 'forbidden', err: forbidden('spec', 'no'), type: 'FieldValueForbidden', text: 'spec: Forbidden: no' },
    { name: 'too long', err: tooLong('metadata.annotations', 262144), type: 'FieldValueTooLong', text: 'metadata.annotations: Too long: must have at most 262144 bytes' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(c.err.type, c.type);
      assert.equal(fieldErrorString(c.err), c.text);
    });
  }
});

describe('Go value formatting', () => {
  const cases: [unknown, string][] = [
    ['plain', '"plain"'],
    ['say "hi"\\', '"say \\"hi\\"\\\\"'],
    ['tab\tnew\nline', '"tab\\tnew\\nline"'],
    ['\x00\x7f', '"\\x00\\x7f"'],
    ['\u00a0', '"\\u00a0"'],
    ['héllo ☃', '"héllo ☃"'],
    [true, 'true'],
    [12n, '12'],
    [undefined, '"null"'],
    [new GoStringSlice(['a', 'b']), '[]string{"a", "b"}'],
    [new GoStringSlice([]), '[]string{}'],
    [new GoStringSlice([], true), '[]string(nil)'],
    [{ a: 1 }, '{"a":1}'],
  ];
  for (const [value, want] of cases) it(`formats as ${want}`, () => assert.equal(formatBadValue(value), want));
  it('goQuote matches strconv.Quote for astral characters', () => assert.equal(goQuote('\u{1F600}'), '"\u{1F600}"'));
});

describe('causes and aggregates', () => {
  it('turns errors into Status causes without deduplicating', () => {
    const errs = [required('a'), required('a')];
    assert.deepEqual(toStatusCauses(errs), [
      { reason: 'FieldValueRequired', message: 'Required value', field: 'a' },
      { reason: 'FieldValueRequired', message: 'Required value', field: 'a' },
    ]);
  });
  const cases: [string[], string][] = [
    [[], ''],
    [['a'], 'a'],
    [['a', 'b'], '[a, b]'],
    [['a', 'a'], 'a'],
    [['a', 'b', 'a'], '[a, b]'],
  ];
  for (const [messages, want] of cases) it(`aggregates ${JSON.stringify(messages)}`, () => assert.equal(aggregateMessage(messages), want));
});
