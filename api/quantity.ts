// Kubernetes resource quantities ("100m", "64Mi", "1e3", "1.5Gi") parsed by apimachinery's
// own scanner and grammar, kept as an exact decimal (bigint mantissa × 10^exponent) so no
// float ever touches a CPU or memory figure.
//
//   <quantity>      ::= <signedNumber><suffix>
//   <number>        ::= <digits> | <digits>.<digits> | <digits>. | .<digits>
//   <suffix>        ::= <binarySI> | <decimalExponent> | <decimalSI>
//   <binarySI>      ::= Ki | Mi | Gi | Ti | Pi | Ei
//   <decimalSI>     ::= n | u | m | "" | k | M | G | T | P | E
//   <decimalExp>    ::= "e" <signedNumber> | "E" <signedNumber>
//
// Like Kubernetes, parsing keeps values only down to nano (rounding finer non-zero values
// away from zero, so "0.9n" is "1n") and silently caps binary-suffixed values at 2^63-1.
// Also like Kubernetes, the scanner is more permissive than the grammar: a bare sign or
// suffix with no digits ("-", "Ki", "m") is zero, except where Kubernetes' slow path
// rejects it ("Pi", "Ei", "e-10": unable to parse numeric part).

import { parseGoInt64 } from './validation/go-int.js';

export type QuantityFormat = 'DecimalExponent' | 'BinarySI' | 'DecimalSI';

/** An exact quantity: mantissa × 10^exponent, normalized (no trailing zeros in mantissa). */
export interface Quantity {
  readonly mantissa: bigint;
  readonly exponent: number;
  /** The suffix family it was written in; formatting keeps it, as Kubernetes does. */
  readonly format: QuantityFormat;
}

export type QuantityErrorCode = 'FormatWrong' | 'Numeric' | 'Suffix';

export const QUANTITY_REGEX = '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$';

const MESSAGES: Record<QuantityErrorCode, string> = {
  FormatWrong: `quantities must match the regular expression '${QUANTITY_REGEX}'`,
  Numeric: 'unable to parse numeric part of quantity',
  Suffix: "unable to parse quantity's suffix",
};

export class QuantityError extends Error {
  constructor(
    readonly code: QuantityErrorCode,
    readonly input: string,
  ) {
    super(MESSAGES[code]);
    this.name = 'QuantityError';
  }
}

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

const DECIMAL_SUFFIXES = new Map<string, number>([
  ['n', -9],
  ['u', -6],
  ['m', -3],
  ['', 0],
  ['k', 3],
  ['M', 6],
  ['G', 9],
  ['T', 12],
  ['P', 15],
  ['E', 18],
]);
const BINARY_SUFFIXES = new Map<string, number>([
  ['Ki', 10],
  ['Mi', 20],
  ['Gi', 30],
  ['Ti', 40],
  ['Pi', 50],
  ['Ei', 60],
]);
const DECIMAL_SUFFIX_BY_EXPONENT = new Map([...DECIMAL_SUFFIXES].map(([s, e]) => [e, s]));
const BINARY_SUFFIX_BY_POWER = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];
const SUFFIX_CHARS = 'eEinumkKMGTP';

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

interface Scanned {
  positive: boolean;
  /** Integer digits without leading zeros ("0" when there are none). */
  num: string;
  denom: string;
  suffix: string;
  hasDigits: boolean;
}

/** apimachinery's parseQuantityString, step for step. */
function scan(str: string): Scanned | undefined {
  let pos = 0;
  const end = str.length;
  let positive = true;
  if (str[0] === '-') {
    positive = false;
    pos++;
  } else if (str[0] === '+') {
    pos++;
  }
  let hasDigits = false;
  while (pos < end && str[pos] === '0') {
    pos++;
    hasDigits = true;
  }
  const done = (num: string, denom: string, suffix: string): Scanned => ({
    positive,
    num: num || '0',
    denom,
    suffix,
    hasDigits: hasDigits || num.length > 0 || denom.length > 0,
  });
  if (pos >= end) return done('0', '', '');
  const numStart = pos;
  while (pos < end && isDigit(str[pos])) pos++;
  const num = str.slice(numStart, pos);
  if (pos >= end) return done(num, '', '');
  let denom = '';
  if (str[pos] === '.') {
    const denomStart = ++pos;
    while (pos < end && isDigit(str[pos])) pos++;
    denom = str.slice(denomStart, pos);
    if (pos >= end) return done(num, denom, '');
  }
  const suffixStart = pos;
  while (pos < end && SUFFIX_CHARS.includes(str[pos]!)) pos++;
  if (pos < end && (str[pos] === '-' || str[pos] === '+')) pos++;
  while (pos < end && isDigit(str[pos])) pos++;
  if (pos < end) return undefined; // something after the exponent digits
  return done(num, denom, str.slice(suffixStart));
}

interface Suffix {
  base: 2 | 10;
  exponent: number;
  format: QuantityFormat;
}

function interpretSuffix(suffix: string): Suffix | undefined {
  const decimal = DECIMAL_SUFFIXES.get(suffix);
  if (decimal !== undefined) return { base: 10, exponent: decimal, format: 'DecimalSI' };
  const binary = BINARY_SUFFIXES.get(suffix);
  if (binary !== undefined) return { base: 2, exponent: binary, format: 'BinarySI' };
  if (suffix.length > 1 && (suffix[0] === 'e' || suffix[0] === 'E')) {
    const parsed = parseGoInt64(suffix.slice(1));
    if (parsed === undefined) return undefined;
    // Kubernetes keeps the exponent as an int32, truncating larger ones.
    return { base: 10, exponent: Number(BigInt.asIntN(32, parsed)), format: 'DecimalExponent' };
  }
  return undefined;
}

const abs = (n: bigint): bigint => (n < 0n ? -n : n);
const digitCount = (n: bigint): number => (n === 0n ? 0 : abs(n).toString().length);

/** Strips trailing zeros into the exponent (by string, so huge inputs stay linear). */
function normalize(mantissa: bigint, exponent: number, format: QuantityFormat): Quantity {
  if (mantissa === 0n) return { mantissa: 0n, exponent: 0, format };
  const text = mantissa.toString();
  const zeros = text.length - text.replace(/0+$/, '').length;
  if (zeros === 0) return { mantissa, exponent, format };
  return { mantissa: BigInt(text.slice(0, text.length - zeros)), exponent: exponent + zeros, format };
}

/** |m| / 10^shift rounded up, for shift > 0. */
function divCeilPow10(m: bigint, shift: number): bigint {
  const mag = abs(m);
  if (mag === 0n) return 0n;
  if (digitCount(mag) <= shift) return 1n; // below one unit: rounds up to one
  const d = 10n ** BigInt(shift);
  return mag / d + (mag % d === 0n ? 0n : 1n);
}

/** Parses a quantity exactly as Kubernetes does, or throws a QuantityError. */
export function parseQuantity(str: string): Quantity {
  if (str.length === 0) throw new QuantityError('FormatWrong', str);
  if (str === '0') return { mantissa: 0n, exponent: 0, format: 'DecimalSI' };
  const s = scan(str);
  if (!s) throw new QuantityError('FormatWrong', str);
  const suffix = interpretSuffix(s.suffix);
  if (!suffix) throw new QuantityError('Suffix', str);
  let format = suffix.format;

  // With no digits at all, Kubernetes' fast path still yields zero, but its slow path
  // (taken for exponents below nano and for Pi/Ei) fails to read a number.
  if (!s.hasDigits) {
    const slowPath = suffix.base === 10 ? suffix.exponent < -9 : suffix.exponent >= 50;
    if (slowPath) throw new QuantityError('Numeric', str);
  }

  let mantissa = BigInt(s.num + s.denom);
  let exponent = -s.denom.length;
  if (suffix.base === 10) exponent += suffix.exponent;
  else mantissa *= 2n ** BigInt(suffix.exponent);

  if (exponent < -9) {
    mantissa = divCeilPow10(mantissa, -9 - exponent);
    exponent = -9;
  }
  if (format === 'BinarySI' && mantissa !== 0n) {
    // Binary suffixes multiply by powers of two, so the exponent is -len(denom) here.
    const unit = 10n ** BigInt(-exponent);
    if (mantissa > INT64_MAX * unit) {
      mantissa = INT64_MAX;
      exponent = 0;
    } else if (mantissa < unit) {
      format = 'DecimalSI'; // a fraction of one cannot be written with a binary suffix
    }
  }
  return normalize(s.positive ? mantissa : -mantissa, exponent, format);
}

/** True when `str` is a quantity Kubernetes would accept. */
export function isValidQuantity(str: string): boolean {
  try {
    parseQuantity(str);
    return true;
  } catch {
    return false;
  }
}

export function newQuantity(value: bigint | number, format: QuantityFormat = 'DecimalSI'): Quantity {
  return normalize(toBigInt(value), 0, format);
}

export function newMilliQuantity(milli: bigint | number, format: QuantityFormat = 'DecimalSI'): Quantity {
  return normalize(toBigInt(milli), -3, format);
}

function toBigInt(value: bigint | number): bigint {
  if (typeof value === 'bigint') return value;
  if (!Number.isSafeInteger(value)) throw new RangeError(`not an exact integer: ${value}`);
  return BigInt(value);
}

export function quantitySign(q: Quantity): -1 | 0 | 1 {
  return q.mantissa === 0n ? 0 : q.mantissa < 0n ? -1 : 1;
}

/** -1, 0 or 1 as a is less than, equal to or greater than b (by value, not by spelling). */
export function compareQuantities(a: Quantity, b: Quantity): -1 | 0 | 1 {
  const sa = quantitySign(a);
  const sb = quantitySign(b);
  if (sa !== sb) return sa < sb ? -1 : 1;
  if (sa === 0) return 0;
  // Compare magnitudes by the position of the leading digit first, so an absurd
  // exponent never has to be expanded into digits.
  const lead = (q: Quantity): number => digitCount(q.mantissa) + q.exponent;
  let mag: -1 | 0 | 1;
  if (lead(a) !== lead(b)) {
    mag = lead(a) < lead(b) ? -1 : 1;
  } else {
    const e = Math.min(a.exponent, b.exponent);
    const ma = abs(a.mantissa) * 10n ** BigInt(a.exponent - e);
    const mb = abs(b.mantissa) * 10n ** BigInt(b.exponent - e);
    mag = ma === mb ? 0 : ma < mb ? -1 : 1;
  }
  return sa > 0 ? mag : ((-mag) as -1 | 0 | 1);
}

/** True when the quantity is a whole number (no fractional part). */
export function isWholeQuantity(q: Quantity): boolean {
  if (q.mantissa === 0n || q.exponent >= 0) return true;
  if (digitCount(q.mantissa) <= -q.exponent) return false;
  return q.mantissa % 10n ** BigInt(-q.exponent) === 0n;
}

/**
 * q / 10^scale rounded up, away from zero, as Kubernetes' ScaledValue does. Where
 * Kubernetes overflows int64 (its result is then undefined) this saturates instead.
 */
function scaledValue(q: Quantity, scale: number): bigint {
  if (q.mantissa === 0n) return 0n;
  const sign = q.mantissa < 0n ? -1n : 1n;
  const e = q.exponent - scale;
  let mag: bigint;
  if (e >= 0) {
    if (digitCount(q.mantissa) + e > 19) return sign > 0n ? INT64_MAX : INT64_MIN;
    mag = abs(q.mantissa) * 10n ** BigInt(e);
  } else {
    mag = divCeilPow10(q.mantissa, -e);
  }
  const result = sign * mag;
  if (result > INT64_MAX) return INT64_MAX;
  if (result < INT64_MIN) return INT64_MIN;
  return result;
}

/** ceil(q × 1000): the CPU figure schedulers and cgroups work in ("250m" → 250). */
export function milliValue(q: Quantity): number {
  return Number(scaledValue(q, -3));
}

/** ceil(q) as an integer: bytes for memory and storage ("1Ki" → 1024n, "0.5" → 1n). */
export function value(q: Quantity): bigint {
  return scaledValue(q, 0);
}

/**
 * The canonical spelling Kubernetes serializes: the largest suffix of the quantity's own
 * family that needs no fraction ("1.5" → "1500m", "1.5Gi" → "1536Mi", "1000" → "1k").
 * Binary quantities under 1024 or with a fraction fall back to decimal suffixes.
 */
export function formatQuantity(quantity: Quantity): string {
  const q = normalize(quantity.mantissa, quantity.exponent, quantity.format);
  if (q.mantissa === 0n) return '0';
  let format = q.format;
  if (format === 'BinarySI') {
    const below1024 = compareQuantities({ ...q, mantissa: abs(q.mantissa) }, newQuantity(1024)) < 0;
    if (below1024 || !isWholeQuantity(q)) {
      format = 'DecimalSI';
    } else {
      let n = q.mantissa * 10n ** BigInt(q.exponent);
      let power = 0;
      while (n % 1024n === 0n) {
        n /= 1024n;
        power++;
      }
      return `${n}${BINARY_SUFFIX_BY_POWER[power] ?? ''}`;
    }
  }
  let mantissa = q.mantissa;
  let exponent = q.exponent;
  // The exponent must be a multiple of three (Go's %, so -1 % 3 is -1, not 2).
  while (exponent % 3 !== 0) {
    mantissa *= 10n;
    exponent--;
  }
  const exponentSuffix = exponent === 0 ? '' : `e${exponent}`;
  const suffix = format === 'DecimalSI' ? (DECIMAL_SUFFIX_BY_EXPONENT.get(exponent) ?? exponentSuffix) : exponentSuffix;
  return `${mantissa}${suffix}`;
}

/** Millicores as Kubernetes prints CPU: 1500 → "1500m", 2000 → "2", 250 → "250m". */
export function formatMilliCPU(milli: bigint | number): string {
  return formatQuantity(newMilliQuantity(milli, 'DecimalSI'));
}

/** Bytes as Kubernetes prints memory: 67108864 → "64Mi", 2098176 → "2049Ki", 1000 → "1k". */
export function formatBytes(bytes: bigint | number): string {
  return formatQuantity(newQuantity(bytes, 'BinarySI'));
}
