// Pod identity against the real runtime (Docker, or containerd with SKIFF_TEST_RUNTIME)
// and kubectl: what each container reads with `hostname`, `hostname -f`, /etc/hosts and
// /etc/resolv.conf for every dnsPolicy, dnsConfig merged in, hostAliases, subdomain FQDNs,
// setHostnameAsFQDN, host-network pods, the MissingClusterDNS fallback, and the API
// server's validation errors.
//
// Every nameserver here is a loopback address (127.0.0.x): a lookup a container might make
// (busybox's `hostname -f` asks the resolver) stays inside the pod or the node.

import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname as osHostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Pod } from '../api/types.js';
import { managedHostsFileContent } from '../agent/kubelet/pod-identity/etc-hosts.js';
import { agentFlags } from '../bin/commands/agent.js';
import { ensureTestImages } from './fixtures/images.js';
import { startCluster, waitFor, type TestCluster } from './lib/cluster.js';
import { sleepForever } from './lib/manifests.js';
import { podEvents, podYaml } from './kubelet-support.js';

const CLUSTER_DNS = '127.0.0.153';
const NODE_RESOLV = 'nameserver 127.0.0.154\nsearch node.example\noptions timeout:2\n';
/** The kubelet's lines before the pod's own (their exact text is etc-hosts.test.ts's). */
const BOILERPLATE = managedHostsFileContent([], '', '');

describe('kubelet pod identity', () => {
  let cluster: TestCluster;
  let busybox: string;
  let dir: string;
  /** The agent without --cluster-dns (ClusterFirst falls back to Default). */
  let plainNode: string;
  /** The agent with --cluster-dns. */
  let dnsNode: string;

  before(async () => {
    busybox = (await ensureTestImages()).busybox;
    dir = await mkdtemp(join(tmpdir(), 'skiff-identity-'));
    const resolvConf = join(dir, 'resolv.conf');
    await writeFile(resolvConf, NODE_RESOLV);
    // No node-local DNS server in this file's agents (when the agent has one): only the
    // files the containers read are under test, and no lookup may leave loopback.
    const noServer = agentFlags.some((f) => f.name === 'disable-dns') ? ['--disable-dns'] : [];
    cluster = await startCluster({ agents: 1, agentArgs: ['--resolv-conf', resolvConf, ...noServer] });
    plainNode = cluster.nodeNames[0]!;
    // The second agent alone gets --cluster-dns, through its environment (SKIFF_CLUSTER_DNS),
    // which only the process spawned right now inherits.
    process.env['SKIFF_CLUSTER_DNS'] = CLUSTER_DNS;
    try {
      dnsNode = cluster.addAgent();
    } finally {
      delete process.env['SKIFF_CLUSTER_DNS'];
    }
    await cluster.waitForNodesReady();
  });
  after(async () => {
    if (cluster) {
      await cluster.kubectl(['delete', 'pods', '--all', '--grace-period=0', '--force', '--wait=true']);
      await cluster.stop();
    }
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const apply = (yaml: string) => cluster.kubectlOk(['apply', '-f', '-'], { input: yaml });
  const exec = async (pod: string, container: string, cmd: string[]) => cluster.kubectlOk(['exec', pod, '-c', container, '--', ...cmd]);
  const running = (name: string) => cluster.waitForPod(name, 'Running', (p) => p.status?.phase === 'Running' && !!p.status.containerStatuses?.every((c) => c.ready), 60_000);
  const sleeper = (name: string, extra: Record<string, unknown> = {}) => ({ name, image: busybox, command: sleepForever, ...extra });

  test('ClusterFirst with hostname, subdomain and hostAliases: every container sees the same hostname, hosts file and resolv.conf', async () => {
    await apply(
      podYaml('ident-fqdn', {
        nodeName: dnsNode,
        hostname: 'web',
        subdomain: 'sub',
        hostAliases: [
          { ip: '127.0.0.1', hostnames: ['foo.local', 'bar.local'] },
          { ip: '10.1.2.3', hostnames: ['foo.remote'] },
        ],
        containers: [sleeper('main'), sleeper('sidecar')],
      }),
    );
    const pod = await running('ident-fqdn');
    const ip = pod.status!.podIP!;
    assert.ok(ip, 'the pod has an IP');
    const hosts = `${BOILERPLATE}${ip}\tweb.sub.default.svc.cluster.local\tweb\n\n# Entries added by HostAliases.\n127.0.0.1\tfoo.local\tbar.local\n10.1.2.3\tfoo.remote\n`;
    const resolv = `search default.svc.cluster.local svc.cluster.local cluster.local node.example\nnameserver ${CLUSTER_DNS}\noptions ndots:5\n`;
    assert.ok(hosts.startsWith('# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n'));
    for (const c of ['main', 'sidecar']) {
      assert.equal(await exec('ident-fqdn', c, ['cat', '/etc/hosts']), hosts, `${c}: /etc/hosts`);
      assert.equal(await exec('ident-fqdn', c, ['cat', '/etc/resolv.conf']), resolv, `${c}: /etc/resolv.conf`);
      assert.equal((await exec('ident-fqdn', c, ['hostname'])).trim(), 'web', `${c}: hostname`);
      assert.equal((await exec('ident-fqdn', c, ['hostname', '-f'])).trim(), 'web.sub.default.svc.cluster.local', `${c}: hostname -f`);
    }
    // The kubelet's file lives in the pod's directory on the node.
    const onNode = await readFile(join(cluster.dir, dnsNode, 'pods', pod.metadata.uid!, 'etc-hosts'), 'utf8');
    assert.equal(onNode, hosts);
  });

  test('setHostnameAsFQDN: the kernel hostname is the FQDN; one over 64 characters fails the sandbox as the kubelet says', async () => {
    await apply(podYaml('ident-asfqdn', { nodeName: dnsNode, subdomain: 'sub', setHostnameAsFQDN: true, containers: [sleeper('main')] }));
    await running('ident-asfqdn');
    assert.equal((await exec('ident-asfqdn', 'main', ['hostname'])).trim(), 'ident-asfqdn.sub.default.svc.cluster.local');

    const long = `ident-long-${'x'.repeat(30)}`;
    await apply(podYaml(long, { nodeName: dnsNode, subdomain: 'sub', setHostnameAsFQDN: true, containers: [sleeper('main')] }));
    const fqdn = `${long}.sub.default.svc.cluster.local`;
    const event = await waitFor('a FailedCreatePodSandBox event', async () => (await podEvents(cluster, long)).find((e) => e.reason === 'FailedCreatePodSandBox'), 30_000);
    assert.equal(event.type, 'Warning');
    assert.equal(
      event.message,
      `Failed to create pod sandbox: failed to construct FQDN from pod hostname and cluster domain, FQDN ${fqdn} is too long (64 characters is the max, ${fqdn.length} characters requested)`,
    );
    assert.equal((await cluster.pod(long)).status?.phase, 'Pending');
  });

  test('a pod name over 63 characters is cut to a 63-character hostname', async () => {
    const name = `ident-${'a'.repeat(56)}-tail`; // 66 characters
    // Too long for the app label podYaml adds: a manifest without labels.
    await apply(JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { nodeName: dnsNode, terminationGracePeriodSeconds: 2, containers: [sleeper('main')] } }));
    const pod = await running(name);
    const want = name.slice(0, 63).replace(/[-.]+$/, '');
    assert.equal(want.length, 62, 'the cut ends on a "-", which goes');
    assert.equal((await exec(name, 'main', ['hostname'])).trim(), want);
    assert.ok((await exec(name, 'main', ['cat', '/etc/hosts'])).endsWith(`${pod.status!.podIP}\t${want}\n`));
  });

  test('dnsPolicy Default, None, and ClusterFirst with dnsConfig merged in', async () => {
    await apply(podYaml('ident-default', { nodeName: dnsNode, dnsPolicy: 'Default', containers: [sleeper('main')] }));
    await apply(
      podYaml('ident-none', {
        nodeName: dnsNode,
        dnsPolicy: 'None',
        dnsConfig: { nameservers: ['127.0.0.10'], searches: ['only.example'], options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }] },
        containers: [sleeper('main')],
      }),
    );
    await apply(
      podYaml('ident-merged', {
        nodeName: dnsNode,
        dnsConfig: {
          nameservers: ['127.0.0.11', '127.0.0.12', '127.0.0.13'],
          searches: ['svc.cluster.local', 'extra.example'],
          options: [{ name: 'ndots', value: '1' }, { name: 'single-request' }],
        },
        containers: [sleeper('main')],
      }),
    );
    await Promise.all(['ident-default', 'ident-none', 'ident-merged'].map(running));
    assert.equal(await exec('ident-default', 'main', ['cat', '/etc/resolv.conf']), 'search node.example\nnameserver 127.0.0.154\noptions timeout:2\n');
    assert.equal(await exec('ident-none', 'main', ['cat', '/etc/resolv.conf']), 'search only.example\nnameserver 127.0.0.10\noptions ndots:2 edns0\n');
    // Duplicates go, the pod's options override the policy's, and a fourth nameserver is cut with a warning.
    assert.equal(
      await exec('ident-merged', 'main', ['cat', '/etc/resolv.conf']),
      `search default.svc.cluster.local svc.cluster.local cluster.local node.example extra.example\nnameserver ${CLUSTER_DNS}\nnameserver 127.0.0.11\nnameserver 127.0.0.12\noptions ndots:1 single-request\n`,
    );
    const warning = (await podEvents(cluster, 'ident-merged')).find((e) => e.reason === 'DNSConfigForming');
    assert.equal(warning?.message, `Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: ${CLUSTER_DNS} 127.0.0.11 127.0.0.12`);
  });

  test('ClusterFirst on a node without cluster DNS falls back to Default with a MissingClusterDNS warning', async () => {
    await apply(podYaml('ident-nodns', { nodeName: plainNode, containers: [sleeper('main')] }));
    const pod = await running('ident-nodns');
    assert.equal(await exec('ident-nodns', 'main', ['cat', '/etc/resolv.conf']), 'search node.example\nnameserver 127.0.0.154\noptions timeout:2\n');
    const event = await waitFor('a MissingClusterDNS event', async () => (await podEvents(cluster, 'ident-nodns')).find((e) => e.reason === 'MissingClusterDNS'), 20_000);
    assert.equal(event.type, 'Warning');
    assert.equal(
      event.message,
      `pod: "ident-nodns_default(${pod.metadata.uid})". kubelet does not have ClusterDNS IP configured and cannot create Pod using "ClusterFirst" policy. Falling back to "Default" policy.`,
    );
  });

  test('a container that mounts /etc/hosts itself keeps its own file', async () => {
    await cluster.kubectlOk(['create', 'configmap', 'ident-hosts', '--from-literal=hosts=10.9.9.9\tmine\n']);
    await apply(
      podYaml('ident-ownhosts', {
        nodeName: dnsNode,
        volumes: [{ name: 'h', configMap: { name: 'ident-hosts' } }],
        containers: [sleeper('own', { volumeMounts: [{ name: 'h', mountPath: '/etc/hosts', subPath: 'hosts' }] }), sleeper('managed')],
      }),
    );
    await running('ident-ownhosts');
    assert.equal(await exec('ident-ownhosts', 'own', ['cat', '/etc/hosts']), '10.9.9.9\tmine\n');
    assert.ok((await exec('ident-ownhosts', 'managed', ['cat', '/etc/hosts'])).startsWith(BOILERPLATE));
  });

  test('hostNetwork: the node\'s network, hostname and hosts file; ClusterFirst is Default there, ClusterFirstWithHostNet is not', async () => {
    const nodeHosts = await readFile('/etc/hosts', 'utf8');
    await apply(podYaml('ident-hostnet', { nodeName: dnsNode, hostNetwork: true, containers: [sleeper('main')] }));
    await apply(podYaml('ident-hostnet-cf', { nodeName: dnsNode, hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet', containers: [sleeper('main')] }));
    const pod: Pod = await running('ident-hostnet');
    await running('ident-hostnet-cf');
    assert.equal(pod.status?.podIP, pod.status?.hostIP, 'a host-network pod has the node\'s IP');
    assert.equal((await exec('ident-hostnet', 'main', ['hostname'])).trim(), osHostname());
    assert.match(await exec('ident-hostnet', 'main', ['ip', '-4', 'addr']), new RegExp(`inet ${pod.status!.hostIP!.replace(/\./g, '\\.')}/`), 'the node\'s address is the container\'s');
    assert.equal(await exec('ident-hostnet', 'main', ['cat', '/etc/hosts']), `# Kubernetes-managed hosts file (host network).\n${nodeHosts}`);
    assert.equal(await exec('ident-hostnet', 'main', ['cat', '/etc/resolv.conf']), 'search node.example\nnameserver 127.0.0.154\noptions timeout:2\n');
    assert.equal(
      await exec('ident-hostnet-cf', 'main', ['cat', '/etc/resolv.conf']),
      `search default.svc.cluster.local svc.cluster.local cluster.local node.example\nnameserver ${CLUSTER_DNS}\noptions ndots:5\n`,
    );
  });

  test('the API server rejects bad DNS settings and host aliases with Kubernetes\' messages, and stores nothing', async () => {
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['bad-none', { dnsPolicy: 'None' }, 'spec.dnsConfig: Required value: must provide `dnsConfig` when `dnsPolicy` is None'],
      ['bad-none-ns', { dnsPolicy: 'None', dnsConfig: { searches: ['a.example'] } }, 'spec.dnsConfig.nameservers: Required value: must provide at least one DNS nameserver when `dnsPolicy` is None'],
      ['bad-policy', { dnsPolicy: 'Cluster' }, 'spec.dnsPolicy: Unsupported value: "Cluster": supported values: "ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"'],
      [
        'bad-ns',
        { dnsConfig: { nameservers: ['1.1.1.1', '2.2.2.2', '3.3.3.3', '4.4.4.4'] } },
        'spec.dnsConfig.nameservers: Invalid value: []string{"1.1.1.1", "2.2.2.2", "3.3.3.3", "4.4.4.4"}: must not have more than 3 nameservers',
      ],
      ['bad-ns-ip', { dnsConfig: { nameservers: ['dns.example'] } }, 'spec.dnsConfig.nameservers[0]: Invalid value: "dns.example": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'],
      ['bad-search', { dnsConfig: { searches: ['Bad_Domain'] } }, 'spec.dnsConfig.searches[0]: Invalid value: "Bad_Domain": a lowercase RFC 1123 subdomain must consist of'],
      ['bad-option', { dnsConfig: { options: [{ value: '2' }] } }, 'spec.dnsConfig.options[0]: Required value: must not be empty'],
      ['bad-alias', { hostAliases: [{ ip: 'not-an-ip', hostnames: ['a'] }] }, 'spec.hostAliases[0].ip: Invalid value: "not-an-ip": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'],
    ];
    for (const [name, spec, message] of cases) {
      const r = await cluster.kubectl(['apply', '-f', '-'], { input: podYaml(name, { ...spec, containers: [sleeper('main')] }) });
      assert.notEqual(r.code, 0, `${name} was accepted`);
      assert.ok(r.stderr.includes(`The Pod "${name}" is invalid: ${message}`), `${name}: ${r.stderr}`);
      assert.equal((await cluster.kubectl(['get', 'pod', name])).code, 1, `${name} was stored`);
    }
  });
});
