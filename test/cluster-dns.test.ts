// Cluster DNS end to end: a real cluster whose one agent runs the service proxy and the
// node's DNS server in this machine's root netns, real busybox pods asking with nslookup,
// the test process asking the server with the project's own codec (SRV, headless endpoint
// names), names outside the cluster forwarded to a fake upstream, and the answers still
// coming from the agent's cache once the control server is stopped.
//
// Network safety: the service range is a /24 of 198.18.0.0/15 (RFC 2544, routed nowhere);
// a guard chain REJECTs in filter OUTPUT and FORWARD what is still addressed to it after
// NAT, except the DNS address while it is a local one (on lo). The agent's --resolv-conf
// is a temp file naming a fake upstream this test runs on a loopback address, so no query
// leaves the machine. The machine's /etc/resolv.conf is never read by the agent here nor
// written. The proxy takes turns with test/proxy-services.test.ts (lockRootNetnsProxy).

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { removeNodeLocalAddresses } from '../agent/dns/node-local-address.js';
import { LABEL_CONTAINER_NAME, LABEL_POD_NAME } from '../agent/runtime/runtime.js';
import { CLASS_IN, decode, encode, RCODE, TYPE, type Message, type SrvData } from '../agent/dns/wire.js';
import { resources } from '../api/resources.js';
import type { Service } from '../api/service-types.js';
import type { Pod } from '../api/types.js';
import { ensureTestImages } from './fixtures/images.js';
import { lockRootNetnsProxy, startCluster, waitFor, type TestCluster } from './lib/cluster.js';

const exec = promisify(execFile);
const SKIFF = resolve(new URL('../bin/skiff.js', import.meta.url).pathname);
const ID = randomBytes(3);
const SERVICE_CIDR = `198.19.${ID[0]}.0/24`;
const DNS_IP = `198.19.${ID[0]}.10`;
const GUARD = `SKIFF-TEST-DNSGUARD-${ID.toString('hex')}`;
/** The fake upstream: a loopback address of its own, port 53 (resolv.conf has no port). */
const UPSTREAM_IP = `127.53.${ID[1]}.${(ID[2]! % 250) + 2}`;
const EXTERNAL = 'outside.skiff-test.example';
const EXTERNAL_IP = '192.0.2.53';
const TRAP = "trap 'exit 0' TERM;";

/** One question to the node's DNS server over UDP, from the test process. */
function ask(name: string, type: number): Promise<Message> {
  const q = encode({ id: 1 + Math.floor(Math.random() * 60000), qr: false, opcode: 0, aa: false, tc: false, rd: true, ra: false, rcode: 0, questions: [{ name, type, class: CLASS_IN }], answers: [], authorities: [], additionals: [] });
  return new Promise((res, rej) => {
    const s = createSocket('udp4');
    const t = setTimeout(() => (s.close(), rej(new Error(`no answer from ${DNS_IP} for ${name}`))), 3000);
    s.on('error', (err) => (clearTimeout(t), s.close(), rej(err)));
    s.on('message', (m) => (clearTimeout(t), s.close(), res(decode(m))));
    s.send(q, 53, DNS_IP);
  });
}

describe('cluster DNS served by the agent', () => {
  let cluster: TestCluster;
  let releaseProxyLock: (() => Promise<void>) | undefined;
  let upstream: UdpSocket | undefined;
  const upstreamSeen: string[] = [];
  const tmp = mkdtempSync(join(tmpdir(), 'skiff-dns-'));
  const guardJumps = [
    ['OUTPUT', '-d', SERVICE_CIDR, '-j', GUARD],
    ['FORWARD', '-d', SERVICE_CIDR, '-j', GUARD],
  ];
  const podIP = new Map<string, string>();
  let webIP = '';

  before(async () => {
    releaseProxyLock = await lockRootNetnsProxy();
    await exec('iptables', ['-w', '5', '-N', GUARD]);
    await exec('iptables', ['-w', '5', '-A', GUARD, '-d', `${DNS_IP}/32`, '-m', 'addrtype', '--dst-type', 'LOCAL', '-j', 'RETURN']);
    await exec('iptables', ['-w', '5', '-A', GUARD, '-j', 'REJECT', '--reject-with', 'icmp-port-unreachable']);
    for (const j of guardJumps) await exec('iptables', ['-w', '5', '-I', j[0]!, '1', ...j.slice(1)]);

    // The fake upstream knows one name; anything else is NXDOMAIN.
    upstream = createSocket('udp4');
    upstream.on('message', (m, r) => {
      const q = decode(m);
      const name = q.questions[0]?.name ?? '';
      upstreamSeen.push(name);
      const known = name.toLowerCase() === EXTERNAL && q.questions[0]!.type === TYPE.A;
      const answers = known ? [{ name, type: TYPE.A, class: CLASS_IN, ttl: 30, data: EXTERNAL_IP }] : [];
      upstream!.send(encode({ ...q, qr: true, ra: true, rcode: known || name.toLowerCase() === EXTERNAL ? RCODE.NOERROR : RCODE.NXDOMAIN, answers, additionals: [] }), r.port, r.address);
    });
    await new Promise<void>((res, rej) => {
      upstream!.once('error', rej);
      upstream!.bind(53, UPSTREAM_IP, () => res());
    });
    const resolvConf = join(tmp, 'resolv.conf');
    writeFileSync(resolvConf, `nameserver ${UPSTREAM_IP}\n`);

    const busybox = (await ensureTestImages()).busybox;
    cluster = await startCluster({
      agents: 1,
      proxy: true,
      dns: true,
      // The pod-side checks with the control server down go through docker exec (kubectl exec needs the API server).
      runtime: 'docker',
      controlArgs: ['--service-cidr', SERVICE_CIDR],
      agentArgs: ['--service-cidr', SERVICE_CIDR, '--resolv-conf', resolvConf],
    });
    const pod = (name: string, labels: Record<string, string>, spec: Record<string, unknown> = {}) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, labels },
      spec: {
        terminationGracePeriodSeconds: 1,
        ...spec,
        containers: [{ name: 'c', image: busybox, command: ['sh', '-c', `${TRAP} mkdir -p /www; echo ${name} > /www/index.html; httpd -f -p 8080 -h /www & while true; do sleep 1; done`], ports: [{ name: 'http', containerPort: 8080 }] }],
      },
    });
    const items = [
      pod('web-a', { app: 'web' }),
      // hostname + subdomain naming the headless Service: <hostname>.<subdomain>.<ns>.svc.
      pod('named', { app: 'web' }, { hostname: 'h0', subdomain: 'web-headless' }),
      pod('client', { app: 'client' }),
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web-headless' }, spec: { clusterIP: 'None', selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } },
    ];
    await cluster.kubectlOk(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items }) });
    for (const name of ['web-a', 'named', 'client']) {
      const p = await cluster.waitForPod(name, 'running with an IP', (x: Pod) => x.status?.phase === 'Running' && !!x.status.podIP, 90_000);
      podIP.set(name, p.status!.podIP!);
    }
    webIP = (await cluster.client.get<Service>(resources.services, 'web', 'default')).spec.clusterIP!;
    // The server answers once its caches hold both web pods behind the headless Service.
    await waitFor('the DNS server to list both headless endpoints', async () => (await ask('web-headless.default.svc.cluster.local', TYPE.A)).answers.length === 2, 60_000, 500);
  });

  after(async () => {
    if (process.env['SKIFF_TEST_DEBUG']) console.error(cluster?.logs());
    await cluster?.stop();
    // The agent keeps its rules and its DNS address when it stops; cleanup is explicit.
    await exec(process.execPath, [SKIFF, 'agent', '--cleanup-proxy']).catch(() => undefined);
    await removeNodeLocalAddresses().catch(() => undefined);
    for (const j of guardJumps) await exec('iptables', ['-w', '5', '-D', j[0]!, ...j.slice(1)]).catch(() => undefined);
    await exec('iptables', ['-w', '5', '-F', GUARD]).catch(() => undefined);
    await exec('iptables', ['-w', '5', '-X', GUARD]).catch(() => undefined);
    upstream?.close();
    rmSync(tmp, { recursive: true, force: true });
    await releaseProxyLock?.();
  });

  /** busybox nslookup in the client pod (its own resolver: /etc/resolv.conf, search list and all). */
  const nslookup = (name: string, type = 'a') => cluster.kubectl(['exec', 'client', '--', 'busybox', 'nslookup', `-type=${type}`, name]);
  const addresses = (out: string) => [...out.matchAll(/^Address:\s*(\d+\.\d+\.\d+\.\d+)$/gm)].map((m) => m[1]!).filter((ip) => ip !== DNS_IP).sort();

  test('kube-dns Service in kube-system holds the 10th address; pods\' resolv.conf points at it', async () => {
    const row = (await cluster.kubectlOk(['get', 'svc', '-n', 'kube-system', 'kube-dns', '--no-headers'])).trim().split(/\s+/);
    assert.deepEqual([row[0], row[1], row[2], row[4]], ['kube-dns', 'ClusterIP', DNS_IP, '53/UDP,53/TCP']);
    const conf = await cluster.kubectlOk(['exec', 'client', '--', 'cat', '/etc/resolv.conf']);
    assert.match(conf, new RegExp(`^nameserver ${DNS_IP.replace(/\./g, '\\.')}$`, 'm'));
    assert.match(conf, /^search default\.svc\.cluster\.local svc\.cluster\.local cluster\.local\b/m);
  });

  test('from a pod: a ClusterIP Service, a headless one (pod IPs), kubernetes.default by the search path', async () => {
    const web = await nslookup('web.default.svc.cluster.local');
    assert.deepEqual(addresses(web.stdout), [webIP], web.stdout + web.stderr);
    const headless = await nslookup('web-headless.default.svc.cluster.local');
    assert.deepEqual(addresses(headless.stdout), [podIP.get('web-a')!, podIP.get('named')!].sort(), headless.stdout);
    // busybox nslookup applies no search list; ping resolves through libc's resolver, which
    // does (ndots:5): the name it prints is the answer. The ping itself goes nowhere: no
    // rule translates ICMP to a cluster IP and both guards reject it.
    const k = await cluster.kubectl(['exec', 'client', '--', 'busybox', 'ping', '-c', '1', '-W', '1', 'kubernetes.default']);
    assert.equal(/^PING kubernetes\.default \(([\d.]+)\)/m.exec(k.stdout)?.[1], `198.19.${ID[0]}.1`, k.stdout + k.stderr);
    // And the name leads to a web pod through the proxy.
    const page = await cluster.kubectlOk(['exec', 'client', '--', 'sh', '-c', `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 ${addresses(web.stdout)[0]} 80`]);
    assert.match(page, /\r\n\r\n(web-a|named)\n?$/);
  });

  test('from a pod: NXDOMAIN for an unknown cluster name, an outside name via the upstream', async () => {
    const nx = await nslookup('nope.default.svc.cluster.local');
    assert.notEqual(nx.code, 0);
    assert.match(nx.stdout + nx.stderr, /NXDOMAIN/);
    const ext = await nslookup(`${EXTERNAL}.`);
    assert.deepEqual(addresses(ext.stdout), [EXTERNAL_IP], ext.stdout + ext.stderr);
    assert.ok(upstreamSeen.includes(EXTERNAL), `the upstream saw ${upstreamSeen.join(', ')}`);
    assert.ok(!upstreamSeen.some((n) => n.endsWith('cluster.local')), 'cluster names are never forwarded');
  });

  test('from the node: SRV for a named port, headless SRV targets, a pod\'s hostname record, SOA on NXDOMAIN', async () => {
    const srv = await ask('_http._tcp.web.default.svc.cluster.local', TYPE.SRV);
    assert.deepEqual(srv.answers.map((r) => r.data), [{ priority: 0, weight: 100, port: 80, target: 'web.default.svc.cluster.local' }]);
    assert.equal(srv.aa, true);
    const hs = await ask('_http._tcp.web-headless.default.svc.cluster.local', TYPE.SRV);
    const targets = hs.answers.map((r) => `${(r.data as SrvData).target}:${(r.data as SrvData).port}`).sort();
    assert.deepEqual(targets, [`${podIP.get('web-a')!.replace(/\./g, '-')}.web-headless.default.svc.cluster.local:8080`, 'h0.web-headless.default.svc.cluster.local:8080'].sort());
    const h0 = await ask('h0.web-headless.default.svc.cluster.local', TYPE.A);
    assert.deepEqual(h0.answers.map((r) => [r.data, r.ttl]), [[podIP.get('named'), 5]]);
    const aaaa = await ask('web.default.svc.cluster.local', TYPE.AAAA);
    assert.deepEqual([aaaa.rcode, aaaa.answers.length, aaaa.authorities[0]?.type], [RCODE.NOERROR, 0, TYPE.SOA]);
    const nx = await ask('nope.default.svc.cluster.local', TYPE.A);
    assert.deepEqual([nx.rcode, nx.authorities[0]?.type, nx.authorities[0]?.name], [RCODE.NXDOMAIN, TYPE.SOA, 'cluster.local']);
  });

  test('with the control server stopped, the agent still answers from its cache', async () => {
    const [client] = (await cluster.containers(false)).filter((c) => c.Labels[LABEL_POD_NAME] === 'client' && c.Labels[LABEL_CONTAINER_NAME] === 'c');
    assert.ok(client, 'the client pod\'s container');
    await cluster.control.stop();
    await assert.rejects(cluster.client.request('GET', '/version'));
    const web = await exec('docker', ['exec', client.Id, 'busybox', 'nslookup', '-type=a', 'web.default.svc.cluster.local']).catch((err: { stdout: string; stderr: string }) => err);
    assert.deepEqual(addresses(web.stdout), [webIP], web.stdout + web.stderr);
    const headless = await ask('web-headless.default.svc.cluster.local', TYPE.A);
    assert.deepEqual(headless.answers.map((r) => r.data).sort(), [podIP.get('web-a')!, podIP.get('named')!].sort());
    const ext = await ask(EXTERNAL, TYPE.A);
    assert.deepEqual(ext.answers.map((r) => r.data), [EXTERNAL_IP]);
  });
});
