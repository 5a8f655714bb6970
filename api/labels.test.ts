import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  addRequirements,
  everything,
  labelSelectorAsMatcher,
  LabelSelectorError,
  matcherFromSet,
  newRequirement,
  nothing,
  parseLabelSelector,
  validateLabelKey,
  validateLabelValue,
  type LabelSelector,
  type Labels,
} from './labels.js';

const NAME_PART_REGEX =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const LABEL_VALUE_REGEX =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

describe('parseLabelSelector', () => {
  const cases: { input: string; canonical: string }[] = [
    { input: 'a=b,c!=d,e in (x,y),f notin (z),g,!h', canonical: 'a=b,c!=d,e in (x,y),f notin (z),g,!h' },
    { input: 'x in (foo,,baz),y,z notin ()', canonical: 'x in (,baz,foo),y,z notin ()' },
    { input: 'b=1,a=2', canonical: 'a=2,b=1' },
    { input: 'a==b', canonical: 'a==b' },
    { input: '  a = b ,  c  ', canonical: 'a=b,c' },
    { input: 'a=', canonical: 'a=' },
    { input: 'env in (prod, dev)', canonical: 'env in (dev,prod)' },
    { input: 'a in (in,notin)', canonical: 'a in (in,notin)' },
    { input: 'x in (,)', canonical: 'x in ()' },
    { input: 'example.com/tier=web', canonical: 'example.com/tier=web' },
    { input: 'a>1,b<10', canonical: 'a>1,b<10' },
    { input: '', canonical: '' },
  ];
  for (const c of cases) {
    it(`parses ${JSON.stringify(c.input)}`, () => assert.equal(parseLabelSelector(c.input).toString(), c.canonical));
  }

  const errors: { input: string; message: string }[] = [
    { input: 'a b', message: "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt" },
    { input: 'a=b c', message: "found 'c', expected: ',' or 'end of string'" },
    { input: '!a=b', message: "found '=', expected: ',' or 'end of string'" },
    { input: ',a', message: "found ',', expected: !, identifier, or 'end of string'" },
    { input: 'a,', message: "found '', expected: identifier after ','" },
    { input: 'a,,b', message: "found ',', expected: identifier after ','" },
    { input: '(', message: "found '(', expected: !, identifier, or 'end of string'" },
    { input: 'x in (a', message: "unable to parse requirement: found '', expected: ',' or ')'" },
    { input: 'x in (a b)', message: "unable to parse requirement: found 'b', expected: ',' or ')'" },
    { input: 'x notin', message: "unable to parse requirement: found '' expected: '('" },
    { input: 'x in (=)', message: "unable to parse requirement: found '=', expected: ',', ')' or identifier" },
    { input: 'a=(', message: "unable to parse requirement: found '(', expected: identifier" },
    { input: '!', message: "unable to parse requirement: found '', expected: identifier" },
    { input: 'a@b=c', message: `unable to parse requirement: <nil>: Invalid value: "a@b": ${NAME_PART_REGEX}` },
    {
      input: 'k/=v',
      message: `unable to parse requirement: <nil>: Invalid value: "k/": name part must be non-empty; ${NAME_PART_REGEX}`,
    },
    { input: 'app=a@b', message: `unable to parse requirement: values[0][app]: Invalid value: "a@b": ${LABEL_VALUE_REGEX}` },
    {
      input: 'a<x',
      message: `unable to parse requirement: values[0]: Invalid value: "x": for 'Gt', 'Lt' operators, the value must be an integer`,
    },
  ];
  for (const c of errors) {
    it(`rejects ${JSON.stringify(c.input)}`, () => {
      assert.throws(
        () => parseLabelSelector(c.input),
        (err: unknown) => err instanceof LabelSelectorError && err.code === 'ParseError' && err.message === c.message,
      );
    });
  }
});

describe('matching', () => {
  const cases: { selector: string; labels: Labels | undefined; want: boolean }[] = [
    { selector: 'a=b', labels: { a: 'b' }, want: true },
    { selector: 'a=b', labels: { a: 'c' }, want: false },
    { selector: 'a=b', labels: {}, want: false },
    { selector: 'a!=b', labels: {}, want: true },
    { selector: 'a!=b', labels: { a: 'b' }, want: false },
    { selector: 'a in (x,y)', labels: { a: 'y' }, want: true },
    { selector: 'a in (x,y)', labels: {}, want: false },
    { selector: 'a notin (x)', labels: {}, want: true },
    { selector: 'a notin (x)', labels: { a: 'x' }, want: false },
    { selector: 'a', labels: { a: '' }, want: true },
    { selector: '!a', labels: { a: '' }, want: false },
    { selector: '!a', labels: undefined, want: true },
    { selector: 'a=', labels: { a: '' }, want: true },
    { selector: 'a>5', labels: { a: '7' }, want: true },
    { selector: 'a>5', labels: { a: 'x' }, want: false },
    { selector: 'a<5', labels: { a: '7' }, want: false },
    { selector: 'a=b,c', labels: { a: 'b' }, want: false },
    { selector: '', labels: { anything: 'x' }, want: true },
    { selector: 'toString', labels: {}, want: false },
  ];
  for (const c of cases) {
    it(`${JSON.stringify(c.selector)} on ${JSON.stringify(c.labels)}`, () => assert.equal(parseLabelSelector(c.selector).matches(c.labels), c.want));
  }
  it('everything, nothing, sets and added requirements', () => {
    assert.equal(everything().matches({}), true);
    assert.equal(everything().empty, true);
    assert.equal(nothing().matches({}), false);
    assert.equal(nothing().empty, false);
    const m = matcherFromSet({ b: '2', a: '1' });
    assert.equal(m.toString(), 'a=1,b=2');
    assert.equal(m.matches({ a: '1', b: '2', c: '3' }), true);
    const more = addRequirements(m, newRequirement('c', 'exists', []));
    assert.equal(more.toString(), 'a=1,b=2,c');
    assert.equal(more.matches({ a: '1', b: '2' }), false);
  });
});

describe('labelSelectorAsMatcher', () => {
  const cases: { name: string; selector: LabelSelector | null | undefined; canonical: string; labels: Labels; want: boolean }[] = [
    { name: 'missing selects nothing', selector: undefined, canonical: '', labels: {}, want: false },
    { name: 'null selects nothing', selector: null, canonical: '', labels: {}, want: false },
    { name: 'empty selects everything', selector: {}, canonical: '', labels: {}, want: true },
    { name: 'matchLabels', selector: { matchLabels: { app: 'web' } }, canonical: 'app=web', labels: { app: 'web' }, want: true },
    {
      name: 'expressions',
      selector: {
        matchLabels: { app: 'web' },
        matchExpressions: [
          { key: 'tier', operator: 'In', values: ['front', 'back'] },
          { key: 'env', operator: 'NotIn', values: ['dev'] },
          { key: 'canary', operator: 'DoesNotExist' },
          { key: 'team', operator: 'Exists' },
        ],
      },
      canonical: 'app=web,!canary,env notin (dev),team,tier in (back,front)',
      labels: { app: 'web', tier: 'front', team: 'x' },
      want: true,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const m = labelSelectorAsMatcher(c.selector);
      assert.equal(m.toString(), c.canonical);
      assert.equal(m.matches(c.labels), c.want);
    });
  }

  const errors: { name: string; selector: LabelSelector; code: string; message: string }[] = [
    {
      name: 'In without values',
      selector: { matchExpressions: [{ key: 'a', operator: 'In' }] },
      code: 'InvalidRequirement',
      message: "values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be empty",
    },
    {
      name: 'Exists with values',
      selector: { matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] },
      code: 'InvalidRequirement',
      message: 'values: Invalid value: []string{"x"}: values set must be empty for exists and does not exist',
    },
    {
      name: 'unknown operator',
      selector: { matchExpressions: [{ key: 'a', operator: 'Equals', values: ['x'] }] },
      code: 'InvalidOperator',
      message: '"Equals" is not a valid label selector operator',
    },
    {
      name: 'bad key and value together',
      selector: { matchLabels: { 'a b': 'c d' } },
      code: 'InvalidRequirement',
      message: `[key: Invalid value: "a b": ${NAME_PART_REGEX}, values[0][a b]: Invalid value: "c d": ${LABEL_VALUE_REGEX}]`,
    },
  ];
  for (const c of errors) {
    it(`rejects ${c.name}`, () => {
      assert.throws(
        () => labelSelectorAsMatcher(c.selector),
        (err: unknown) => err instanceof LabelSelectorError && err.code === c.code && err.message === c.message,
      );
    });
  }
});

describe('label key and value validation', () => {
  const keys: { key: string; errors: string[] }[] = [
    { key: 'app', errors: [] },
    { key: 'example.com/app', errors: [] },
    { key: 'app.kubernetes.io/name', errors: [] },
    { key: 'a'.repeat(63), errors: [] },
    { key: 'a'.repeat(64), errors: ['name part must be no more than 63 characters'] },
    { key: '/app', errors: ['prefix part must be non-empty'] },
    { key: 'app/', errors: ['name part must be non-empty', NAME_PART_REGEX] },
    {
      key: 'Example.com/app',
      errors: [
        "prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      ],
    },
    {
      key: 'a/b/c',
      errors: [
        "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
      ],
    },
  ];
  for (const c of keys) it(`key ${JSON.stringify(c.key.slice(0, 20))}`, () => assert.deepEqual(validateLabelKey(c.key), c.errors));

  const values: { value: string; errors: string[] }[] = [
    { value: '', errors: [] },
    { value: 'web-1', errors: [] },
    { value: 'x'.repeat(63), errors: [] },
    { value: 'x'.repeat(64), errors: ['must be no more than 63 characters'] },
    { value: '-web', errors: [LABEL_VALUE_REGEX] },
  ];
  for (const c of values) it(`value ${JSON.stringify(c.value.slice(0, 20))}`, () => assert.deepEqual(validateLabelValue(c.value), c.errors));
});
