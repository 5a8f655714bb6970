// Go's strconv.ParseInt(s, 10, 64), which Kubernetes uses for quantity exponents and for
// the gt/lt label selector operators: an optional sign, decimal digits only (no spaces,
// no underscores), and the value must fit in 64 bits.

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** The parsed value, or undefined where Go's ParseInt would return an error. */
export function parseGoInt64(s: string): bigint | undefined {
  if (!/^[+-]?[0-9]+$/.test(s)) return undefined;
  const n = BigInt(s);
  return n < INT64_MIN || n > INT64_MAX ? undefined : n;
}
