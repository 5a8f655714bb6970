import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderResolvConf } from './sandbox-dns.js';

test('resolv.conf as containerd writes it: search, nameservers, options; empty parts left out', () => {
  assert.equal(
    renderResolvConf({ servers: ['10.43.0.10', '10.43.0.11'], searches: ['ns.svc.cluster.local', 'svc.cluster.local'], options: ['ndots:5', 'edns0'] }),
    'search ns.svc.cluster.local svc.cluster.local\nnameserver 10.43.0.10\nnameserver 10.43.0.11\noptions ndots:5 edns0\n',
  );
  assert.equal(renderResolvConf({ servers: ['1.1.1.1'], searches: [], options: [] }), 'nameserver 1.1.1.1\n');
});
