// Pod and container securityContext → CRI LinuxContainerSecurityContext: container over
// pod, fsGroup as a supplemental group, no_new_privs only for an explicit false.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Container, Pod } from '../../api/types.js';
import { linuxSecurityContext, nonRootViolation } from './security-context.js';

const pod = (sc?: object): Pod => ({ metadata: { name: 'p', namespace: 'ns', uid: 'u' }, spec: { containers: [], ...(sc ? { securityContext: sc } : {}) } });
const container = (sc?: object): Container => ({ name: 'c', image: 'x', ...(sc ? { securityContext: sc } : {}) });

test('nothing asked, nothing set', () => {
  assert.equal(linuxSecurityContext(pod(), container()), undefined);
  assert.equal(linuxSecurityContext(pod({}), container({ privileged: false, allowPrivilegeEscalation: true, readOnlyRootFilesystem: false })), undefined);
});

test('the container overrides the pod; groups come from the pod', () => {
  assert.deepEqual(linuxSecurityContext(pod({ runAsUser: 1000, runAsGroup: 3000, fsGroup: 2000, supplementalGroups: [4000, 2000] }), container({ runAsUser: 1500 })), {
    runAsUser: 1500,
    runAsGroup: 3000,
    supplementalGroups: [4000, 2000],
  });
});

test('container-only fields', () => {
  assert.deepEqual(
    linuxSecurityContext(pod(), container({ privileged: true, readOnlyRootFilesystem: true, capabilities: { add: ['NET_ADMIN'], drop: ['ALL'] }, allowPrivilegeEscalation: false })),
    { privileged: true, readonlyRootfs: true, capabilities: { addCapabilities: ['NET_ADMIN'], dropCapabilities: ['ALL'] } },
    'privileged wins over allowPrivilegeEscalation: false',
  );
  assert.deepEqual(linuxSecurityContext(pod(), container({ allowPrivilegeEscalation: false, capabilities: { drop: ['NET_RAW'] } })), {
    noNewPrivs: true,
    capabilities: { dropCapabilities: ['NET_RAW'] },
  });
});

test('runAsNonRoot refuses uid 0 only', () => {
  assert.match(nonRootViolation(pod({ runAsNonRoot: true, runAsUser: 0 }), container()) ?? '', /^container's runAsUser breaks non-root policy/);
  assert.match(nonRootViolation(pod({ runAsUser: 0 }), container({ runAsNonRoot: true })) ?? '', /breaks non-root policy/);
  assert.equal(nonRootViolation(pod({ runAsNonRoot: true, runAsUser: 0 }), container({ runAsUser: 10 })), undefined);
  assert.equal(nonRootViolation(pod({ runAsNonRoot: false, runAsUser: 0 }), container()), undefined);
});
