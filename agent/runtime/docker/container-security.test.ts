// CRI mounts and security context → Docker create options, including the parts the
// conformance suite cannot run on every host (privileged needs a full bounding set).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ContainerConfig } from '../runtime.js';
import { dockerSecurity } from './container-security.js';

const base: ContainerConfig = { metadata: { name: 'c', attempt: 0 }, image: 'x', envs: [], labels: {}, annotations: {}, resources: {} };

test('no mounts and no security context leave Docker defaults alone', () => {
  assert.deepEqual(dockerSecurity(base), { hostConfig: {} });
  assert.deepEqual(dockerSecurity({ ...base, linux: { securityContext: { privileged: false, readonlyRootfs: false, noNewPrivs: false } } }), { hostConfig: {} });
});

test('mounts become bind mounts with their propagation', () => {
  const out = dockerSecurity({
    ...base,
    mounts: [
      { containerPath: '/a', hostPath: '/h/a' },
      { containerPath: '/b', hostPath: '/h/b', readonly: true, propagation: 'hostToContainer' },
      { containerPath: '/c', hostPath: '/h/c', propagation: 'bidirectional' },
    ],
  });
  assert.deepEqual(out.hostConfig.Mounts, [
    { Type: 'bind', Source: '/h/a', Target: '/a', ReadOnly: false, BindOptions: { Propagation: 'rprivate' } },
    { Type: 'bind', Source: '/h/b', Target: '/b', ReadOnly: true, BindOptions: { Propagation: 'rslave' } },
    { Type: 'bind', Source: '/h/c', Target: '/c', ReadOnly: false, BindOptions: { Propagation: 'rshared' } },
  ]);
});

test('security context fields map one to one', () => {
  const out = dockerSecurity({
    ...base,
    linux: {
      securityContext: {
        runAsUser: 1000,
        runAsGroup: 3000,
        supplementalGroups: [2000, 4000],
        privileged: true,
        readonlyRootfs: true,
        capabilities: { addCapabilities: ['NET_ADMIN'], dropCapabilities: ['ALL'] },
        noNewPrivs: true,
      },
    },
  });
  assert.deepEqual(out, {
    user: '1000:3000',
    hostConfig: {
      GroupAdd: ['2000', '4000'],
      Privileged: true,
      ReadonlyRootfs: true,
      CapAdd: ['NET_ADMIN'],
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
    },
  });
  assert.equal(dockerSecurity({ ...base, linux: { securityContext: { runAsUser: 0 } } }).user, '0');
});

test('runAsGroup without runAsUser is refused, as the CRI requires', () => {
  assert.throws(() => dockerSecurity({ ...base, linux: { securityContext: { runAsGroup: 5 } } }), (err) => (err as { code?: string }).code === 'CreateFailed');
});
