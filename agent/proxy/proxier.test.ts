// The Proxier against real iptables in a netns of its own, beside Docker-shaped chains
// and rules that must come through every sync and the cleanup byte for byte.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import type { EndpointSlice, Service } from '../../api/service-types.js';
import { cleanupProxyRules } from './cleanup.js';
import { OWNED_CHAIN } from './chain-names.js';
import { ExecIptables, type Iptables, type IptablesTable } from './iptables.js';
import { createNetns, type Netns } from './netns.js';
import { Proxier } from './proxier.js';

const FOREIGN = {
  filter: [
    '*filter',
    ':FORWARD DROP [0:0]',
    ':DOCKER - [0:0]',
    ':DOCKER-USER - [0:0]',
    ':SKIFF-TEST-GUARD-x - [0:0]',
    '-A FORWARD -j DOCKER-USER',
    '-A FORWARD -o docker0 -j DOCKER',
    '-A DOCKER-USER -j RETURN',
    '-A SKIFF-TEST-GUARD-x -j REJECT --reject-with icmp-port-unreachable',
    '-A OUTPUT -d 198.18.0.0/24 -j SKIFF-TEST-GUARD-x',
    'COMMIT',
  ],
  nat: ['*nat', ':DOCKER - [0:0]', '-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER', '-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE', 'COMMIT'],
};

/** iptables-save without comments, counters and SKIFF- proxy lines: what must never change. */
async function foreignLines(ipt: Iptables): Promise<string[]> {
  const out: string[] = [];
  for (const t of ['nat', 'filter'] as const) {
    for (const line of (await ipt.save(t)).split('\n')) {
      if (line.startsWith('#') || line === '') continue;
      const chain = line.startsWith(':') ? line.slice(1).split(' ')[0]! : line.startsWith('-A ') ? line.split(' ')[1]! : '';
      const target = / -j (\S+)/.exec(line)?.[1] ?? '';
      if (OWNED_CHAIN.test(chain) || OWNED_CHAIN.test(target)) continue;
      out.push(line.replace(/\[\d+:\d+\]/, ''));
    }
  }
  return out;
}

async function ownedChains(ipt: Iptables, table: IptablesTable): Promise<string[]> {
  return (await ipt.save(table))
    .split('\n')
    .filter((l) => l.startsWith(':'))
    .map((l) => l.slice(1).split(' ')[0]!)
    .filter((c) => OWNED_CHAIN.test(c))
    .sort();
}

async function rulesOf(ipt: Iptables, table: IptablesTable, chain: string): Promise<string[]> {
  return (await ipt.save(table)).split('\n').filter((l) => l.startsWith(`-A ${chain} `));
}

function service(name: string, ip: string, over: Partial<Service['spec']> = {}): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default', resourceVersion: '1' }, spec: { clusterIP: ip, ports: [{ name: 'http', port: 80, targetPort: 8080 }], ...over } };
}

function slice(svc: string, ips: string[], ready = true): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `${svc}-abc`, namespace: 'default', labels: { 'kubernetes.io/service-name': svc } },
    addressType: 'IPv4',
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready }, nodeName: 'n1' })),
  };
}

/** Counts restores, and fails the next one on request. */
class RecordingIptables implements Iptables {
  restores: string[] = [];
  failNext = false;
  constructor(private readonly inner: Iptables) {}
  get backend() {
    return this.inner.backend;
  }
  version() {
    return this.inner.version();
  }
  save(t: IptablesTable) {
    return this.inner.save(t);
  }
  async restore(text: string) {
    this.restores.push(text);
    if (this.failNext) {
      this.failNext = false;
      throw new Error('injected restore failure');
    }
    return this.inner.restore(text);
  }
  run(t: IptablesTable, args: string[]) {
    return this.inner.run(t, args);
  }
}

const config = { serviceCIDR: '198.18.0.0/24', podCIDR: '10.42.0.0/24', nodeIPs: ['192.0.2.10'] };
const logger = pino({ level: 'silent' });

for (const backend of ['nft', 'legacy'] as const) describe(`Proxier on real iptables-${backend}`, () => {
  let ns: Netns;
  let real: Iptables;
  let foreignBefore: string[];
  before(async () => {
    ns = await createNetns();
    real = await ExecIptables.create({ netns: ns.name, backend });
    await real.restore(FOREIGN.filter.join('\n') + '\n');
    await real.restore(FOREIGN.nat.join('\n') + '\n');
    foreignBefore = await foreignLines(real);
  });
  after(async () => {
    await ns?.delete();
  });

  test('nothing is written before Services and EndpointSlices are both listed; then one full restore', async () => {
    const ipt = new RecordingIptables(real);
    const p = new Proxier({ iptables: ipt, nodeName: 'n1', config, logger });
    p.onServiceAdd(service('web', '198.18.0.10'));
    p.setServicesSynced();
    await p.syncProxyRules();
    assert.equal(ipt.restores.length, 0);
    p.onEndpointSliceAdd(slice('web', ['10.42.0.5', '10.42.0.6']));
    p.setEndpointSlicesSynced();
    await p.syncProxyRules();
    assert.equal(ipt.restores.length, 1);
    assert.equal(p.lastSync?.full, true);
    const svcChains = (await ownedChains(real, 'nat')).filter((c) => c.startsWith('SKIFF-SVC-'));
    assert.equal(svcChains.length, 1);
    const dnats = async () => (await rulesOf(real, 'nat', svcChains[0]!)).filter((r) => r.includes('-j DNAT')).map((r) => r.split('--to-destination ')[1]);
    assert.deepEqual(await dnats(), ['10.42.0.5:8080', '10.42.0.6:8080']);
    const hp = (await ownedChains(real, 'nat')).filter((c) => c.startsWith('SKIFF-HP-'));
    assert.equal(hp.length, 1, 'one hairpin chain for 10.42.0.0/26');
    assert.deepEqual(await rulesOf(real, 'nat', hp[0]!), [`-A ${hp[0]} -s 10.42.0.5/32 -d 10.42.0.5/32 -j MASQUERADE`, `-A ${hp[0]} -s 10.42.0.6/32 -d 10.42.0.6/32 -j MASQUERADE`]);
    assert.equal((await rulesOf(real, 'nat', 'PREROUTING')).filter((r) => r.includes('SKIFF-SERVICES')).length, 1);
    assert.equal((await rulesOf(real, 'filter', 'OUTPUT')).filter((r) => r.includes('SKIFF-GUARD')).length, 1);
    // Our jumps stand first in FORWARD, in the order JUMPS gives.
    const forward = await rulesOf(real, 'filter', 'FORWARD');
    assert.deepEqual(forward.slice(0, 4).map((r) => / -j (\S+)/.exec(r)?.[1]), ['SKIFF-GUARD', 'SKIFF-SERVICES', 'SKIFF-EXTERNAL-SERVICES', 'SKIFF-FORWARD']);
    assert.deepEqual(await foreignLines(real), foreignBefore);

    // One endpoint goes unready: a partial restore writes only the chains that changed.
    p.onEndpointSliceUpdate(slice('web', ['10.42.0.5', '10.42.0.6']), { ...slice('web', ['10.42.0.5']), endpoints: [...slice('web', ['10.42.0.5']).endpoints!, ...slice('web', ['10.42.0.6'], false).endpoints!] });
    await p.syncProxyRules();
    assert.equal(p.lastSync?.full, false);
    const partial = ipt.restores.at(-1)!;
    assert.deepEqual(partial.split('\n').filter((l) => l.startsWith(':')).sort(), [`:${hp[0]} - [0:0]`, `:${svcChains[0]} - [0:0]`].sort(), partial);
    assert.doesNotMatch(partial, /^:SKIFF-SERVICES/m, 'SKIFF-SERVICES did not change');
    assert.deepEqual(await dnats(), ['10.42.0.5:8080']);

    // Nothing changed: nothing is run.
    await p.syncProxyRules();
    assert.equal(p.lastSync?.lines, 0);

    // The Service goes: filter REJECT is gone too, its chains deleted.
    p.onServiceDelete(service('web', '198.18.0.10'));
    await p.syncProxyRules();
    assert.deepEqual((await ownedChains(real, 'nat')).filter((c) => /^SKIFF-(SVC|SEP|HP)-/.test(c)), []);
    assert.deepEqual(await foreignLines(real), foreignBefore);
  });

  test('a restarted proxy removes stale chains and adds no second jump; a failed apply is followed by a full sync', async () => {
    const first = new Proxier({ iptables: real, nodeName: 'n1', config, logger });
    first.onServiceAdd(service('a', '198.18.0.20'));
    first.onServiceAdd(service('b', '198.18.0.21'));
    first.onEndpointSliceAdd(slice('a', ['10.42.0.7']));
    first.onEndpointSliceAdd(slice('b', ['10.42.0.8']));
    first.setServicesSynced();
    first.setEndpointSlicesSynced();
    await first.syncProxyRules();
    assert.equal((await ownedChains(real, 'nat')).filter((c) => c.startsWith('SKIFF-SVC-')).length, 2);

    const ipt = new RecordingIptables(real);
    const second = new Proxier({ iptables: ipt, nodeName: 'n1', config, logger, retryIntervalMs: 60_000 });
    second.onServiceAdd(service('a', '198.18.0.20'));
    second.onEndpointSliceAdd(slice('a', ['10.42.0.7']));
    second.setServicesSynced();
    second.setEndpointSlicesSynced();
    await second.syncProxyRules();
    assert.equal((await ownedChains(real, 'nat')).filter((c) => c.startsWith('SKIFF-SVC-')).length, 1, 'b\'s chains were stale');
    assert.equal((await rulesOf(real, 'nat', 'OUTPUT')).filter((r) => r.includes('SKIFF-SERVICES')).length, 1);
    assert.equal((await rulesOf(real, 'filter', 'FORWARD')).filter((r) => r.includes('SKIFF-')).length, 4);

    ipt.failNext = true;
    second.onEndpointSliceUpdate(slice('a', ['10.42.0.7']), slice('a', ['10.42.0.7', '10.42.0.9']));
    const restores = ipt.restores.length;
    await second.syncProxyRules();
    assert.equal(ipt.restores.length, restores + 1);
    assert.doesNotMatch(ipt.restores.at(-1)!, /^:SKIFF-SERVICES/m, 'the failed one was partial');
    await second.syncProxyRules();
    assert.equal(second.lastSync?.full, true, 'after a failure the next sync is full');
    assert.match(ipt.restores.at(-1)!, /^:SKIFF-SERVICES/m);
    const svcA = (await ownedChains(real, 'nat')).filter((c) => c.startsWith('SKIFF-SVC-'));
    assert.equal(svcA.length, 1);
    assert.equal((await rulesOf(real, 'nat', svcA[0]!)).filter((r) => r.includes('-j DNAT')).length, 2);
    assert.deepEqual(await foreignLines(real), foreignBefore);
  });

  test('cleanup removes every owned chain and jump, and nothing else', async () => {
    assert.ok((await cleanupProxyRules(real)) > 0);
    assert.deepEqual(await ownedChains(real, 'nat'), []);
    assert.deepEqual(await ownedChains(real, 'filter'), []);
    const all = (await real.save('nat')) + (await real.save('filter'));
    assert.deepEqual(all.split('\n').filter((l) => /SKIFF-(?!TEST-GUARD)/.test(l)), []);
    assert.deepEqual(await foreignLines(real), foreignBefore);
    assert.equal(await cleanupProxyRules(real), 0, 'a second cleanup finds nothing');
  });
});
