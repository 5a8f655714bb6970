import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePodCIDR } from './pod-network.js';

test('parsePodCIDR: network address and gateway; host bits cleared; bad input refused', () => {
  assert.deepEqual(parsePodCIDR('10.42.3.0/24'), { subnet: '10.42.3.0/24', gateway: '10.42.3.1' });
  assert.deepEqual(parsePodCIDR('10.42.3.77/24'), { subnet: '10.42.3.0/24', gateway: '10.42.3.1' });
  assert.deepEqual(parsePodCIDR('192.168.128.0/17'), { subnet: '192.168.128.0/17', gateway: '192.168.128.1' });
  assert.deepEqual(parsePodCIDR(' 10.0.0.4/30 '), { subnet: '10.0.0.4/30', gateway: '10.0.0.5' });
  for (const bad of ['', '10.42.3.0', '10.42.3.0/31', '10.42.3.0/0', '10.42.300.0/24', 'fd00::/64', '10.42.3/24']) {
    assert.throws(() => parsePodCIDR(bad), (err: Error & { code?: string }) => err.code === 'CreateFailed', bad);
  }
});

test('parseRuleSpec: iptables -S words, quoted comments kept whole', async () => {
  const { parseRuleSpec } = await import('./pod-network-rules.js');
  assert.deepEqual(parseRuleSpec('-s 10.42.0.0/24 -m comment --comment "skiff pod network n-1" -j ACCEPT'), ['-s', '10.42.0.0/24', '-m', 'comment', '--comment', 'skiff pod network n-1', '-j', 'ACCEPT']);
  assert.deepEqual(parseRuleSpec('! -d 10.0.0.0/8 -m comment --comment "a \\"b\\"" -j MASQUERADE'), ['!', '-d', '10.0.0.0/8', '-m', 'comment', '--comment', 'a "b"', '-j', 'MASQUERADE']);
});
