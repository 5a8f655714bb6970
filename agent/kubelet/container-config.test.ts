// Env resolution the way the kubelet does it: $(VAR) expansion edge cases and the
// downward API's resourceFieldRef (divisors, rounding up, allocatable for missing limits).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Container, Pod } from '../../api/types.js';
import type { ConfigMap, Secret } from '../../api/service-types.js';
import { containerConfig, containerEnv, expand, podHostname, resourceFieldRef } from './container-config.js';
import type { ConfigObjects } from './volumes/config-objects.js';

test('$(VAR) expansion', () => {
  const vars = new Map([
    ['A', 'x'],
    ['EMPTY', ''],
  ]);
  const cases: [string, string][] = [
    ['$(A)', 'x'],
    ['$(A)$(A)', 'xx'],
    ['pre-$(A)-post', 'pre-x-post'],
    ['$$(A)', '$(A)'],
    ['$$$(A)', '$x'],
    ['$(UNKNOWN)', '$(UNKNOWN)'],
    ['$(A', '$(A'],
    ['$A', '$A'],
    ['a$', 'a$'],
    ['$()', '$()'],
    ['$(EMPTY)!', '!'],
    ['$(A_$(A))', '$(A_$(A))'],
  ];
  for (const [input, want] of cases) assert.equal(expand(input, vars), want, input);
});

test('env refers to earlier entries only; command and args see them all', () => {
  const pod: Pod = { metadata: { name: 'p', namespace: 'ns', uid: 'u' }, spec: { containers: [] } };
  const c: Container = {
    name: 'main',
    image: 'x',
    env: [
      { name: 'LATER_REF', value: '$(B)' },
      { name: 'B', value: 'b' },
      { name: 'AB', value: 'a$(B)' },
      { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    ],
    command: ['echo', '$(AB)', '$(POD)', '$$(B)'],
  };
  const config = containerConfig(pod, c, { nodeName: 'n', hostIP: '1.2.3.4', podIP: '10.0.0.2' }, 0, 0);
  assert.deepEqual(config.envs, [
    { key: 'LATER_REF', value: '$(B)' },
    { key: 'B', value: 'b' },
    { key: 'AB', value: 'ab' },
    { key: 'POD', value: 'p' },
  ]);
  assert.deepEqual(config.command, ['echo', 'ab', 'p', '$(B)']);
});

test('resourceFieldRef: divisors round up, missing limits fall back to allocatable', () => {
  const main: Container = { name: 'main', image: 'x', resources: { limits: { cpu: '250m', memory: '64Mi' }, requests: { cpu: '100m', memory: '32Mi' } } };
  const bare: Container = { name: 'bare', image: 'x' };
  const pod: Pod = { metadata: { name: 'p' }, spec: { containers: [main, bare] } };
  const ctx = { nodeName: 'n', hostIP: '', podIP: '', allocatable: { cpu: '3', memory: '2Gi' } };
  const cases: [Container, string, string | undefined, string | undefined, string][] = [
    [main, 'limits.cpu', undefined, undefined, '1'],
    [main, 'limits.cpu', '1m', undefined, '250'],
    [main, 'requests.cpu', '1m', undefined, '100'],
    [main, 'limits.memory', undefined, undefined, String(64 * 1024 * 1024)],
    [main, 'limits.memory', '1Mi', undefined, '64'],
    [main, 'requests.memory', '1Gi', undefined, '1'],
    [bare, 'limits.cpu', undefined, undefined, '3'],
    [bare, 'limits.memory', '1Mi', undefined, '2048'],
    [bare, 'requests.cpu', undefined, undefined, '0'],
    [bare, 'limits.memory', '1Mi', 'main', '64'],
  ];
  for (const [c, resource, divisor, containerName, want] of cases) {
    const ref = { resource, ...(divisor ? { divisor } : {}), ...(containerName ? { containerName } : {}) };
    assert.equal(resourceFieldRef(pod, c, ref, ctx), want, `${c.name} ${resource} / ${divisor ?? '1'}`);
  }
});

test('hostname: spec.hostname, else the pod name as a 63-character label', () => {
  const pod = (name: string, hostname?: string): Pod => ({ metadata: { name }, spec: { containers: [], ...(hostname ? { hostname } : {}) } });
  assert.equal(podHostname(pod('web', 'custom')), 'custom');
  assert.equal(podHostname(pod('web')), 'web');
  const long = `${'a'.repeat(62)}-bcd`;
  assert.equal(podHostname(pod(long)), 'a'.repeat(62));
});

test('env from ConfigMaps and Secrets: envFrom first with prefixes, env overrides, optional, errors', () => {
  const cms: Record<string, ConfigMap> = { 'ns/cm': { metadata: { name: 'cm', namespace: 'ns' }, data: { A: 'a', B: 'b', 'BAD=KEY': 'x' } } };
  const secrets: Record<string, Secret> = { 'ns/s': { metadata: { name: 's', namespace: 'ns' }, data: { PW: Buffer.from('pw').toString('base64') } } };
  const objects: ConfigObjects = { configMap: (ns, n) => cms[`${ns}/${n}`], secret: (ns, n) => secrets[`${ns}/${n}`] };
  const ctx = { nodeName: 'n', hostIP: '', podIP: '', objects };
  const pod: Pod = { metadata: { name: 'p', namespace: 'ns', uid: 'u' }, spec: { containers: [] } };
  const c: Container = {
    name: 'main',
    image: 'x',
    envFrom: [{ configMapRef: { name: 'cm' } }, { secretRef: { name: 's' }, prefix: 'S_' }, { configMapRef: { name: 'absent', optional: true } }],
    env: [
      { name: 'B', value: 'override-$(A)' },
      { name: 'FROM_CM', valueFrom: { configMapKeyRef: { name: 'cm', key: 'A' } } },
      { name: 'FROM_SECRET', valueFrom: { secretKeyRef: { name: 's', key: 'PW' } } },
      { name: 'OPTIONAL', valueFrom: { configMapKeyRef: { name: 'cm', key: 'nokey', optional: true } } },
    ],
  };
  assert.deepEqual(containerEnv(pod, c, ctx), [
    { key: 'A', value: 'a' },
    { key: 'B', value: 'override-a' },
    { key: 'S_PW', value: 'pw' },
    { key: 'FROM_CM', value: 'a' },
    { key: 'FROM_SECRET', value: 'pw' },
  ]);
  const failing: Array<[Container['env'] | undefined, unknown[] | undefined, string]> = [
    [[{ name: 'X', valueFrom: { configMapKeyRef: { name: 'nope', key: 'k' } } }], undefined, 'configmap "nope" not found'],
    [[{ name: 'X', valueFrom: { configMapKeyRef: { name: 'cm', key: 'k' } } }], undefined, "couldn't find key k in ConfigMap ns/cm"],
    [[{ name: 'X', valueFrom: { secretKeyRef: { name: 'nope', key: 'k' } } }], undefined, 'secret "nope" not found'],
    [[{ name: 'X', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }], undefined, "couldn't find key k in Secret ns/s"],
    [undefined, [{ configMapRef: { name: 'nope' } }], 'configmap "nope" not found'],
    [undefined, [{ secretRef: { name: 'nope' } }], 'secret "nope" not found'],
  ];
  for (const [env, envFrom, message] of failing) {
    const bad: Container = { name: 'main', image: 'x', ...(env ? { env } : {}), ...(envFrom ? { envFrom } : {}) };
    assert.throws(() => containerConfig(pod, bad, ctx, 0, 0), (err: Error) => {
      assert.equal(err.message, message);
      assert.equal((err as { code?: string }).code, 'CreateContainerConfigError');
      return true;
    });
  }
});
