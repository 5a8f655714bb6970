import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Pod } from '../../../api/types.js';
import { appendDnsConfig, fitDnsLimits, mergeDnsOptions, parseResolvConf, podDNS, type DnsSettings } from './dns.js';

const HOST = parseResolvConf('# comment\nnameserver 192.168.1.1\nnameserver 192.168.1.2\nsearch home.lan corp.example. .\noptions edns0 timeout:2\n');
const settings: DnsSettings = { clusterDNS: ['10.43.0.10'], clusterDomain: 'cluster.local', resolvConf: '/etc/resolv.conf' };
const pod = (spec: Record<string, unknown> = {}): Pod => ({ metadata: { name: 'p', namespace: 'team', uid: 'u1' }, spec: { containers: [], dnsPolicy: 'ClusterFirst', ...spec } });

test('parseResolvConf: nameservers add up, the last search and options lines win, trailing dots go', () => {
  assert.deepEqual(HOST, { servers: ['192.168.1.1', '192.168.1.2'], searches: ['home.lan', 'corp.example'], options: ['edns0', 'timeout:2'] });
  assert.deepEqual(parseResolvConf('search a\nsearch b c\noptions x\noptions y\n; x\n'), { servers: [], searches: ['b', 'c'], options: ['y'] });
});

test('ClusterFirst: the cluster DNS only, cluster search domains before the node\'s, ndots:5', () => {
  const { config, warnings } = podDNS(pod(), settings, HOST);
  assert.deepEqual(config, { servers: ['10.43.0.10'], searches: ['team.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'home.lan', 'corp.example'], options: ['ndots:5'] });
  assert.deepEqual(warnings, []);
});

test('ClusterFirst on the host network is Default; ClusterFirstWithHostNet keeps the cluster DNS', () => {
  assert.deepEqual(podDNS(pod({ hostNetwork: true }), settings, HOST).config, HOST);
  assert.deepEqual(podDNS(pod({ hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' }), settings, HOST).config.servers, ['10.43.0.10']);
});

test('ClusterFirst without cluster DNS falls back to Default with the kubelet\'s warning', () => {
  const { config, warnings } = podDNS(pod(), { ...settings, clusterDNS: [] }, HOST);
  assert.deepEqual(config, HOST);
  assert.deepEqual(warnings, [
    { reason: 'MissingClusterDNS', message: 'pod: "p_team(u1)". kubelet does not have ClusterDNS IP configured and cannot create Pod using "ClusterFirst" policy. Falling back to "Default" policy.' },
  ]);
});

test('Default with --resolv-conf "" asks 127.0.0.1 and searches nothing', () => {
  assert.deepEqual(podDNS(pod({ dnsPolicy: 'Default' }), { ...settings, resolvConf: '' }, { servers: [], searches: [], options: [] }).config, { servers: ['127.0.0.1'], searches: ['.'], options: [] });
});

test('None: only the pod\'s dnsConfig', () => {
  const dnsConfig = { nameservers: ['1.1.1.1'], searches: ['a.example'], options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }] };
  assert.deepEqual(podDNS(pod({ dnsPolicy: 'None', dnsConfig }), settings, HOST).config, { servers: ['1.1.1.1'], searches: ['a.example'], options: ['ndots:2', 'edns0'] });
});

test('dnsConfig is appended without duplicates; its options replace the base ones by name', () => {
  const merged = appendDnsConfig({ servers: ['10.43.0.10'], searches: ['a', 'b'], options: ['ndots:5', 'rotate'] }, { nameservers: ['10.43.0.10', '8.8.8.8'], searches: ['b', 'c'], options: [{ name: 'ndots', value: '1' }, { name: 'single-request' }] });
  assert.deepEqual(merged, { servers: ['10.43.0.10', '8.8.8.8'], searches: ['a', 'b', 'c'], options: ['ndots:1', 'rotate', 'single-request'] });
  assert.deepEqual(mergeDnsOptions(['a:1'], [{ name: 'a' }]), ['a']);
});

test('limits: 3 nameservers, 32 search domains, 2048 characters, domains over 253 dropped; each cut is a DNSConfigForming warning', () => {
  const servers = fitDnsLimits({ servers: ['1.1.1.1', '2.2.2.2', '3.3.3.3', '4.4.4.4'], searches: [], options: [] });
  assert.deepEqual(servers.config.servers, ['1.1.1.1', '2.2.2.2', '3.3.3.3']);
  assert.deepEqual(servers.warnings, [{ reason: 'DNSConfigForming', message: 'Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: 1.1.1.1 2.2.2.2 3.3.3.3' }]);
  const many = Array.from({ length: 40 }, (_, i) => `d${i}.example`);
  const cut = fitDnsLimits({ servers: [], searches: many, options: [] });
  assert.deepEqual(cut.config.searches, many.slice(0, 32));
  assert.equal(cut.warnings[0]?.message, `Search Line limits were exceeded, some search paths have been omitted, the applied search line is: ${many.slice(0, 32).join(' ')}`);
  const long = Array.from({ length: 10 }, (_, i) => `${String(i).repeat(250)}.x`);
  const chars = fitDnsLimits({ servers: [], searches: [...long, 'y'.repeat(300)], options: [] });
  assert.ok(chars.config.searches.join(' ').length <= 2048);
  assert.deepEqual(chars.config.searches, long.slice(0, 8));
  assert.deepEqual(fitDnsLimits({ servers: ['1.1.1.1'], searches: ['a'], options: [] }).warnings, []);
});
