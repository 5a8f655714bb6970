// Turns a key prefix into a half-open range [lo, hi) so SQLite can walk the key index
// instead of scanning it with LIKE or substr(). SQLite compares TEXT with memcmp over
// UTF-8, and UTF-8 byte order is code point order, so "every key starting with P" is
// exactly [P, P with its last code point incremented).

export interface KeyRange {
  lo: string;
  /** Exclusive upper bound; null when no string bounds the range (empty prefix). */
  hi: string | null;
}

const maxCodePoint = 0x10ffff;

export function keyRange(prefix: string): KeyRange {
  const points = Array.from(prefix, (ch) => ch.codePointAt(0) ?? 0);
  // A trailing U+10FFFF cannot be incremented: drop it and carry into the previous one.
  while (points.length > 0) {
    const last = points.pop()!;
    if (last === maxCodePoint) continue;
    // Skip the surrogate block: those code points are not valid in UTF-8 text.
    const next = last + 1 === 0xd800 ? 0xe000 : last + 1;
    points.push(next);
    return { lo: prefix, hi: String.fromCodePoint(...points) };
  }
  return { lo: prefix, hi: null };
}
