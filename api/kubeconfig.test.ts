import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { buildKubeconfig, KubeconfigError, readKubeconfig, writeKubeconfig } from './kubeconfig.js';

const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

test('buildKubeconfig writes one cluster, user and current context with inline CA data', () => {
  const doc = parse(buildKubeconfig({ server: 'https://10.0.0.5:6443', caPem: CA, token: 'tok' }));
  assert.equal(doc['current-context'], 'skiff');
  assert.deepEqual(doc.clusters, [
    { name: 'skiff', cluster: { server: 'https://10.0.0.5:6443', 'certificate-authority-data': Buffer.from(CA).toString('base64') } },
  ]);
  assert.deepEqual(doc.users, [{ name: 'admin', user: { token: 'tok' } }]);
  assert.deepEqual(doc.contexts, [{ name: 'skiff', context: { cluster: 'skiff', user: 'admin' } }]);

  const named = parse(buildKubeconfig({ server: 's', caPem: CA, token: 't', clusterName: 'c', user: 'u', context: 'x' }));
  assert.deepEqual(named.contexts, [{ name: 'x', context: { cluster: 'c', user: 'u' } }]);
});

test('writeKubeconfig writes 0600 atomically and readKubeconfig reads it back', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-kubeconfig-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'sub', 'config');
  const prev = process.umask(0o022);
  t.after(() => process.umask(prev));
  await writeKubeconfig(path, { server: 'https://127.0.0.1:6443', caPem: CA, token: 'first' });
  await writeKubeconfig(path, { server: 'https://127.0.0.1:6443', caPem: CA, token: 'second' });
  assert.equal(statSync(path).mode & 0o777, 0o600);
  assert.deepEqual(readdirSync(join(dir, 'sub')), ['config'], 'no temp files left behind');
  assert.deepEqual(await readKubeconfig(path), { server: 'https://127.0.0.1:6443', caPem: CA, token: 'second' });
});

test('readKubeconfig follows the current context and resolves file references', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-kubeconfig-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'ca.crt'), CA);
  writeFileSync(join(dir, 'token'), 'from-file\n');
  const path = join(dir, 'config');
  writeFileSync(
    path,
    `apiVersion: v1
kind: Config
current-context: b
clusters:
- name: one
  cluster: {server: "https://one:6443", certificate-authority-data: ${Buffer.from('other').toString('base64')}}
- name: two
  cluster: {server: "https://two:6443", certificate-authority: ca.crt}
users:
- name: alice
  user: {token: alice-token}
- name: bob
  user: {tokenFile: token}
contexts:
- name: a
  context: {cluster: one, user: alice}
- name: b
  context: {cluster: two, user: bob}
`,
  );
  assert.deepEqual(await readKubeconfig(path), { server: 'https://two:6443', caPem: CA, token: 'from-file' });
});

test('readKubeconfig explains what is missing', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-kubeconfig-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const cases: Array<[string, RegExp]> = [
    ['- just a list', /expected a mapping/],
    ['kind: Config', /no current-context/],
    ['current-context: x\ncontexts: []', /context "x" not found/],
    ['current-context: x\ncontexts: [{name: x, context: {cluster: c, user: u}}]\nclusters: []', /cluster "c" not found/],
    [
      'current-context: x\ncontexts: [{name: x, context: {cluster: c, user: u}}]\nclusters: [{name: c, cluster: {server: s}}]\nusers: [{name: u, user: {token: t}}]',
      /no certificate-authority/,
    ],
    [
      'current-context: x\ncontexts: [{name: x, context: {cluster: c, user: u}}]\nclusters: [{name: c, cluster: {server: s, certificate-authority-data: eA==}}]\nusers: [{name: u, user: {}}]',
      /no token/,
    ],
    ['{{{', /not valid YAML/],
  ];
  for (const [i, [text, message]] of cases.entries()) {
    const path = join(dir, `config-${i}`);
    writeFileSync(path, text);
    await assert.rejects(readKubeconfig(path), (err: unknown) => {
      assert.ok(err instanceof KubeconfigError, String(err));
      assert.equal(err.code, 'InvalidKubeconfig');
      assert.match(err.message, message);
      return true;
    });
  }
});
