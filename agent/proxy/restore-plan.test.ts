// The restore planner: full (stale chains, missing jumps only), partial (changed chains
// only), cleanup (ours and the jumps into them, nothing else). Text in, text out.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CONFIG, ep, svcPort } from './render-fixtures.js';
import { renderRuleset } from './render.js';
import { appliedState, parseSaved, planCleanup, planFull, planPartial } from './restore-plan.js';

const EMPTY = { nat: parseSaved(''), filter: parseSaved('') };

test('full: every chain declared, all jumps inserted in order, stale owned chains deleted, foreign ones left', () => {
  const rs = renderRuleset([{ svc: svcPort({ serviceName: 'web' }), endpoints: [ep('10.42.0.5')] }], CONFIG);
  const saved = {
    nat: parseSaved([':PREROUTING ACCEPT [0:0]', ':DOCKER - [0:0]', ':SKIFF-SVC-AAAAAAAAAAAAAAAA - [0:0]', ':SKIFF-TEST-GUARD-1 - [0:0]', '-A PREROUTING -m comment --comment "skiff service portals" -j SKIFF-SERVICES'].join('\n')),
    filter: parseSaved(''),
  };
  const text = planFull(rs, saved);
  const lines = text.split('\n');
  assert.ok(lines.includes(':SKIFF-SVC-AAAAAAAAAAAAAAAA - [0:0]') && lines.includes('-X SKIFF-SVC-AAAAAAAAAAAAAAAA'));
  assert.ok(!text.includes('DOCKER') && !text.includes('SKIFF-TEST-GUARD'));
  // PREROUTING already jumps: only OUTPUT and POSTROUTING get one.
  assert.deepEqual(lines.filter((l) => l.startsWith('-I ')), [
    '-I POSTROUTING 1 -m comment --comment "skiff postrouting rules" -j SKIFF-POSTROUTING',
    '-I OUTPUT 1 -m comment --comment "skiff service portals" -j SKIFF-SERVICES',
    '-I OUTPUT 1 -m conntrack --ctstate NEW -m comment --comment "skiff service portals" -j SKIFF-SERVICES',
    '-I OUTPUT 1 -m comment --comment "skiff service range guard" -j SKIFF-GUARD',
    '-I FORWARD 1 -m comment --comment "skiff forwarding rules" -j SKIFF-FORWARD',
    '-I FORWARD 1 -m conntrack --ctstate NEW -m comment --comment "skiff externally-visible service portals" -j SKIFF-EXTERNAL-SERVICES',
    '-I FORWARD 1 -m conntrack --ctstate NEW -m comment --comment "skiff service portals" -j SKIFF-SERVICES',
    '-I FORWARD 1 -m comment --comment "skiff service range guard" -j SKIFF-GUARD',
    '-I INPUT 1 -m conntrack --ctstate NEW -m comment --comment "skiff externally-visible service portals" -j SKIFF-EXTERNAL-SERVICES',
  ]);
  // Each table is one section, in order: declarations, rules, jumps, deletions, COMMIT.
  assert.deepEqual(lines.filter((l) => l.startsWith('*') || l === 'COMMIT'), ['*nat', 'COMMIT', '*filter', 'COMMIT']);
});

test('partial: nothing changed → no text; one endpoint → its chains only; a Service gone → its chains deleted', () => {
  const before = renderRuleset([{ svc: svcPort({ serviceName: 'web' }), endpoints: [ep('10.42.0.5'), ep('10.42.0.6')] }, { svc: svcPort({ serviceName: 'api', clusterIP: '198.18.0.20' }), endpoints: [ep('10.42.0.9')] }], CONFIG);
  const last = appliedState(before);
  assert.equal(planPartial(before, last), '');
  const after = renderRuleset([{ svc: svcPort({ serviceName: 'web' }), endpoints: [ep('10.42.0.5')] }, { svc: svcPort({ serviceName: 'api', clusterIP: '198.18.0.20' }), endpoints: [ep('10.42.0.9')] }], CONFIG);
  const text = planPartial(after, last);
  const declared = text.split('\n').filter((l) => l.startsWith(':')).map((l) => l.slice(1, l.indexOf(' ')));
  // The Service's chain, and the hairpin chain of its /24 (the endpoints are local).
  assert.equal(declared.length, 2, text);
  assert.match(declared[0]!, /^SKIFF-SVC-/);
  assert.match(declared[1]!, /^SKIFF-HP-/);
  assert.ok(!text.includes('10.42.0.6'), 'the endpoint that left is gone from the rewritten chains');
  assert.ok(!text.includes('-X '), 'no chain went away');
  assert.ok(!text.includes('*filter'), 'filter did not change');

  const gone = renderRuleset([{ svc: svcPort({ serviceName: 'api', clusterIP: '198.18.0.20' }), endpoints: [ep('10.42.0.9')] }], CONFIG);
  const removal = planPartial(gone, appliedState(after));
  assert.match(removal, /^:SKIFF-SERVICES - \[0:0\]$/m, 'SKIFF-SERVICES loses its line');
  assert.equal(removal.split('\n').filter((l) => l.startsWith('-X SKIFF-SVC-')).length, 1);
});

test('cleanup: owned chains flushed and deleted, jumps into them deleted, the rest untouched', () => {
  const nat = [
    ':PREROUTING ACCEPT [0:0]',
    ':DOCKER - [0:0]',
    ':SKIFF-SERVICES - [0:0]',
    ':SKIFF-SEP-ABCDEFGHIJKLMNOP - [0:0]',
    ':SKIFF-TEST-GUARD-1 - [0:0]',
    '-A PREROUTING -m comment --comment "skiff service portals" -j SKIFF-SERVICES',
    '-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER',
    '-A DOCKER -j SKIFF-SEP-ABCDEFGHIJKLMNOP',
    '-A SKIFF-SERVICES -j SKIFF-SEP-ABCDEFGHIJKLMNOP',
    '-A OUTPUT -j SKIFF-TEST-GUARD-1',
  ].join('\n');
  assert.equal(
    planCleanup({ nat: parseSaved(nat), filter: parseSaved('') }),
    [
      '*nat',
      ':SKIFF-SERVICES - [0:0]',
      ':SKIFF-SEP-ABCDEFGHIJKLMNOP - [0:0]',
      '-D PREROUTING -m comment --comment "skiff service portals" -j SKIFF-SERVICES',
      '-D DOCKER -j SKIFF-SEP-ABCDEFGHIJKLMNOP',
      '-X SKIFF-SERVICES',
      '-X SKIFF-SEP-ABCDEFGHIJKLMNOP',
      'COMMIT',
      '',
    ].join('\n'),
  );
  assert.equal(planCleanup(EMPTY), '');
});
