// The name → answer logic of the node's DNS server, without any network: Services and
// EndpointSlices in, CoreDNS's kubernetes-plugin answers out.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { EndpointSlice, Service } from '../../api/service-types.js';
import { renderRuleset } from '../proxy/render.js';
import { CONFIG, ep, svcPort } from '../proxy/render-fixtures.js';
import { ClusterRecords, DNS_TTL } from './cluster-records.js';
import { CLASS_IN, RCODE, TYPE, type SrvData, type SoaData } from './wire.js';

const svc = (ns: string, name: string, spec: Service['spec']): Service => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns }, spec });
const slice = (ns: string, svcName: string, name: string, endpoints: { ip: string; ready?: boolean; hostname?: string }[], ports: NonNullable<EndpointSlice['ports']>): EndpointSlice => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name, namespace: ns, labels: { 'kubernetes.io/service-name': svcName } },
  addressType: 'IPv4',
  endpoints: endpoints.map((e) => ({ addresses: [e.ip], conditions: { ready: e.ready ?? true }, ...(e.hostname ? { hostname: e.hostname } : {}) })),
  ports,
});

function cluster(): ClusterRecords {
  const r = new ClusterRecords('cluster.local', '10.43.0.10');
  r.setService(svc('default', 'kubernetes', { clusterIP: '10.43.0.1', ports: [{ name: 'https', port: 443, protocol: 'TCP' }] }));
  r.setService(svc('default', 'web', { clusterIP: '10.43.0.20', ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 }, { name: 'dns', port: 53, protocol: 'UDP' }] }));
  r.setService(svc('default', 'db', { clusterIP: 'None', ports: [{ name: 'pg', port: 5432 }] }));
  r.setSlice(slice('default', 'db', 'db-abc', [{ ip: '10.42.0.7', hostname: 'db-0' }, { ip: '10.42.0.5' }, { ip: '10.42.0.9', ready: false }], [{ name: 'pg', port: 5433, protocol: 'TCP' }]));
  r.setService(svc('default', 'empty', { clusterIP: 'None', ports: [{ name: 'x', port: 1 }] }));
  r.setService(svc('other', 'ext', { type: 'ExternalName', externalName: 'example.org' }));
  return r;
}
const ask = (r: ClusterRecords, name: string, type: number = TYPE.A) => r.answer({ name, type, class: CLASS_IN });

describe('cluster DNS records', () => {
  test('a ClusterIP Service: A with TTL 5, authoritative data only', () => {
    const a = ask(cluster(), 'web.default.svc.cluster.local')!;
    assert.equal(a.rcode, RCODE.NOERROR);
    assert.deepEqual(a.answers, [{ name: 'web.default.svc.cluster.local', type: TYPE.A, class: CLASS_IN, ttl: DNS_TTL, data: '10.43.0.20' }]);
    // Case is kept in the answer as asked; the lookup ignores it.
    assert.equal(ask(cluster(), 'WEB.Default.svc.cluster.local.')!.answers[0]!.name, 'WEB.Default.svc.cluster.local.');
    assert.equal(ask(cluster(), 'kubernetes.default.svc.cluster.local')!.answers[0]!.data, '10.43.0.1');
  });

  test('SRV: per named port, and every port for the bare name; A additionals', () => {
    const one = ask(cluster(), '_http._tcp.web.default.svc.cluster.local', TYPE.SRV)!;
    assert.deepEqual(one.answers.map((r) => r.data), [{ priority: 0, weight: 100, port: 80, target: 'web.default.svc.cluster.local' }]);
    assert.deepEqual(one.additionals.map((r) => [r.name, r.data]), [['web.default.svc.cluster.local', '10.43.0.20']]);
    const udp = ask(cluster(), '_dns._udp.web.default.svc.cluster.local', TYPE.SRV)!;
    assert.deepEqual(udp.answers.map((r) => (r.data as SrvData).port), [53]);
    const all = ask(cluster(), 'web.default.svc.cluster.local', TYPE.SRV)!;
    assert.deepEqual(all.answers.map((r) => [(r.data as SrvData).port, (r.data as SrvData).weight]), [[80, 50], [53, 50]]);
    // A wrong protocol or port name: NXDOMAIN.
    assert.equal(ask(cluster(), '_http._udp.web.default.svc.cluster.local', TYPE.SRV)!.rcode, RCODE.NXDOMAIN);
    assert.equal(ask(cluster(), '_nope._tcp.web.default.svc.cluster.local', TYPE.SRV)!.rcode, RCODE.NXDOMAIN);
  });

  test('headless: an A per ready endpoint, SRV to each endpoint on its own port, endpoint names', () => {
    const r = cluster();
    const a = ask(r, 'db.default.svc.cluster.local')!;
    assert.deepEqual(a.answers.map((x) => x.data), ['10.42.0.5', '10.42.0.7'], 'not-ready 10.42.0.9 left out');
    const srv = ask(r, '_pg._tcp.db.default.svc.cluster.local', TYPE.SRV)!;
    assert.deepEqual(srv.answers.map((x) => [(x.data as SrvData).target, (x.data as SrvData).port]), [
      ['10-42-0-5.db.default.svc.cluster.local', 5433],
      ['db-0.db.default.svc.cluster.local', 5433],
    ]);
    assert.deepEqual(srv.additionals.map((x) => [x.name, x.data]), [['10-42-0-5.db.default.svc.cluster.local', '10.42.0.5'], ['db-0.db.default.svc.cluster.local', '10.42.0.7']]);
    // <hostname>.<subdomain>.<ns>.svc: the pod that set hostname and subdomain.
    assert.equal(ask(r, 'db-0.db.default.svc.cluster.local')!.answers[0]!.data, '10.42.0.7');
    assert.equal(ask(r, '10-42-0-5.db.default.svc.cluster.local')!.answers[0]!.data, '10.42.0.5');
    assert.equal(ask(r, 'db-1.db.default.svc.cluster.local')!.rcode, RCODE.NXDOMAIN);
    // No ready endpoint at all: NXDOMAIN, as CoreDNS.
    assert.equal(ask(r, 'empty.default.svc.cluster.local')!.rcode, RCODE.NXDOMAIN);
    // Endpoints follow the slices.
    r.deleteSlice(slice('default', 'db', 'db-abc', [], []));
    assert.equal(ask(r, 'db.default.svc.cluster.local')!.rcode, RCODE.NXDOMAIN);
  });

  test('NXDOMAIN for unknown names in the zone, with the SOA in authority; NODATA for AAAA', () => {
    const r = cluster();
    for (const name of ['nope.default.svc.cluster.local', 'web.nope.svc.cluster.local', 'a.b.c.d.web.default.svc.cluster.local', 'x.cluster.local', 'kubernetes.default.default.svc.cluster.local']) {
      const a = ask(r, name)!;
      assert.equal(a.rcode, RCODE.NXDOMAIN, name);
      assert.deepEqual(a.answers, []);
      assert.equal(a.authorities[0]!.type, TYPE.SOA);
      assert.equal(a.authorities[0]!.name, 'cluster.local');
      assert.equal((a.authorities[0]!.data as SoaData).minimum, DNS_TTL);
    }
    const aaaa = ask(r, 'web.default.svc.cluster.local', TYPE.AAAA)!;
    assert.equal(aaaa.rcode, RCODE.NOERROR);
    assert.deepEqual(aaaa.answers, []);
    assert.equal(aaaa.authorities[0]!.type, TYPE.SOA);
    // A namespace that has Services exists (NODATA); the zone apex answers SOA and NS.
    assert.equal(ask(r, 'default.svc.cluster.local')!.rcode, RCODE.NOERROR);
    assert.equal(ask(r, 'cluster.local', TYPE.SOA)!.answers[0]!.type, TYPE.SOA);
    const ns = ask(r, 'cluster.local', TYPE.NS)!;
    assert.deepEqual([ns.answers[0]!.data, ns.additionals[0]!.data], ['ns.dns.cluster.local', '10.43.0.10']);
  });

  test('ExternalName: CNAME; pods by dashed address; reverse names of cluster addresses', () => {
    const r = cluster();
    const ext = ask(r, 'ext.other.svc.cluster.local')!;
    assert.deepEqual(ext.answers.map((x) => [x.type, x.data]), [[TYPE.CNAME, 'example.org']]);
    assert.equal(ask(r, '10-42-0-33.default.pod.cluster.local')!.answers[0]!.data, '10.42.0.33');
    assert.equal(ask(r, '10-42-0-333.default.pod.cluster.local')!.rcode, RCODE.NXDOMAIN);
    assert.equal(ask(r, '20.0.43.10.in-addr.arpa', TYPE.PTR)!.answers[0]!.data, 'web.default.svc.cluster.local');
    assert.equal(ask(r, '7.0.42.10.in-addr.arpa', TYPE.PTR)!.answers[0]!.data, 'db-0.db.default.svc.cluster.local');
    assert.equal(ask(r, '8.8.8.8.in-addr.arpa', TYPE.PTR), undefined, 'not ours: forwarded');
  });

  test('names outside the cluster domain are not ours; another cluster domain works the same', () => {
    assert.equal(ask(cluster(), 'example.org'), undefined);
    assert.equal(ask(cluster(), 'cluster.local.example.org'), undefined);
    const r = new ClusterRecords('skiff.lan.', '10.43.0.10');
    r.setService(svc('default', 'web', { clusterIP: '10.43.0.20', ports: [{ port: 80 }] }));
    assert.equal(ask(r, 'web.default.svc.skiff.lan')!.answers[0]!.data, '10.43.0.20');
    assert.equal(ask(r, 'web.default.svc.cluster.local'), undefined);
  });

  test('the proxy leaves a cluster IP served on the node alone, and its guard lets it through only while local', () => {
    const dns = svcPort({ serviceName: 'kube-dns', namespace: 'kube-system', portName: 'dns', protocol: 'UDP', clusterIP: '198.18.0.10', port: 53 });
    const web = svcPort({ serviceName: 'web', clusterIP: '198.18.0.20' });
    const text = (localServiceIPs: string[]) => {
      const rs = renderRuleset([{ svc: dns, endpoints: [] }, { svc: web, endpoints: [ep('10.42.0.5')] }], { ...CONFIG, localServiceIPs });
      return [...rs.nat.values(), ...rs.filter.values()].flat().join('\n');
    };
    assert.match(text([]), /-d 198\.18\.0\.10\/32 -p udp .* --dport 53 -j REJECT/, 'without it: no endpoints, REJECT');
    const local = text(['198.18.0.10']);
    assert.doesNotMatch(local, /-d 198\.18\.0\.10\/32 -p udp/);
    assert.match(local, /-A SKIFF-[A-Z-]*GUARD[A-Z-]* -d 198\.18\.0\.10\/32 .*--dst-type LOCAL -j RETURN\n-A \S+ -d 198\.18\.0\.0\/24 .* -j REJECT/);
    assert.match(local, /-d 198\.18\.0\.20\/32 -p tcp .* -j SKIFF-SVC-/, 'other Services unchanged');
  });
});
