import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CredentialKeyring, dockerConfigOf, keyOf, repositoryOf, urlsMatch } from './credential-keyring.js';

test('keys drop the scheme and a /v1/ or /v2/ path, as the kubelet keyring does', () => {
  assert.equal(keyOf('https://index.docker.io/v1/'), 'index.docker.io');
  assert.equal(keyOf('http://127.0.0.1:5000/v2/'), '127.0.0.1:5000');
  assert.equal(keyOf('registry.example.com/team'), 'registry.example.com/team');
  assert.equal(keyOf('registry.example.com'), 'registry.example.com');
});

test('repositories: tag and digest dropped, Docker Hub spelled out', () => {
  assert.equal(repositoryOf('busybox'), 'docker.io/library/busybox');
  assert.equal(repositoryOf('me/app:1'), 'docker.io/me/app');
  assert.equal(repositoryOf('127.0.0.1:5000/a/b:2'), '127.0.0.1:5000/a/b');
  assert.equal(repositoryOf('r.io/x@sha256:ab'), 'r.io/x');
  assert.equal(repositoryOf('localhost/x:1'), 'localhost/x');
});

test('matching: same port, same number of host parts, glob per part, path prefix', () => {
  const table: [string, string, boolean][] = [
    ['r.io', 'r.io/a/b', true],
    ['*.r.io', 'eu.r.io/a', true],
    ['*.r.io', 'r.io/a', false], // part counts differ
    ['*.r.io', 'a.b.r.io/a', false],
    ['r.io:5000', 'r.io/a', false], // ports must be equal
    ['r.io', 'r.io:5000/a', false],
    ['r.io:5000', 'r.io:5000/a', true],
    ['r.io/team', 'r.io/team/app', true],
    ['r.io/team', 'r.io/other/app', false],
    ['127.0.0.1:5000', '127.0.0.1:5000/x', true],
    ['127.0.0.*:5000', '127.0.0.1:5000/x', true],
    ['r?.io', 'r1.io/x', true],
  ];
  for (const [key, image, want] of table) assert.equal(urlsMatch(key, image), want, `${key} vs ${image}`);
});

test('lookup: every match, most specific key first; Docker Hub falls back to index.docker.io', () => {
  const k = new CredentialKeyring();
  k.add({ 'r.io': { username: 'host', password: 'p1' }, 'r.io/team': { auth: Buffer.from('team:p2').toString('base64') } }, 's1');
  k.add({ 'https://index.docker.io/v1/': { username: 'hub', password: 'p3' } }, 's2');
  assert.deepEqual(
    k.lookup('r.io/team/app:1').map((c) => [c.auth.username, c.auth.password, c.source]),
    [
      ['team', 'p2', 's1'],
      ['host', 'p1', 's1'],
    ],
  );
  assert.deepEqual(k.lookup('r.io/other:1').map((c) => c.auth.username), ['host']);
  assert.deepEqual(k.lookup('busybox:1').map((c) => c.auth.username), ['hub']);
  assert.deepEqual(k.lookup('elsewhere.io/x'), []);
});

test('dockerconfigjson and dockercfg Secrets; anything else says why not', () => {
  const json = new Map([['.dockerconfigjson', Buffer.from(JSON.stringify({ auths: { 'r.io': { username: 'u', password: 'p' } } }))]]);
  assert.deepEqual(dockerConfigOf('kubernetes.io/dockerconfigjson', json), { 'r.io': { username: 'u', password: 'p' } });
  const cfg = new Map([['.dockercfg', Buffer.from(JSON.stringify({ 'r.io': { auth: 'dTpw' } }))]]);
  assert.deepEqual(dockerConfigOf('kubernetes.io/dockercfg', cfg), { 'r.io': { auth: 'dTpw' } });
  assert.match(String(dockerConfigOf('Opaque', json)), /neither/);
  assert.match(String(dockerConfigOf('kubernetes.io/dockerconfigjson', new Map())), /no \.dockerconfigjson key/);
  assert.match(String(dockerConfigOf('kubernetes.io/dockerconfigjson', new Map([['.dockerconfigjson', Buffer.from('{')]]))), /not JSON/);
});
