import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ensureHostsFile, managedHostsFileContent, nodeHostsFileContent, wantsHostsMount } from './etc-hosts.js';

const BOILERPLATE =
  '# Kubernetes-managed hosts file.\n' +
  '127.0.0.1\tlocalhost\n' +
  '::1\tlocalhost ip6-localhost ip6-loopback\n' +
  'fe00::0\tip6-localnet\n' +
  'fe00::0\tip6-mcastprefix\n' +
  'fe00::1\tip6-allnodes\n' +
  'fe00::2\tip6-allrouters\n';

test('managed hosts file: the kubelet\'s boilerplate, then the pod IP and its hostname', () => {
  assert.equal(managedHostsFileContent(['10.200.0.4'], 'nginx', ''), `${BOILERPLATE}10.200.0.4\tnginx\n`);
});

test('managed hosts file: with a subdomain the FQDN comes first; host aliases after a blank line', () => {
  const out = managedHostsFileContent(['10.1.2.3'], 'web-0', 'sub.ns.svc.cluster.local', [
    { ip: '127.0.0.1', hostnames: ['foo.local', 'bar.local'] },
    { ip: '10.1.2.3', hostnames: ['foo.remote'] },
  ]);
  assert.equal(
    out,
    `${BOILERPLATE}10.1.2.3\tweb-0.sub.ns.svc.cluster.local\tweb-0\n\n# Entries added by HostAliases.\n127.0.0.1\tfoo.local\tbar.local\n10.1.2.3\tfoo.remote\n`,
  );
});

test('host-network hosts file: the node\'s file under its own header, plus aliases', () => {
  assert.equal(nodeHostsFileContent('127.0.0.1 localhost\n', [{ ip: '1.2.3.4', hostnames: ['x'] }]), '# Kubernetes-managed hosts file (host network).\n127.0.0.1 localhost\n\n# Entries added by HostAliases.\n1.2.3.4\tx\n');
});

test('the hosts file is mounted only with a pod IP and when the container does not mount /etc/hosts', () => {
  const c = { name: 'c', image: 'i' };
  assert.equal(wantsHostsMount(c, ['10.0.0.1']), true);
  assert.equal(wantsHostsMount(c, []), false);
  assert.equal(wantsHostsMount({ ...c, volumeMounts: [{ name: 'v', mountPath: '/etc/hosts' }] }, ['10.0.0.1']), false);
});

test('ensureHostsFile writes <podDir>/etc-hosts 0644, from the node file on the host network', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'etc-hosts-'));
  try {
    const podDir = join(dir, 'pods', 'uid-1');
    const file = await ensureHostsFile({ podDir, podIPs: ['10.0.0.9'], hostname: 'p', hostDomain: '', hostNetwork: false });
    assert.equal(file, join(podDir, 'etc-hosts'));
    assert.equal(await readFile(file, 'utf8'), `${BOILERPLATE}10.0.0.9\tp\n`);
    assert.equal((await stat(file)).mode & 0o777, 0o644);
    const nodeHosts = join(dir, 'hosts');
    await writeFile(nodeHosts, '192.168.1.1 node\n');
    await ensureHostsFile({ podDir, podIPs: ['192.168.1.1'], hostname: 'p', hostDomain: '', hostNetwork: true, nodeHostsFile: nodeHosts });
    assert.equal(await readFile(file, 'utf8'), '# Kubernetes-managed hosts file (host network).\n192.168.1.1 node\n');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
