import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFlags } from '../cli-flags.js';
import { imageFlags, imageOptions } from './agent-image-flags.js';

const parse = (argv: string[]) => imageOptions(parseFlags(argv, imageFlags, {}));

test('image flags: the kubelet defaults, and the last of a repeated flag wins', () => {
  assert.deepEqual(parse([]), { gc: { highThresholdPercent: 85, lowThresholdPercent: 80, minAgeMs: 120_000, periodMs: 300_000 }, pullProgressIntervalMs: 5_000 });
  assert.equal(parse(['--image-gc-high-threshold', '100', '--image-gc-high-threshold', '90']).gc.highThresholdPercent, 90);
  assert.equal(parse(['--minimum-image-ttl-duration', '0s', '--image-gc-period', '1s']).gc.minAgeMs, 0);
});

test('image flags: bad values name the flag', () => {
  assert.throws(() => parse(['--image-gc-high-threshold', '101']), /--image-gc-high-threshold 101/);
  assert.throws(() => parse(['--image-gc-high-threshold', '8.5']), /--image-gc-high-threshold 8\.5/);
  assert.throws(() => parse(['--image-gc-low-threshold', '90']), /--image-gc-low-threshold \(90\) must be less than or equal to --image-gc-high-threshold \(85\)/);
  assert.throws(() => parse(['--image-gc-period', '500ms']), /--image-gc-period: at least 1s/);
  assert.throws(() => parse(['--image-pull-progress-period', '10ms']), /--image-pull-progress-period: at least 100ms/);
});
