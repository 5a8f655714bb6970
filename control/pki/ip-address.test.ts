import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalIp } from './ip-address.js';

test('canonicalIp spells every address one way', () => {
  const cases: Array<[string, string | undefined]> = [
    ['127.0.0.1', '127.0.0.1'],
    ['::1', '0:0:0:0:0:0:0:1'],
    ['0:0:0:0:0:0:0:1', '0:0:0:0:0:0:0:1'],
    ['::', '0:0:0:0:0:0:0:0'],
    ['FE80::1:2', 'fe80:0:0:0:0:0:1:2'],
    ['fe80::1%eth0', 'fe80:0:0:0:0:0:0:1'],
    ['2001:db8::', '2001:db8:0:0:0:0:0:0'],
    ['[2001:db8::5]', '2001:db8:0:0:0:0:0:5'],
    ['::ffff:1.2.3.4', '0:0:0:0:0:ffff:102:304'],
    ['64:ff9b::10.0.0.1', '64:ff9b:0:0:0:0:a00:1'],
    ['example.com', undefined],
    ['1.2.3', undefined],
    ['', undefined],
  ];
  for (const [input, want] of cases) assert.equal(canonicalIp(input), want, input);
});
