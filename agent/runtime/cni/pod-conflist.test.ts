import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cniBridgeName, loopbackConflist, parsePodCIDR, podConflist, renderConflist } from './pod-conflist.js';

test('parsePodCIDR clears host bits and picks the first address as gateway', () => {
  const table: Array<[string, string, string]> = [
    ['10.42.3.0/24', '10.42.3.0/24', '10.42.3.1'],
    ['10.42.3.77/24', '10.42.3.0/24', '10.42.3.1'],
    ['10.200.16.0/20', '10.200.16.0/20', '10.200.16.1'],
    [' 192.168.0.4/30 ', '192.168.0.4/30', '192.168.0.5'],
  ];
  for (const [input, subnet, gateway] of table) assert.deepEqual(parsePodCIDR(input), { subnet, gateway }, input);
  for (const bad of ['', '10.42.0.0', '10.42.0.0/31', '10.42.0.0/0', '10.42.0.256/24', 'fd00::/64', '10.42/16']) {
    assert.throws(() => parsePodCIDR(bad), /not an IPv4 range/, bad);
  }
});

test('bridge names are per node, short enough for Linux, and not the Docker runtime\'s', () => {
  const a = cniBridgeName('node-a');
  assert.equal(a, cniBridgeName('node-a'));
  assert.notEqual(a, cniBridgeName('node-b'));
  assert.match(a, /^skc-[0-9a-f]{8}$/);
  assert.ok(cniBridgeName('x'.repeat(253)).length <= 15);
});

test('the conflist chains bridge with host-local for the pod range, then portmap and firewall', () => {
  const c = podConflist({ nodeName: 'node-a', podCIDR: '10.42.7.9/24' });
  assert.deepEqual(c, {
    cniVersion: '0.4.0',
    name: 'skiff-node-a',
    plugins: [
      {
        type: 'bridge',
        bridge: cniBridgeName('node-a'),
        isGateway: true,
        ipMasq: true,
        hairpinMode: true,
        ipam: { type: 'host-local', ranges: [[{ subnet: '10.42.7.0/24', gateway: '10.42.7.1' }]], routes: [{ dst: '0.0.0.0/0' }] },
      },
      { type: 'portmap', capabilities: { portMappings: true }, snat: true },
      { type: 'firewall', backend: 'iptables' },
    ],
  });
  assert.equal(renderConflist(c), renderConflist(podConflist({ nodeName: 'node-a', podCIDR: '10.42.7.0/24' })));
  assert.ok(renderConflist(c).endsWith('}\n'));
  assert.throws(() => podConflist({ nodeName: 'n', podCIDR: 'nope' }), /not an IPv4 range/);
});

test('loopback is its own network', () => {
  assert.deepEqual(loopbackConflist(), { cniVersion: '0.4.0', name: 'cni-loopback', plugins: [{ type: 'loopback' }] });
});
