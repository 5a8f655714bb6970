import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  escapeFieldValue,
  everythingFields,
  fieldMatcherFromSet,
  FieldSelectorError,
  parseFieldSelector,
  unescapeFieldValue,
  type FieldGetter,
  type SelectableFields,
} from './fields.js';

const getter =
  (fields: Record<string, string>): FieldGetter =>
  (field) =>
    fields[field];

describe('parseFieldSelector', () => {
  const cases: { selector: string; canonical: string; fields: Record<string, string>; want: boolean }[] = [
    { selector: 'metadata.name=x', canonical: 'metadata.name=x', fields: { 'metadata.name': 'x' }, want: true },
    { selector: 'metadata.name==x', canonical: 'metadata.name=x', fields: { 'metadata.name': 'y' }, want: false },
    { selector: 'spec.nodeName!=y', canonical: 'spec.nodeName!=y', fields: { 'spec.nodeName': 'z' }, want: true },
    {
      selector: 'spec.nodeName!=y,metadata.name=x',
      canonical: 'metadata.name=x,spec.nodeName!=y',
      fields: { 'metadata.name': 'x', 'spec.nodeName': 'y' },
      want: false,
    },
    // Unassigned pods: spec.nodeName is "" (kubectl's scheduler watch uses this).
    { selector: 'spec.nodeName=', canonical: 'spec.nodeName=', fields: {}, want: true },
    { selector: 'spec.nodeName!=', canonical: 'spec.nodeName!=', fields: { 'spec.nodeName': 'n1' }, want: true },
    { selector: 'a=x\\,y', canonical: 'a=x\\,y', fields: { a: 'x,y' }, want: true },
    { selector: 'a=x\\=y\\\\', canonical: 'a=x\\=y\\\\', fields: { a: 'x=y\\' }, want: true },
    { selector: '', canonical: '', fields: {}, want: true },
    { selector: ',,', canonical: '', fields: {}, want: true },
  ];
  for (const c of cases) {
    it(`${JSON.stringify(c.selector)}`, () => {
      const m = parseFieldSelector(c.selector);
      assert.equal(m.toString(), c.canonical);
      assert.equal(m.matches(getter(c.fields)), c.want);
    });
  }

  const errors: { selector: string; code: string; message: string }[] = [
    { selector: 'metadata.name', code: 'InvalidSelector', message: "invalid selector: 'metadata.name'; can't understand 'metadata.name'" },
    { selector: 'a=b,c', code: 'InvalidSelector', message: "invalid selector: 'a=b,c'; can't understand 'c'" },
    { selector: 'a=b=c', code: 'UnescapedRune', message: 'invalid field selector: unescaped character in value: 61' },
    { selector: 'a=b\\x', code: 'InvalidEscapeSequence', message: 'invalid field selector: invalid escape sequence: \\x' },
    { selector: 'a=b\\', code: 'InvalidEscapeSequence', message: 'invalid field selector: invalid escape sequence: \\' },
  ];
  for (const c of errors) {
    it(`rejects ${JSON.stringify(c.selector)}`, () => {
      assert.throws(
        () => parseFieldSelector(c.selector),
        (err: unknown) => err instanceof FieldSelectorError && err.code === c.code && err.message === c.message,
      );
    });
  }
});

describe('supported fields', () => {
  const pods: SelectableFields = { names: ['metadata.name', 'metadata.namespace', 'spec.nodeName', 'status.phase'], aliases: { 'spec.host': 'spec.nodeName' } };
  const cases: { selector: string; error?: string; canonical?: string }[] = [
    { selector: 'spec.nodeName=n1,status.phase=Running', canonical: 'spec.nodeName=n1,status.phase=Running' },
    { selector: 'spec.host=n1', canonical: 'spec.nodeName=n1' },
    { selector: 'spec.foo=bar', error: 'field label not supported: spec.foo' },
    // Checked in sorted order, so the same field is named as Kubernetes would name.
    { selector: 'z.b=1,a.b=1', error: 'field label not supported: a.b' },
  ];
  for (const c of cases) {
    it(c.selector, () => {
      if (c.error) {
        assert.throws(
          () => parseFieldSelector(c.selector, pods),
          (err: unknown) => err instanceof FieldSelectorError && err.code === 'FieldLabelNotSupported' && err.message === c.error,
        );
      } else {
        assert.equal(parseFieldSelector(c.selector, pods).toString(), c.canonical);
      }
    });
  }
});

describe('helpers', () => {
  it('escapes and unescapes', () => {
    for (const v of ['plain', 'a,b', 'a=b', 'a\\b', '']) assert.equal(unescapeFieldValue(escapeFieldValue(v)), v);
    assert.equal(escapeFieldValue('a,b=c\\'), 'a\\,b\\=c\\\\');
  });
  it('requiresExactMatch', () => {
    const m = parseFieldSelector('spec.nodeName=n1,status.phase!=Failed');
    assert.equal(m.requiresExactMatch('spec.nodeName'), 'n1');
    assert.equal(m.requiresExactMatch('status.phase'), undefined);
  });
  it('everything and sets', () => {
    assert.equal(everythingFields().empty, true);
    assert.equal(everythingFields().matches(() => undefined), true);
    const m = fieldMatcherFromSet({ 'metadata.name': 'a' });
    assert.equal(m.matches(getter({ 'metadata.name': 'a' })), true);
    assert.equal(m.matches(getter({})), false);
  });
});
