import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  compareQuantities,
  formatBytes,
  formatMilliCPU,
  formatQuantity,
  isValidQuantity,
  isWholeQuantity,
  milliValue,
  newMilliQuantity,
  newQuantity,
  parseQuantity,
  QuantityError,
  value,
  type QuantityErrorCode,
  type QuantityFormat,
} from './quantity.js';

describe('parseQuantity', () => {
  const cases: { input: string; canonical: string; format: QuantityFormat; milli: number; value: bigint }[] = [
    { input: '100m', canonical: '100m', format: 'DecimalSI', milli: 100, value: 1n },
    { input: '0.5', canonical: '500m', format: 'DecimalSI', milli: 500, value: 1n },
    { input: '2', canonical: '2', format: 'DecimalSI', milli: 2000, value: 2n },
    { input: '0', canonical: '0', format: 'DecimalSI', milli: 0, value: 0n },
    { input: '64Mi', canonical: '64Mi', format: 'BinarySI', milli: 67108864000, value: 67108864n },
    { input: '1Gi', canonical: '1Gi', format: 'BinarySI', milli: 1073741824000, value: 1073741824n },
    { input: '1G', canonical: '1G', format: 'DecimalSI', milli: 1e12, value: 1000000000n },
    { input: '1e3', canonical: '1e3', format: 'DecimalExponent', milli: 1000000, value: 1000n },
    { input: '1E3', canonical: '1e3', format: 'DecimalExponent', milli: 1000000, value: 1000n },
    { input: '1e+3', canonical: '1e3', format: 'DecimalExponent', milli: 1000000, value: 1000n },
    { input: '1e-3', canonical: '1e-3', format: 'DecimalExponent', milli: 1, value: 1n },
    { input: '500k', canonical: '500k', format: 'DecimalSI', milli: 500000000, value: 500000n },
    { input: '1.5Gi', canonical: '1536Mi', format: 'BinarySI', milli: 1610612736000, value: 1610612736n },
    { input: '1.5', canonical: '1500m', format: 'DecimalSI', milli: 1500, value: 2n },
    { input: '2048Ki', canonical: '2Mi', format: 'BinarySI', milli: 2097152000, value: 2097152n },
    { input: '1023Ki', canonical: '1023Ki', format: 'BinarySI', milli: 1047552000, value: 1047552n },
    { input: '1000m', canonical: '1', format: 'DecimalSI', milli: 1000, value: 1n },
    { input: '1000', canonical: '1k', format: 'DecimalSI', milli: 1000000, value: 1000n },
    { input: '12E', canonical: '12E', format: 'DecimalSI', milli: Number(2n ** 63n - 1n), value: 2n ** 63n - 1n },
    { input: '+1', canonical: '1', format: 'DecimalSI', milli: 1000, value: 1n },
    { input: '-1.5', canonical: '-1500m', format: 'DecimalSI', milli: -1500, value: -2n },
    { input: '1.', canonical: '1', format: 'DecimalSI', milli: 1000, value: 1n },
    { input: '.5', canonical: '500m', format: 'DecimalSI', milli: 500, value: 1n },
    { input: '.001', canonical: '1m', format: 'DecimalSI', milli: 1, value: 1n },
    { input: '1.G', canonical: '1G', format: 'DecimalSI', milli: 1e12, value: 1000000000n },
    // Below nano, non-zero values round up (away from zero).
    { input: '0.9n', canonical: '1n', format: 'DecimalSI', milli: 1, value: 1n },
    { input: '-0.9n', canonical: '-1n', format: 'DecimalSI', milli: -1, value: -1n },
    { input: '3.001n', canonical: '4n', format: 'DecimalSI', milli: 1, value: 1n },
    { input: '0.0000000001', canonical: '1n', format: 'DecimalSI', milli: 1, value: 1n },
    // Binary values are capped at 2^63-1; fractions of one fall back to decimal.
    { input: '8Ei', canonical: '9223372036854775807', format: 'BinarySI', milli: Number(2n ** 63n - 1n), value: 2n ** 63n - 1n },
    { input: '0.5Mi', canonical: '512Ki', format: 'BinarySI', milli: 524288000, value: 524288n },
    { input: '100.035Ki', canonical: '102435840m', format: 'BinarySI', milli: 102435840, value: 102436n },
    { input: '0.000000000001Ki', canonical: '2n', format: 'DecimalSI', milli: 1, value: 1n },
    // Kubernetes' scanner accepts these as zero.
    { input: 'Ki', canonical: '0', format: 'BinarySI', milli: 0, value: 0n },
    { input: '-', canonical: '0', format: 'DecimalSI', milli: 0, value: 0n },
    { input: '.', canonical: '0', format: 'DecimalSI', milli: 0, value: 0n },
  ];
  for (const c of cases) {
    it(`${c.input} → ${c.canonical}`, () => {
      const q = parseQuantity(c.input);
      assert.equal(formatQuantity(q), c.canonical);
      assert.equal(q.format, c.format);
      assert.equal(milliValue(q), c.milli);
      assert.equal(value(q), c.value);
      assert.equal(isValidQuantity(c.input), true);
    });
  }

  const formatWrong = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
  const invalid: { input: string; code: QuantityErrorCode; message: string }[] = [
    { input: '', code: 'FormatWrong', message: formatWrong },
    { input: '1.1.M', code: 'FormatWrong', message: formatWrong },
    { input: '1+1.0M', code: 'FormatWrong', message: formatWrong },
    { input: '0.1am', code: 'FormatWrong', message: formatWrong },
    { input: 'aoeu', code: 'FormatWrong', message: formatWrong },
    { input: ' 1', code: 'FormatWrong', message: formatWrong },
    { input: '1 ', code: 'FormatWrong', message: formatWrong },
    { input: '1KiB', code: 'FormatWrong', message: formatWrong },
    { input: '1e3k', code: 'FormatWrong', message: formatWrong },
    { input: '0.1mi', code: 'Suffix', message: "unable to parse quantity's suffix" },
    { input: '.5i', code: 'Suffix', message: "unable to parse quantity's suffix" },
    { input: '1i', code: 'Suffix', message: "unable to parse quantity's suffix" },
    { input: '-3.01i', code: 'Suffix', message: "unable to parse quantity's suffix" },
    { input: '-3.01e-', code: 'Suffix', message: "unable to parse quantity's suffix" },
    { input: '1ki', code: 'Suffix', message: "unable to parse quantity's suffix" },
    { input: '1e', code: 'Suffix', message: "unable to parse quantity's suffix" },
    { input: '1e99999999999999999999', code: 'Suffix', message: "unable to parse quantity's suffix" },
    { input: 'Pi', code: 'Numeric', message: 'unable to parse numeric part of quantity' },
    { input: 'e-10', code: 'Numeric', message: 'unable to parse numeric part of quantity' },
  ];
  for (const c of invalid) {
    it(`rejects ${JSON.stringify(c.input)} (${c.code})`, () => {
      assert.throws(
        () => parseQuantity(c.input),
        (err: unknown) => err instanceof QuantityError && err.code === c.code && err.message === c.message && err.input === c.input,
      );
      assert.equal(isValidQuantity(c.input), false);
    });
  }
});

describe('compareQuantities', () => {
  const cases: { a: string; b: string; want: -1 | 0 | 1 }[] = [
    { a: '1', b: '1000m', want: 0 },
    { a: '1Ki', b: '1024', want: 0 },
    { a: '500m', b: '1', want: -1 },
    { a: '2', b: '1', want: 1 },
    { a: '-1', b: '0', want: -1 },
    { a: '-2', b: '-1', want: -1 },
    { a: '1e2147483647', b: '1E', want: 1 },
    { a: '1Gi', b: '1G', want: 1 },
    { a: '0', b: '0Ki', want: 0 },
  ];
  for (const c of cases) {
    it(`${c.a} vs ${c.b}`, () => {
      assert.equal(compareQuantities(parseQuantity(c.a), parseQuantity(c.b)), c.want);
      assert.equal(compareQuantities(parseQuantity(c.b), parseQuantity(c.a)), -c.want || 0);
    });
  }
});

describe('formatMilliCPU and formatBytes', () => {
  const cpu: [number | bigint, string][] = [
    [1500, '1500m'],
    [2000, '2'],
    [250, '250m'],
    [0, '0'],
    [100000, '100'],
    [1000000, '1k'],
    [2500000n, '2500'],
  ];
  for (const [milli, want] of cpu) it(`${milli} millicores → ${want}`, () => assert.equal(formatMilliCPU(milli), want));
  const bytes: [number | bigint, string][] = [
    [64 * 1024 * 1024, '64Mi'],
    [2049 * 1024, '2049Ki'],
    [2048 * 1024, '2Mi'],
    [16318412 * 1024, '16318412Ki'],
    [1000, '1k'], // under 1024 a binary quantity prints as decimal, as in Kubernetes
    [1023, '1023'],
    [1500, '1500'],
    [0, '0'],
    [2n ** 40n, '1Ti'],
  ];
  for (const [n, want] of bytes) it(`${n} bytes → ${want}`, () => assert.equal(formatBytes(n), want));
  it('refuses non-integer numbers', () => {
    assert.throws(() => formatBytes(1.5), RangeError);
  });
});

describe('quantity helpers', () => {
  it('newQuantity / newMilliQuantity normalize', () => {
    assert.equal(formatQuantity(newQuantity(3000)), '3k');
    assert.equal(formatQuantity(newMilliQuantity(1)), '1m');
    assert.equal(formatQuantity({ mantissa: 1000n, exponent: -3, format: 'DecimalSI' }), '1');
  });
  it('isWholeQuantity', () => {
    assert.equal(isWholeQuantity(parseQuantity('2')), true);
    assert.equal(isWholeQuantity(parseQuantity('1500m')), false);
    assert.equal(isWholeQuantity({ mantissa: 2000n, exponent: -3, format: 'DecimalSI' }), true);
  });
  it('huge exponents stay cheap and saturate like int64', () => {
    const q = parseQuantity('1e2147483647');
    assert.equal(formatQuantity(q), '10e2147483646');
    assert.equal(value(q), 2n ** 63n - 1n);
    assert.equal(milliValue(parseQuantity('-1e300')), Number(-(2n ** 63n)));
  });
});
