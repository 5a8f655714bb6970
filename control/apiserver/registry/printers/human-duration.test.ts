import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { humanDuration, parseTimestamp, timestampAge } from './human-duration.js';

const s = 1000;
const m = 60 * s;
const h = 60 * m;
const d = 24 * h;

describe('humanDuration', () => {
  const cases: [number, string][] = [
    [-2 * s, '<invalid>'],
    [-1.5 * s, '0s'],
    [0, '0s'],
    [5 * s, '5s'],
    [119 * s, '119s'],
    [2 * m, '2m'],
    [3 * m + 20 * s, '3m20s'],
    [9 * m + 59 * s, '9m59s'],
    [10 * m + 30 * s, '10m'],
    [179 * m, '179m'],
    [3 * h, '3h'],
    [3 * h + 5 * m, '3h5m'],
    [7 * h + 59 * m, '7h59m'],
    [8 * h + 30 * m, '8h'],
    [47 * h, '47h'],
    [2 * d, '2d'],
    [2 * d + 3 * h, '2d3h'],
    [7 * d + 23 * h, '7d23h'],
    [8 * d, '8d'],
    [729 * d, '729d'],
    [730 * d, '2y'],
    [731 * d, '2y1d'],
    [8 * 365 * d, '8y'],
    [9 * 365 * d + 10 * d, '9y'],
  ];
  for (const [ms, want] of cases) it(`${ms}ms → ${want}`, () => assert.equal(humanDuration(ms), want));
});

describe('timestampAge', () => {
  const now = new Date('2024-05-01T12:00:00Z');
  const cases: [string | undefined, string][] = [
    ['2024-05-01T11:56:40Z', '3m20s'],
    ['2024-04-29T09:00:00Z', '2d3h'],
    [undefined, '<unknown>'],
    ['', '<unknown>'],
    ['0001-01-01T00:00:00Z', '<unknown>'],
    ['not a time', '<unknown>'],
  ];
  for (const [ts, want] of cases) it(`${JSON.stringify(ts)} → ${want}`, () => assert.equal(timestampAge(ts, now), want));
  it('parses RFC 3339', () => assert.equal(parseTimestamp('1970-01-01T00:00:01Z'), 1000));
});
