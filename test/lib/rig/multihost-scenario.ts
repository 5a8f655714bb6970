// The end-to-end check of issue 8 on a 3-host rig, run once per pod network backend
// (test/multihost.test.ts: host-gw, test/multihost-vxlan.test.ts: vxlan): a Deployment
// spread over the hosts; pod → pod across hosts with the source address kept; a Service's
// cluster IP reaching pods on the other hosts; a NodePort on host B reaching a pod on host
// C from outside the cluster (the root netns); all of it still working with the control
// server stopped; and nothing routed off the machine (the rig's guard dropped nothing).

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { resources } from '../../../api/resources.js';
import type { Node, Pod } from '../../../api/types.js';
import type { Service } from '../../../api/service-types.js';
import { waitFor } from '../cluster.js';
import { connect } from 'node:net';
import { retry } from '../http.js';
import { BUSYBOX_IMAGE } from '../../fixtures/images.js';
import { parseCidr, parseIPv4, contains } from '../../../api/cidr.js';
import { startRig, type PodNetworkBackend, type Rig } from './rig.js';

const SERVICE_CIDR = '10.43.0.0/16';
const GUARD_PROBES = 2;

/** Serves /cgi-bin/who (the client's address and the pod's name) and a 20 kB /big on 8080. */
const WEB_COMMAND = [
  'mkdir -p /www/cgi-bin',
  'printf "#!/bin/sh\\necho Content-Type: text/plain\\necho\\necho \\$REMOTE_ADDR \\$(hostname)\\n" > /www/cgi-bin/who',
  'chmod +x /www/cgi-bin/who',
  'dd if=/dev/zero bs=1000 count=20 2>/dev/null | tr "\\0" x > /www/big',
  'exec httpd -f -p 8080 -h /www',
].join(' && ');

function manifests(): string {
  // Equal requests on equal nodes: the scheduler's least-allocated scoring spreads the three
  // replicas one per host (Skiff's scheduler has no pod anti-affinity yet).
  return `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: web
        image: ${BUSYBOX_IMAGE}
        imagePullPolicy: IfNotPresent
        resources: {requests: {cpu: 200m, memory: 32Mi}}
        command: [sh, -c, '${WEB_COMMAND.replace(/'/g, "''")}']
        ports: [{containerPort: 8080}]
        readinessProbe: {tcpSocket: {port: 8080}, periodSeconds: 1}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: web-c}
spec:
  type: NodePort
  selector: {app: web, rig-host: c}
  ports: [{port: 80, targetPort: 8080}]
`;
}

/** An HTTP/1.0 GET with busybox nc (busybox's static wget segfaults); the whole response. */
const ncGet = (ip: string, port: number, path: string, nc = 'nc') => `printf 'GET ${path} HTTP/1.0\\r\\n\\r\\n' | ${nc} -w 3 ${ip} ${port} 2>&1`;
const bodyOf = (response: string) => (response.split('\r\n\r\n')[1] ?? response).trim();
/** "[::ffff:10.251.0.2] web-abc" → { client: "10.251.0.2", pod: "web-abc" }. */
function who(response: string): { client: string; pod: string } {
  const m = /(\d+\.\d+\.\d+\.\d+)\]?\s+(\S+)/.exec(bodyOf(response));
  if (!m) throw new Error(`not a /cgi-bin/who answer: ${JSON.stringify(response.slice(0, 200))}`);
  return { client: m[1]!, pod: m[2]! };
}

/**
 * The same GET from this process (the root netns, outside the cluster) over a plain socket:
 * the CGI's headers end in bare newlines, which Node's HTTP parser refuses.
 */
function rawGet(ip: string, port: number, path: string, timeoutMs = 3000): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: ip, port, timeout: timeoutMs });
    let data = '';
    s.setEncoding('utf8');
    s.on('connect', () => s.write(`GET ${path} HTTP/1.0\r\n\r\n`));
    s.on('data', (c: string) => (data += c));
    s.on('end', () => resolve(data));
    s.on('timeout', () => s.destroy(new Error(`no answer from ${ip}:${port} in ${timeoutMs} ms`)));
    s.on('error', reject);
  });
}

export function multihostSuite(backend: PodNetworkBackend): void {
  describe(`three hosts, pod network ${backend}`, { timeout: 240_000 }, () => {
    let rig: Rig;
    const byHost = new Map<string, Pod>();
    let clusterIP = '';
    let nodePort = 0;

    before(async () => {
      rig = await startRig({ hosts: 3, backend });
    });
    after(async () => {
      await rig?.stop();
    });

    /** `kubectl exec` of a shell command in pod (through the API and the agent's tunnel). */
    const podSh = (pod: Pod, command: string) => rig.kubectlOk(['exec', pod.metadata.name!, '--', 'sh', '-c', command]);
    /** The same without the API: the host's busybox in the pod's netns. */
    const podShDirect = (pod: Pod, command: string) => rig.inPod(pod, command);
    /** Answers from the pods on B and C through target (cluster IP or DNS name) on port 80. */
    const reachesBAndC = async (what: string, exec: (pod: Pod, command: string) => Promise<string>, target: string) => {
      const a = byHost.get('a')!;
      const seen = new Set<string>();
      await waitFor(`answers from the pods on B and C through ${what}`, async () => {
        const answer = who(await exec(a, ncGet(target, 80, '/cgi-bin/who')));
        assert.equal(answer.client, a.status!.podIP, 'the source address is the client pod\'s');
        seen.add(answer.pod);
        return seen.has(byHost.get('b')!.metadata.name!) && seen.has(byHost.get('c')!.metadata.name!);
      }, 60_000, 50);
    };

    it('starts three hosts whose only way out is the rig bridge, guarded', async (t) => {
      t.diagnostic(`rig ${rig.n} up in ${rig.timings.totalMs} ms (network ${rig.timings.networkMs} ms, containerd answering after ${rig.timings.containerdStartMs.join('/')} ms, nodes Ready ${rig.timings.nodesReadyMs} ms after the agents started)`);
      const rss: string[] = [];
      for (const h of rig.hosts) {
        const kb = Number((await rig.inHost(h.letter, 'ps', ['-o', 'rss=', '-p', String(h.containerd.pid)])).trim());
        rss.push(`${h.letter}: ${(kb / 1024).toFixed(1)} MiB`);
        // No default route other than the bridge, on every host.
        const routes = (await rig.inHost(h.letter, 'ip', ['-4', 'route', 'show', 'default'])).trim();
        assert.equal(routes, `default via 10.250.${rig.n}.1 dev eth0`, `host ${h.letter}`);
      }
      t.diagnostic(`containerd RSS per host: ${rss.join(', ')}`);
      assert.deepEqual(await rig.guardDrops(), { present: 3, dropped: 0 });
      // The guard works: two pings from host a towards a sink on this machine are dropped.
      await rig.probeGuard('a', GUARD_PROBES);
      assert.deepEqual(await rig.guardDrops(), { present: 3, dropped: GUARD_PROBES });
    });

    it(`routes every node's pod range to the other hosts (${backend})`, async () => {
      const nodes = await Promise.all(rig.hosts.map((h) => rig.client.get<Node>(resources.nodes, h.nodeName)));
      for (const [i, h] of rig.hosts.entries()) {
        await waitFor(`host ${h.letter}'s routes to the other pod ranges`, async () => {
          const routes = await rig.inHost(h.letter, 'ip', ['-4', 'route', 'show', 'proto', '91']);
          return rig.hosts.every((o, j) => {
            if (j === i) return true;
            const cidr = nodes[j]!.spec.podCIDR!;
            const line = routes.split('\n').find((l) => l.startsWith(`${cidr} `));
            if (!line) return false;
            return backend === 'host-gw' ? line.includes(`via ${o.ip} dev eth0`) : line.includes(`via ${cidr.split('/')[0]} dev skiff.1 onlink`);
          });
        }, 30_000);
        if (backend === 'vxlan') {
          const link = await rig.inHost(h.letter, 'ip', ['-d', 'link', 'show', 'skiff.1']);
          assert.match(link, /vxlan id 1 local 10\.250\.\d+\.\d+ dev eth0 .*dstport 8472 nolearning/, link);
          const fdb = await rig.inHost(h.letter, 'bridge', ['fdb', 'show', 'dev', 'skiff.1']);
          for (const o of rig.hosts.filter((x) => x !== h)) assert.match(fdb, new RegExp(`dst ${o.ip.replace(/\./g, '\\.')} self permanent`), fdb);
        } else {
          assert.doesNotMatch(await rig.inHost(h.letter, 'ip', ['link', 'show']), /skiff\.1/);
        }
      }
    });

    it('spreads a 3-replica Deployment over the three hosts, each pod in its node\'s range', async () => {
      await rig.kubectlOk(['apply', '-f', '-'], { input: manifests() });
      const pods = await waitFor('three ready web pods', async () => {
        const list = await rig.client.list<Pod>(resources.pods, { namespace: 'default', labelSelector: 'app=web' });
        const ready = list.items.filter((p) => !p.metadata.deletionTimestamp && p.status?.podIP && p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
        return ready.length === 3 ? ready : undefined;
      }, 90_000);
      for (const p of pods) byHost.set(rig.host(p.spec!.nodeName!).letter, p);
      assert.deepEqual([...byHost.keys()].sort(), ['a', 'b', 'c'], `pods on ${pods.map((p) => p.spec!.nodeName).join(', ')}`);
      for (const [letter, p] of byHost) {
        const node = await rig.client.get<Node>(resources.nodes, rig.host(letter).nodeName);
        assert.ok(contains(parseCidr(node.spec.podCIDR!), parseIPv4(p.status!.podIP!)), `${p.status!.podIP} in ${node.spec.podCIDR}`);
      }
      await rig.kubectlOk(['label', 'pod', byHost.get('c')!.metadata.name!, 'rig-host=c']);
      clusterIP = (await rig.client.get<Service>(resources.services, 'web', 'default')).spec!.clusterIP!;
      nodePort = (await rig.client.get<Service>(resources.services, 'web-c', 'default')).spec!.ports![0]!.nodePort!;
    });

    it('from a pod on host A, the pods on B and C answer ping and HTTP by pod IP and see A\'s pod IP', async () => {
      const a = byHost.get('a')!;
      for (const letter of ['b', 'c']) {
        const target = byHost.get(letter)!;
        const answer = who(await podSh(a, ncGet(target.status!.podIP!, 8080, '/cgi-bin/who')));
        assert.deepEqual(answer, { client: a.status!.podIP!, pod: target.metadata.name! }, `pod on ${letter}`);
        assert.match(await podSh(a, `busybox ping -c 2 -W 2 ${target.status!.podIP!}`), /2 packets transmitted, 2 packets received/);
        // 20 kB: full-size segments (on vxlan, the tunnel's smaller MTU) get through too.
        assert.equal(bodyOf(await podSh(a, ncGet(target.status!.podIP!, 8080, '/big'))).length, 20_000);
      }
      if (backend === 'vxlan') {
        // The traffic really went through the tunnel device.
        const [link] = JSON.parse(await rig.inHost('a', 'ip', ['-j', '-s', 'link', 'show', 'skiff.1'])) as Array<{ stats64: { tx: { packets: number } } }>;
        assert.ok(link!.stats64.tx.packets > 10, `skiff.1 on host a sent ${link!.stats64.tx.packets} packets`);
      }
    });

    it('a Service\'s cluster IP and its DNS name reach the pods on B and C; the service-range guard is in every host', async () => {
      await reachesBAndC('the cluster IP', podSh, clusterIP);
      // The Done-when's `wget -qO- http://web.default.svc.cluster.local`, with nc: the test
      // image's static busybox wget segfaults; nc resolves through the pod's resolv.conf.
      await reachesBAndC('web.default.svc.cluster.local', podSh, 'web.default.svc.cluster.local');
      for (const h of rig.hosts) {
        const rules = await rig.inHost(h.letter, 'iptables', ['-w', '5', '-S']);
        assert.match(rules, new RegExp(`-d ${SERVICE_CIDR.replace(/\./g, '\\.')} .*-j REJECT`), `host ${h.letter}'s service-range guard`);
      }
    });

    it('a NodePort on host B reaches the pod on host C from outside the cluster', async () => {
      const b = rig.host('b');
      const answer = await retry('the NodePort on host B', async () => {
        const r = await rawGet(b.ip, nodePort, '/cgi-bin/who');
        assert.match(r, /^HTTP\/1\.[01] 200 /);
        return who(r);
      }, 30_000);
      assert.equal(answer.pod, byHost.get('c')!.metadata.name);
    });

    it('with the control server stopped, pod-to-pod, Service, DNS and NodePort traffic keeps flowing', async () => {
      await rig.stopControl();
      const a = byHost.get('a')!;
      for (const letter of ['b', 'c']) {
        const target = byHost.get(letter)!;
        assert.deepEqual(who(await podShDirect(a, ncGet(target.status!.podIP!, 8080, '/cgi-bin/who'))), { client: a.status!.podIP!, pod: target.metadata.name! });
      }
      await reachesBAndC('the cluster IP, control server down', podShDirect, clusterIP);
      await reachesBAndC('the DNS name, control server down', podShDirect, 'web.default.svc.cluster.local');
      assert.equal(who(await rawGet(rig.host('b').ip, nodePort, '/cgi-bin/who')).pod, byHost.get('c')!.metadata.name);
    });

    it('routes follow a node leaving and joining again', async () => {
      await rig.restartControl();
      const c = rig.host('c');
      const routesOn = (letter: string) => rig.inHost(letter, 'ip', ['-4', 'route', 'show', 'proto', '91']);
      const fdbOn = (letter: string) => (backend === 'vxlan' ? rig.inHost(letter, 'bridge', ['fdb', 'show', 'dev', 'skiff.1']) : Promise.resolve(''));
      const before = (await rig.client.get<Node>(resources.nodes, c.nodeName)).spec.podCIDR!;
      await c.agent.stop();
      await rig.client.delete(resources.nodes, c.nodeName);
      for (const letter of ['a', 'b']) {
        await waitFor(`host ${letter} to drop its route to ${before}`, async () => !(await routesOn(letter)).includes(`${before} `), 30_000);
        assert.doesNotMatch(await fdbOn(letter), new RegExp(`dst ${c.ip.replace(/\./g, '\\.')} `));
      }
      c.agent.start();
      await rig.waitForNodesReady();
      const after = (await rig.client.get<Node>(resources.nodes, c.nodeName)).spec.podCIDR!;
      for (const letter of ['a', 'b']) {
        await waitFor(`host ${letter} to route ${after} again`, async () => (await routesOn(letter)).includes(`${after} `), 30_000);
        if (backend === 'vxlan') assert.match(await fdbOn(letter), new RegExp(`dst ${c.ip.replace(/\./g, '\\.')} self permanent`));
      }
    });

    it('no packet was routed off the machine: the rig guard is in place and dropped nothing', async () => {
      // Only the probe of the first test, nothing of the pods', agents' or runtimes' own.
      assert.deepEqual(await rig.guardDrops(), { present: 3, dropped: GUARD_PROBES });
    });
  });
}
