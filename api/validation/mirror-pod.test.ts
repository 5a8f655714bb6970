import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Pod } from '../types.js';
import { validatePod, validatePodUpdate } from './pod.js';

const pod = (annotations: Record<string, string>, nodeName?: string): Pod =>
  ({
    metadata: { name: 'p', namespace: 'default', annotations },
    spec: { containers: [{ name: 'c', image: 'busybox', terminationMessagePolicy: 'File', imagePullPolicy: 'Always' }], restartPolicy: 'Always', dnsPolicy: 'ClusterFirst', ...(nodeName ? { nodeName } : {}) },
  }) as unknown as Pod;
const MIRROR = 'kubernetes.io/config.mirror';
const messages = (errs: { field: string; message: string }[]) => errs.filter((e) => e.field.includes(MIRROR)).map((e) => `${e.field}: ${e.message}`);

describe('mirror pod annotation', () => {
  it('needs spec.nodeName on create', () => {
    assert.deepEqual(messages(validatePod(pod({ [MIRROR]: 'abc' }))), [`metadata.annotations[${MIRROR}]: Invalid value: "abc": must set spec.nodeName if mirror pod annotation is set`]);
    assert.deepEqual(messages(validatePod(pod({ [MIRROR]: 'abc' }, 'n1'))), []);
  });
  it('may not be added, changed or removed by an update', () => {
    const plain = pod({}, 'n1');
    const mirror = pod({ [MIRROR]: 'abc' }, 'n1');
    assert.deepEqual(messages(validatePodUpdate(mirror, plain)), [`metadata.annotations[${MIRROR}]: Forbidden: may not add mirror pod annotation`]);
    assert.deepEqual(messages(validatePodUpdate(plain, mirror)), [`metadata.annotations[${MIRROR}]: Forbidden: may not remove or update mirror pod annotation`]);
    assert.deepEqual(messages(validatePodUpdate(pod({ [MIRROR]: 'def' }, 'n1'), mirror)), [`metadata.annotations[${MIRROR}]: Forbidden: may not remove or update mirror pod annotation`]);
    assert.deepEqual(messages(validatePodUpdate(mirror, mirror)), []);
  });
});
