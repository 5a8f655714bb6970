// The agent's service proxy end to end: a real cluster whose one agent runs the proxy in
// this machine's root netns (where the pods' bridge is), real busybox httpd pods, real
// iptables. The only file that enables the proxy; its tests run one after another.
//
// Network safety: the service range is a /24 of 198.18.0.0/15 (RFC 2544, benchmarking;
// no real network routes it); before anything is created, a guard chain of this test
// REJECTs in filter OUTPUT and FORWARD every packet still addressed to that range after
// NAT, so a missing DNAT fails a test instead of sending a packet out. NodePort traffic
// comes from a netns this test creates over a veth pair, on a /30 checked to overlap no
// address or route of this machine. Everything is removed afterwards, by name.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { get } from 'node:http';
import { connect } from 'node:net';
import { resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { OWNED_CHAIN } from '../agent/proxy/chain-names.js';
import { createNetns, type Netns } from '../agent/proxy/netns.js';
import { resources } from '../api/resources.js';
import type { Service } from '../api/service-types.js';
import type { Node, Pod } from '../api/types.js';
import { ensureTestImages } from './fixtures/images.js';
import { lockRootNetnsProxy, startCluster, waitFor, type TestCluster } from './lib/cluster.js';

const exec = promisify(execFile);
const SKIFF = resolve(new URL('../bin/skiff.js', import.meta.url).pathname);
const ID = randomBytes(3).toString('hex');
const SERVICE_CIDR = `198.18.${parseInt(ID.slice(0, 2), 16)}.0/24`;
const SERVICE_NET = SERVICE_CIDR.replace(/\.0\/24$/, '.');
const GUARD = `SKIFF-TEST-GUARD-${ID}`;
const TRAP = "trap 'exit 0' TERM;";
const CGI_IP = `printf '#!/bin/sh\\necho Content-Type: text/plain\\necho\\necho $REMOTE_ADDR\\n' > /www/cgi-bin/ip; chmod +x /www/cgi-bin/ip;`;

const iptablesSave = async (table: 'nat' | 'filter') => (await exec('iptables-save', ['-t', table], { maxBuffer: 64 << 20 })).stdout;

/**
 * Docker's own chains and the rules that jump into them: what the proxy must never change.
 * Rules in the DOCKER chain itself are left out: they come and go with other test files'
 * containers that publish ports, which run beside this one.
 */
async function dockerLines(): Promise<string[]> {
  const out: string[] = [];
  for (const t of ['nat', 'filter'] as const) {
    for (const line of (await iptablesSave(t)).split('\n')) {
      if (/^:DOCKER/.test(line)) out.push(line.replace(/\[\d+:\d+\]/, ''));
      else if ((/^-A DOCKER/.test(line) && !/^-A DOCKER /.test(line)) || / -j DOCKER/.test(line)) out.push(line);
    }
  }
  return out;
}

async function ownedChains(): Promise<string[]> {
  const text = (await iptablesSave('nat')) + (await iptablesSave('filter'));
  return text.split('\n').filter((l) => l.startsWith(':')).map((l) => l.slice(1).split(' ')[0]!).filter((c) => OWNED_CHAIN.test(c));
}

/** One HTTP GET on a fresh connection; resolves with the body. */
function httpGet(url: string, timeoutMs = 3_000): Promise<string> {
  return new Promise((res, rej) => {
    const req = get(url, { agent: false, timeout: timeoutMs }, (r) => {
      let body = '';
      r.setEncoding('utf8');
      r.on('data', (c: string) => (body += c));
      r.on('end', () => res(body.trim()));
      r.on('error', rej);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', rej);
  });
}

/** A TCP connect; resolves with the error code ('' if it connected) and how long it took. */
function tcpConnect(host: string, port: number, timeoutMs = 5_000): Promise<{ code: string; ms: number }> {
  const started = performance.now();
  return new Promise((res) => {
    const s = connect({ host, port, timeout: timeoutMs });
    const done = (code: string) => {
      s.destroy();
      res({ code, ms: performance.now() - started });
    };
    s.once('connect', () => done(''));
    s.once('timeout', () => done('TIMEOUT'));
    s.once('error', (err: NodeJS.ErrnoException) => done(err.code ?? err.message));
  });
}

/** An HTTP/1.0 GET by busybox nc (its wget segfaults, static glibc); the page body, or stderr. */
const ncGet = (ip: string, port: number, nc = 'nc', path = '/') => `printf 'GET ${path} HTTP/1.0\\r\\n\\r\\n' | ${nc} -w 3 ${ip} ${port} 2>&1`;
/** "[::ffff:10.42.0.5]" (busybox httpd's REMOTE_ADDR) → "10.42.0.5". */
const remoteAddr = (response: string) => /(\d+\.\d+\.\d+\.\d+)/.exec(bodyOf(response))?.[1];
const bodyOf = (response: string) => (response.split('\r\n\r\n')[1] ?? response).trim();

function ipToInt(ip: string): number {
  return ip.split('.').reduce((n, p) => n * 256 + Number(p), 0) >>> 0;
}

function overlaps(a: string, b: string): boolean {
  const [ia, pa] = a.split('/') as [string, string];
  const [ib, pb] = b.split('/') as [string, string];
  const bits = Math.min(Number(pa ?? 32), Number(pb ?? 32));
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return ((ipToInt(ia) & mask) >>> 0) === ((ipToInt(ib) & mask) >>> 0);
}

/** A /30 in 10.254.0.0/16 that overlaps no address or route of this machine (bar the default route). */
async function freeSlash30(): Promise<string> {
  const routes = (await exec('ip', ['-4', 'route', 'show', 'table', 'all'])).stdout.split('\n').map((l) => l.split(' ')[0] ?? '').filter((d) => /^\d+\.\d+\.\d+\.\d+(\/\d+)?$/.test(d));
  const addrs = [...(await exec('ip', ['-4', '-o', 'addr'])).stdout.matchAll(/inet (\d+\.\d+\.\d+\.\d+\/\d+)/g)].map((m) => m[1]!);
  const taken = [...routes, ...addrs].map((c) => (c.includes('/') ? c : `${c}/32`));
  for (let i = 0; i < 50; i++) {
    const n = randomBytes(2).readUInt16BE(0) & 0xfffc;
    const cidr = `10.254.${n >> 8}.${n & 0xff}/30`;
    if (!taken.some((t) => overlaps(t, cidr))) return cidr;
  }
  throw new Error('no free /30 in 10.254.0.0/16 on this machine');
}

describe('service proxy (iptables) end to end', () => {
  let cluster: TestCluster;
  let busybox: string;
  let dockerBefore: string[];
  let ns: Netns | undefined;
  let vethRoot = '';
  let rootIP = '';
  const guardJumps = [
    ['OUTPUT', '-d', SERVICE_CIDR, '-j', GUARD],
    ['FORWARD', '-d', SERVICE_CIDR, '-j', GUARD],
  ];
  const vip = new Map<string, string>();
  const nodePort = new Map<string, number>();
  const podIP = new Map<string, string>();

  let releaseProxyLock: (() => Promise<void>) | undefined;

  before(async () => {
    // test/cluster-dns.test.ts runs a proxy in this netns too: one at a time.
    releaseProxyLock = await lockRootNetnsProxy();
    assert.deepEqual(await ownedChains(), [], 'another service proxy is programming this machine (or a killed run left SKIFF- chains: skiff agent --cleanup-proxy)');
    // The guard goes in before any Service exists.
    await exec('iptables', ['-w', '5', '-N', GUARD]);
    await exec('iptables', ['-w', '5', '-A', GUARD, '-j', 'REJECT', '--reject-with', 'icmp-port-unreachable']);
    for (const j of guardJumps) await exec('iptables', ['-w', '5', '-I', j[0]!, '1', ...j.slice(1)]);
    dockerBefore = await dockerLines();
    busybox = (await ensureTestImages()).busybox;
    cluster = await startCluster({
      agents: 1,
      proxy: true,
      controlArgs: ['--service-cidr', SERVICE_CIDR],
      agentArgs: ['--service-cidr', SERVICE_CIDR, '--proxy-min-sync-period', '1s'],
    });

    // Three web pods (their name is their page; /ready flips readiness), one pod alone behind
    // its own Service (hairpin), one client.
    const web = (name: string) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, labels: { app: 'web' } },
      spec: {
        terminationGracePeriodSeconds: 1,
        containers: [
          {
            name: 'web',
            image: busybox,
            // /cgi-bin/ip answers the client address the pod sees (source kept or masqueraded).
            command: ['sh', '-c', `${TRAP} mkdir -p /www/cgi-bin; echo ${name} > /www/index.html; echo ok > /www/ready; ${CGI_IP} httpd -f -p 8080 -h /www & while true; do sleep 1; done`],
            ports: [{ name: 'http', containerPort: 8080 }],
            readinessProbe: { httpGet: { path: '/ready', port: 'http' }, periodSeconds: 1, failureThreshold: 1 },
          },
        ],
      },
    });
    const solo = { ...web('solo'), metadata: { name: 'solo', labels: { app: 'solo' } } };
    const client = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'client', labels: { app: 'client' } }, spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: busybox, command: ['sh', '-c', `${TRAP} while true; do sleep 1; done`] }] } };
    const svc = (name: string, app: string, spec: Record<string, unknown> = {}) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { selector: { app }, ports: [{ name: 'http', port: 80, targetPort: 'http' }], ...spec } });
    const items = [
      web('web-a'), web('web-b'), web('web-c'), solo, client,
      svc('web', 'web', { type: 'NodePort' }),
      svc('local', 'web', { type: 'NodePort', externalTrafficPolicy: 'Local' }),
      svc('sticky', 'web', { sessionAffinity: 'ClientIP' }),
      svc('solo', 'solo'),
      svc('empty', 'nobody'),
      { ...svc('lb', 'web', { type: 'LoadBalancer' }), spec: { selector: { app: 'web' }, type: 'LoadBalancer', ports: [{ name: 'http', port: 8081, targetPort: 'http' }] } },
    ];
    await cluster.kubectlOk(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items }) });
    for (const name of ['web-a', 'web-b', 'web-c', 'solo']) {
      const p = await cluster.waitForPod(name, 'ready', (x: Pod) => x.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false, 90_000);
      podIP.set(name, p.status!.podIP!);
    }
    podIP.set('client', (await cluster.waitForPod('client', 'running', (x: Pod) => x.status?.phase === 'Running' && !!x.status.podIP, 90_000)).status!.podIP!);
    for (const name of ['web', 'local', 'sticky', 'solo', 'empty', 'lb']) {
      const s = await cluster.client.get<Service>(resources.services, name, 'default');
      assert.ok(s.spec.clusterIP?.startsWith(SERVICE_NET), `${name} got ${s.spec.clusterIP}, outside ${SERVICE_CIDR}`);
      vip.set(name, s.spec.clusterIP!);
      if (s.spec.ports?.[0]?.nodePort) nodePort.set(name, s.spec.ports[0].nodePort);
    }
    // Programmed once every web pod sits behind web's chains.
    await waitFor('the proxy to program web, sticky and solo', async () => {
      const nat = await iptablesSave('nat');
      return ['web-a', 'web-b', 'web-c', 'solo'].every((p) => nat.includes(`--to-destination ${podIP.get(p)}:8080`)) && nat.includes(`-d ${vip.get('web')}/32`);
    }, 30_000, 100);
  });

  after(async () => {
    if (process.env['SKIFF_TEST_DEBUG']) console.error(cluster?.logs());
    await cluster?.stop();
    await ns?.delete().catch(() => undefined);
    if (vethRoot) await exec('ip', ['link', 'delete', vethRoot]).catch(() => undefined);
    for (const j of guardJumps) await exec('iptables', ['-w', '5', '-D', j[0]!, ...j.slice(1)]).catch(() => undefined);
    await exec('iptables', ['-w', '5', '-F', GUARD]).catch(() => undefined);
    await exec('iptables', ['-w', '5', '-X', GUARD]).catch(() => undefined);
    await releaseProxyLock?.();
  });

  test('host → ClusterIP reaches a web pod', async () => {
    const body = await httpGet(`http://${vip.get('web')}/`);
    assert.ok(['web-a', 'web-b', 'web-c'].includes(body), body);
  });

  test('pod → ClusterIP → pod on the same node, the client\'s address kept', async () => {
    const out = await cluster.kubectlOk(['exec', 'client', '--', 'sh', '-c', ncGet(vip.get('web')!, 80)]);
    assert.ok(['web-a', 'web-b', 'web-c'].includes(bodyOf(out)), out);
    const seen = await cluster.kubectlOk(['exec', 'client', '--', 'sh', '-c', ncGet(vip.get('web')!, 80, 'nc', '/cgi-bin/ip')]);
    assert.equal(remoteAddr(seen), podIP.get('client'), seen);
  });

  test('a pod reaches itself through its own Service (hairpin), masqueraded to its bridge', async () => {
    for (let i = 0; i < 3; i++) {
      const out = await cluster.kubectlOk(['exec', 'solo', '--', 'sh', '-c', ncGet(vip.get('solo')!, 80)]);
      assert.equal(bodyOf(out), 'solo', out);
    }
    const seen = await cluster.kubectlOk(['exec', 'solo', '--', 'sh', '-c', ncGet(vip.get('solo')!, 80, 'nc', '/cgi-bin/ip')]);
    const node = await cluster.client.get<Node>(resources.nodes, cluster.nodeNames[0]!);
    const gateway = node.spec.podCIDR!.replace(/\.0\/\d+$/, '.1');
    assert.equal(remoteAddr(seen), gateway, seen);
  });

  test('NodePort from another network namespace over a veth pair; externalTrafficPolicy Local keeps the client address', async () => {
    const cidr = await freeSlash30();
    const base = ipToInt(cidr.split('/')[0]!);
    const ip = (n: number) => [24, 16, 8, 0].map((s) => ((base + n) >>> s) & 255).join('.');
    rootIP = ip(1);
    ns = await createNetns();
    vethRoot = `skt${ID}a`;
    const vethNs = `skt${ID}b`;
    await exec('ip', ['link', 'add', vethRoot, 'type', 'veth', 'peer', 'name', vethNs]);
    await exec('ip', ['link', 'set', vethNs, 'netns', ns.name]);
    await exec('ip', ['addr', 'add', `${rootIP}/30`, 'dev', vethRoot]);
    await exec('ip', ['link', 'set', vethRoot, 'up']);
    await ns.exec('ip', ['addr', 'add', `${ip(2)}/30`, 'dev', vethNs]);
    await ns.exec('ip', ['link', 'set', vethNs, 'up']);
    // The namespace knows only its /30: nothing it sends can go anywhere but this host.
    const port = nodePort.get('web');
    assert.ok(port, 'web has a node port');
    const out = await ns.exec('/bin/busybox', ['sh', '-c', ncGet(rootIP, port, '/bin/busybox nc')]);
    assert.ok(['web-a', 'web-b', 'web-c'].includes(bodyOf(out)), out);
    // externalTrafficPolicy Cluster masquerades the client; Local keeps its address.
    const node = await cluster.client.get<Node>(resources.nodes, cluster.nodeNames[0]!);
    const gateway = node.spec.podCIDR!.replace(/\.0\/\d+$/, '.1');
    assert.equal(remoteAddr(await ns.exec('/bin/busybox', ['sh', '-c', ncGet(rootIP, port, '/bin/busybox nc', '/cgi-bin/ip')])), gateway);
    const local = nodePort.get('local')!;
    assert.equal(remoteAddr(await ns.exec('/bin/busybox', ['sh', '-c', ncGet(rootIP, local, '/bin/busybox nc', '/cgi-bin/ip')])), ip(2));
  });

  test('a LoadBalancer Service answers on the node\'s IP, from the host and from the test namespace', async () => {
    assert.ok(ns, 'runs after the NodePort test made the namespace');
    const node = await cluster.client.get<Node>(resources.nodes, cluster.nodeNames[0]!);
    const nodeIP = node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
    assert.ok(nodeIP, 'the node has an InternalIP');
    const fromHost = await httpGet(`http://${nodeIP}:8081/`);
    assert.ok(['web-a', 'web-b', 'web-c'].includes(fromHost), fromHost);
    // The namespace reaches the node's IP only through this host's end of the veth.
    await ns.exec('ip', ['route', 'add', `${nodeIP}/32`, 'via', rootIP]);
    const out = await ns.exec('/bin/busybox', ['sh', '-c', ncGet(nodeIP, 8081, '/bin/busybox nc')]);
    assert.ok(['web-a', 'web-b', 'web-c'].includes(bodyOf(out)), out);
  });

  test('ClientIP affinity: every connection from one client lands on the same pod', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 30; i++) seen.add(await httpGet(`http://${vip.get('sticky')}/`));
    assert.equal(seen.size, 1, [...seen].join(','));
  });

  test('a Service with no endpoints is refused at once', async (t) => {
    const r = await tcpConnect(vip.get('empty')!, 80);
    t.diagnostic(`connect to ${vip.get('empty')}:80 → ${r.code} in ${r.ms.toFixed(1)} ms`);
    assert.equal(r.code, 'ECONNREFUSED');
    assert.ok(r.ms < 500, `refused after ${r.ms} ms`);
    const fromPod = await cluster.kubectl(['exec', 'client', '--', 'sh', '-c', ncGet(vip.get('empty')!, 80)]);
    assert.match(fromPod.stdout, /Connection refused/, fromPod.stdout + fromPod.stderr);
  });

  test('load spreads over 3 endpoints: 300 connections, each pod within 100 ± 40', async (t) => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 300; i++) {
      const b = await httpGet(`http://${vip.get('web')}/`);
      counts.set(b, (counts.get(b) ?? 0) + 1);
    }
    t.diagnostic(`300 connections: ${[...counts].map(([k, v]) => `${k}=${v}`).join(' ')}`);
    // Binomial(300, 1/3): sd ≈ 8.2, so ±40 is ±4.9 sd (a false failure about once in a million runs).
    assert.deepEqual([...counts.keys()].sort(), ['web-a', 'web-b', 'web-c']);
    for (const [pod, n] of counts) assert.ok(n >= 60 && n <= 140, `${pod} got ${n} of 300`);
  });

  test('a pod turning unready leaves the rotation within 1 s of its status change', async (t) => {
    const ipC = podIP.get('web-c')!;
    // Watch web-c: the moment its Ready condition turns False is the status change.
    const ac = new AbortController();
    let statusAt = 0;
    const watch = cluster.client.watch<Pod>(resources.pods, { namespace: 'default', fieldSelector: 'metadata.name=web-c' }, (e) => {
      if (!statusAt && e.object.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'False')) statusAt = performance.now();
    }, ac.signal).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 200));
    await cluster.kubectlOk(['exec', 'web-c', '--', 'rm', '/www/ready']);
    await waitFor('web-c to turn unready', () => statusAt > 0, 20_000, 10);
    const goneAt = await waitFor('web-c out of the nat rules', async () => ((await iptablesSave('nat')).includes(`--to-destination ${ipC}:8080`) ? undefined : performance.now()), 5_000, 20);
    ac.abort();
    await watch;
    const ms = goneAt - statusAt;
    t.diagnostic(`web-c left the rotation ${ms.toFixed(0)} ms after its Ready condition turned False`);
    assert.ok(ms < 1_000, `${ms} ms`);
    for (let i = 0; i < 30; i++) assert.notEqual(await httpGet(`http://${vip.get('web')}/`), 'web-c');
  });

  test('Docker\'s rules are untouched by the syncs, and --cleanup-proxy removes ours and nothing else', async () => {
    assert.deepEqual(await dockerLines(), dockerBefore);
    assert.ok((await ownedChains()).length > 0);
    // The agent keeps its rules when it stops (Services keep working); cleanup is explicit.
    await cluster.agent().stop();
    const { stdout } = await exec(process.execPath, [SKIFF, 'agent', '--cleanup-proxy']);
    assert.match(stdout, /removed/);
    assert.deepEqual(await ownedChains(), []);
    const all = (await iptablesSave('nat')) + (await iptablesSave('filter'));
    assert.deepEqual(all.split('\n').filter((l) => l.includes('SKIFF-') && !l.includes(GUARD)), []);
    assert.deepEqual(await dockerLines(), dockerBefore);
    assert.ok(all.includes(`-A OUTPUT -d ${SERVICE_CIDR} -j ${GUARD}`), 'the test\'s own guard is not the proxy\'s to remove');
    // With the proxy's rules gone the guard still refuses the service range.
    const r = await tcpConnect(vip.get('web')!, 80);
    assert.equal(r.code, 'ECONNREFUSED');
  });
});
