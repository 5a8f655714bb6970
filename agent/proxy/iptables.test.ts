// ExecIptables against the real iptables binaries, both backends, each in its own netns.

import assert from 'node:assert/strict';
import { realpathSync } from 'node:fs';
import { test } from 'node:test';
import { iptablesConformance } from './iptables-conformance.js';
import { ExecIptables, parseBackend } from './iptables.js';

test('parseBackend reads the mode iptables --version prints', () => {
  assert.equal(parseBackend('iptables v1.8.9 (nf_tables)\n'), 'nft');
  assert.equal(parseBackend('iptables v1.8.9 (legacy)\n'), 'legacy');
  assert.equal(parseBackend('iptables v1.6.1\n'), 'legacy');
  assert.throws(() => parseBackend('something else'));
});

iptablesConformance('iptables-nft', 'nft', (netns) => ExecIptables.create({ netns, backend: 'nft' }));
iptablesConformance('iptables-legacy', 'legacy', (netns) => ExecIptables.create({ netns, backend: 'legacy' }));
// The machine's default `iptables`, whichever backend its alternative points at
// (/usr/sbin/iptables → xtables-nft-multi or xtables-legacy-multi).
const installed = realpathSync('/usr/sbin/iptables').includes('legacy') ? 'legacy' : 'nft';
iptablesConformance(`iptables (detected: ${installed})`, installed, (netns) => ExecIptables.create({ netns }));
