// One behavioural suite for every Iptables implementation: what the proxier relies on,
// checked against the real binaries inside a network namespace the suite creates (and
// deletes), so the host's tables are never touched. An implementation's *.test.ts calls
// iptablesConformance(name, make).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ProxyError } from './errors.js';
import type { Iptables, IptablesBackend } from './iptables.js';
import { createNetns, type Netns } from './netns.js';

/** The rule lines (-A …) of one chain in iptables-save output. */
function rulesOf(saved: string, chain: string): string[] {
  return saved.split('\n').filter((l) => l.startsWith(`-A ${chain} `));
}

function chainsOf(saved: string): string[] {
  return saved.split('\n').filter((l) => l.startsWith(':')).map((l) => l.slice(1).split(' ')[0]!);
}

export function iptablesConformance(name: string, backend: IptablesBackend, make: (netns: string) => Promise<Iptables>): void {
  describe(`Iptables conformance: ${name}`, () => {
    let ns: Netns;
    let ipt: Iptables;
    before(async () => {
      ns = await createNetns();
      ipt = await make(ns.name);
    });
    after(async () => {
      await ns?.delete();
    });

    test('reports its backend and version', async () => {
      assert.equal(ipt.backend, backend);
      assert.match(await ipt.version(), backend === 'nft' ? /^v1\.\d+\.\d+ \(nf_tables\)$/ : /^v1\.\d+\.\d+( \(legacy\))?$/);
    });

    test('restore --noflush creates chains and rules that save reads back', async () => {
      await ipt.restore(
        [
          '*nat',
          ':SKIFF-T-A - [0:0]',
          ':SKIFF-T-B - [0:0]',
          '-A SKIFF-T-A -d 198.18.0.1/32 -p tcp -m comment --comment "ns/svc:http cluster IP" -m tcp --dport 80 -j SKIFF-T-B',
          '-A SKIFF-T-B -p tcp -m statistic --mode random --probability 0.33333333349 -m tcp -j DNAT --to-destination 10.1.0.2:8080',
          '-A SKIFF-T-B -m recent --rcheck --seconds 10800 --reap --name SKIFF-T-B --mask 255.255.255.255 --rsource -j RETURN',
          '-A SKIFF-T-B -p tcp -m recent --rcheck --seconds 60 --reap --name SKIFF-T-B --mask 255.255.255.255 --rsource -m recent --set --name SKIFF-T-B --mask 255.255.255.255 --rsource -m tcp -j DNAT --to-destination 10.1.0.3:8080',
          '-A OUTPUT -m comment --comment "skiff test" -j SKIFF-T-A',
          'COMMIT',
          '',
        ].join('\n'),
      );
      const saved = await ipt.save('nat');
      assert.ok(saved.includes('*nat'), saved);
      assert.deepEqual(chainsOf(saved).filter((c) => c.startsWith('SKIFF-T-')).sort(), ['SKIFF-T-A', 'SKIFF-T-B']);
      assert.deepEqual(rulesOf(saved, 'SKIFF-T-A'), ['-A SKIFF-T-A -d 198.18.0.1/32 -p tcp -m comment --comment "ns/svc:http cluster IP" -m tcp --dport 80 -j SKIFF-T-B']);
      const b = rulesOf(saved, 'SKIFF-T-B');
      assert.equal(b.length, 3);
      assert.match(b[0]!, /-m statistic --mode random --probability 0\.33333333349 -m tcp -j DNAT --to-destination 10\.1\.0\.2:8080$/);
      assert.match(b[1]!, /-m recent --rcheck --seconds 10800 --reap --name SKIFF-T-B --mask 255\.255\.255\.255 --rsource -j RETURN$/);
      // Two recent matches in one rule (check, then refresh), as ClientIP affinity renders them.
      assert.match(b[2]!, /-m recent --rcheck --seconds 60 --reap .*-m recent --set --name SKIFF-T-B .*-j DNAT --to-destination 10\.1\.0\.3:8080$/);
      assert.deepEqual(rulesOf(saved, 'OUTPUT'), ['-A OUTPUT -m comment --comment "skiff test" -j SKIFF-T-A']);
    });

    test('--noflush replaces declared chains whole and keeps the others', async () => {
      await ipt.restore(['*nat', ':SKIFF-T-B - [0:0]', '-A SKIFF-T-B -j RETURN', 'COMMIT', ''].join('\n'));
      const saved = await ipt.save('nat');
      assert.deepEqual(rulesOf(saved, 'SKIFF-T-B'), ['-A SKIFF-T-B -j RETURN']);
      assert.equal(rulesOf(saved, 'SKIFF-T-A').length, 1, 'an undeclared chain keeps its rules');
      assert.equal(rulesOf(saved, 'OUTPUT').length, 1, 'a built-in chain keeps its rules');
    });

    test('a failing restore changes nothing (one transaction)', async () => {
      const before = await ipt.save('nat');
      await assert.rejects(
        ipt.restore(['*nat', ':SKIFF-T-A - [0:0]', ':SKIFF-T-C - [0:0]', '-A SKIFF-T-C -j NO-SUCH-CHAIN', 'COMMIT', ''].join('\n')),
        (err: unknown) => err instanceof ProxyError && err.code === 'IptablesFailed',
      );
      const after = await ipt.save('nat');
      assert.deepEqual(chainsOf(after), chainsOf(before));
      assert.deepEqual(rulesOf(after, 'SKIFF-T-A'), rulesOf(before, 'SKIFF-T-A'));
    });

    test('-D of a saved rule and -X of flushed chains remove exactly those', async () => {
      const saved = await ipt.save('nat');
      const jump = rulesOf(saved, 'OUTPUT')[0]!;
      await ipt.restore(['*nat', ':SKIFF-T-A - [0:0]', ':SKIFF-T-B - [0:0]', jump.replace(/^-A /, '-D '), '-X SKIFF-T-A', '-X SKIFF-T-B', 'COMMIT', ''].join('\n'));
      const after = await ipt.save('nat');
      assert.deepEqual(chainsOf(after).filter((c) => c.startsWith('SKIFF-')), []);
      assert.deepEqual(rulesOf(after, 'OUTPUT'), []);
    });

    test('filter table: REJECT and conntrack rules, and one-rule appends with run()', async () => {
      await ipt.restore(['*filter', ':SKIFF-T-F - [0:0]', '-A SKIFF-T-F -d 198.18.0.0/24 -j REJECT --reject-with icmp-port-unreachable', 'COMMIT', ''].join('\n'));
      await ipt.run('filter', ['-A', 'SKIFF-T-F', '-m', 'conntrack', '--ctstate', 'DNAT', '--ctorigdst', '198.18.0.0/24', '-j', 'ACCEPT']);
      await ipt.run('filter', ['-I', 'FORWARD', '-j', 'SKIFF-T-F']);
      const saved = await ipt.save('filter');
      assert.deepEqual(rulesOf(saved, 'SKIFF-T-F'), [
        '-A SKIFF-T-F -d 198.18.0.0/24 -j REJECT --reject-with icmp-port-unreachable',
        '-A SKIFF-T-F -m conntrack --ctstate DNAT --ctorigdst 198.18.0.0/24 -j ACCEPT',
      ]);
      assert.deepEqual(rulesOf(saved, 'FORWARD'), ['-A FORWARD -j SKIFF-T-F']);
      await assert.rejects(ipt.run('filter', ['-A', 'NO-SUCH-CHAIN', '-j', 'ACCEPT']), (err: unknown) => err instanceof ProxyError);
    });
  });
}
