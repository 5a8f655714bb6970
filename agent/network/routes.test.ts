import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node } from '../../api/types.js';
import { peersOf, podRoutes, routeChanges, ROUTE_PROTOCOL, vtepAddress, vtepMac, vxlanEntries, VXLAN_DEVICE } from './routes.js';
import { noMasqueradeRules } from './no-masquerade.js';

function node(name: string, ip: string | undefined, podCIDR: string | undefined): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name },
    spec: podCIDR ? { podCIDR } : {},
    status: ip ? { addresses: [{ type: 'InternalIP', address: ip }, { type: 'Hostname', address: name }] } : {},
  };
}

const self = { node: 'a', nodeIP: '10.250.0.2', podCIDR: '10.42.0.0/24' };

test('peersOf: other nodes with a pod range and an InternalIP, sorted; same-host and own-range nodes skipped', () => {
  const peers = peersOf(self, [
    node('c', '10.250.0.4', '10.42.2.0/24'),
    node('a', '10.250.0.2', '10.42.0.0/24'),
    node('b', '10.250.0.3', '10.42.1.7/24'),
    node('no-cidr', '10.250.0.5', undefined),
    node('no-ip', undefined, '10.42.4.0/24'),
    node('same-host', '10.250.0.2', '10.42.5.0/24'),
    node('same-range', '10.250.0.6', '10.42.0.0/24'),
    node('bad', 'not-an-ip', '10.42.6.0/24'),
    node('v6', '10.250.0.7', 'fd00::/64'),
  ]);
  assert.deepEqual(peers, [
    { node: 'b', nodeIP: '10.250.0.3', podCIDR: '10.42.1.0/24' },
    { node: 'c', nodeIP: '10.250.0.4', podCIDR: '10.42.2.0/24' },
  ]);
});

test('podRoutes: host-gw via the InternalIP, vxlan via the VTEP on the vxlan device, none: nothing', () => {
  const peers = [{ node: 'b', nodeIP: '10.250.0.3', podCIDR: '10.42.1.0/24' }];
  assert.deepEqual(podRoutes('host-gw', peers), [{ dst: '10.42.1.0/24', via: '10.250.0.3' }]);
  assert.deepEqual(podRoutes('vxlan', peers), [{ dst: '10.42.1.0/24', via: '10.42.1.0', dev: VXLAN_DEVICE }]);
  assert.deepEqual(podRoutes('none', peers), []);
  assert.deepEqual(vxlanEntries(peers), [{ vtep: '10.42.1.0', mac: '0e:5f:0a:fa:00:03', nodeIP: '10.250.0.3' }]);
});

test('vtepMac: locally administered unicast, one per address; vtepAddress: the network address', () => {
  const mac = vtepMac('192.168.1.254');
  assert.equal(mac, '0e:5f:c0:a8:01:fe');
  const first = parseInt(mac.slice(0, 2), 16);
  assert.equal(first & 1, 0, 'unicast');
  assert.equal(first & 2, 2, 'locally administered');
  assert.notEqual(vtepMac('192.168.1.253'), mac);
  assert.equal(vtepAddress('10.42.7.0/24'), '10.42.7.0');
  assert.equal(vtepAddress('10.42.0.128/25'), '10.42.0.128');
});

test('routeChanges: adds missing, replaces changed, removes stale ours, never touches others', () => {
  const ours = (dst: string, gateway: string, dev = 'eth0') => ({ dst, gateway, dev, protocol: ROUTE_PROTOCOL });
  const changes = routeChanges(
    [
      { dst: '10.42.1.0/24', via: '10.250.0.3' }, // in place
      { dst: '10.42.2.0/24', via: '10.250.0.9' }, // gateway changed
      { dst: '10.42.3.0/24', via: '10.250.0.5' }, // missing
      { dst: '10.42.9.0/24', via: '10.250.0.6' }, // a local bridge holds it
    ],
    [
      ours('10.42.1.0/24', '10.250.0.3'),
      ours('10.42.2.0/24', '10.250.0.4'),
      ours('10.42.4.0/24', '10.250.0.7'), // node left
      { dst: '10.42.9.0/24', dev: 'sk-1234', protocol: 'kernel' },
      { dst: 'default', gateway: '10.250.0.1', dev: 'eth0', protocol: 'boot' },
      { dst: '10.42.5.0/24', gateway: '10.250.0.8', protocol: 'static' }, // someone else's, not wanted: kept
    ],
  );
  assert.deepEqual(changes.replace, [{ dst: '10.42.2.0/24', via: '10.250.0.9' }, { dst: '10.42.3.0/24', via: '10.250.0.5' }]);
  assert.deepEqual(changes.remove, ['10.42.4.0/24']);
  assert.deepEqual(changes.conflicts, ['10.42.9.0/24']);
});

test('routeChanges: a host-gw route becomes a vxlan route when the backend changes; protocol as a string counts as ours', () => {
  const changes = routeChanges([{ dst: '10.42.1.0/24', via: '10.42.1.0', dev: VXLAN_DEVICE }], [{ dst: '10.42.1.0/24', gateway: '10.250.0.3', dev: 'eth0', protocol: String(ROUTE_PROTOCOL) }]);
  assert.deepEqual(changes.replace, [{ dst: '10.42.1.0/24', via: '10.42.1.0', dev: VXLAN_DEVICE }]);
  assert.deepEqual(changes.remove, []);
});

test('noMasqueradeRules: one ACCEPT per peer range from our range, with the node comment', () => {
  assert.deepEqual(noMasqueradeRules(self, [{ node: 'b', nodeIP: '10.250.0.3', podCIDR: '10.42.1.0/24' }]), [
    ['-s', '10.42.0.0/24', '-d', '10.42.1.0/24', '-m', 'comment', '--comment', 'skiff pod routes a', '-j', 'ACCEPT'],
  ]);
  assert.deepEqual(noMasqueradeRules(self, []), []);
});
