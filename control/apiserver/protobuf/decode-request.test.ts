// The envelope ("k8s\0" + runtime.Unknown) and the Status each failure becomes: 415 for a
// kind or encoding without a decoder, 400 for broken bodies and fields without a table.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError } from '../../../api/errors.js';
import { decodeBody } from '../http/body.js';
import { decodeProtobufObject, decodeProtobufRequest, PROTOBUF_MEDIA_TYPE } from './decode-request.js';
import { bool, entry, envelope, int, message, msg, str } from './test-encoder.js';

const meta = (name: string) => msg(1, str(1, name));

function statusOf(fn: () => unknown): { code: number; reason: string | undefined; message: string } {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ApiError, `expected an ApiError, got ${String(err)}`);
    return { code: err.code, reason: err.reason, message: err.status.message ?? '' };
  }
  assert.fail('expected a failure');
}

test('apiVersion and kind come from the envelope and lead the object', () => {
  const obj = decodeProtobufObject(envelope('v1', 'ConfigMap', message(meta('c'), entry(2, 'a', 'b'), bool(4, true))));
  assert.deepEqual(obj, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: 'b' }, immutable: true });
  assert.deepEqual(Object.keys(obj).slice(0, 2), ['apiVersion', 'kind']);
});

test('an empty content type in the envelope, or the protobuf one, is accepted', () => {
  const raw = message(meta('n'));
  for (const extra of [[], [str(4, PROTOBUF_MEDIA_TYPE)], [str(3, '')]]) {
    assert.deepEqual(decodeProtobufObject(envelope('v1', 'Namespace', raw, extra)), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'n' } });
  }
});

test('kinds: apps/v1 Deployment with replicas 0 and a rolling update of maxUnavailable 0', () => {
  const spec = msg(2, int(1, 0), msg(4, str(1, 'RollingUpdate'), msg(2, msg(1, int(1, 0), int(2, 0)), msg(2, int(1, 1), str(3, '50%')))));
  const obj = decodeProtobufObject(envelope('apps/v1', 'Deployment', message(meta('d'), spec, msg(3))));
  assert.deepEqual(obj, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'd' },
    spec: { replicas: 0, strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: '50%' } } },
    status: {},
  });
});

test('kinds: DeleteOptions under any group version, autoscaling/v1 Scale, v1 Binding', () => {
  const del = message(int(1, 0), msg(2, str(1, 'uid-1')), str(4, 'Foreground'), str(5, 'All'));
  for (const gv of ['v1', 'apps/v1', 'meta.k8s.io/v1']) {
    assert.deepEqual(decodeProtobufObject(envelope(gv, 'DeleteOptions', del)), {
      apiVersion: gv,
      kind: 'DeleteOptions',
      gracePeriodSeconds: 0,
      preconditions: { uid: 'uid-1' },
      propagationPolicy: 'Foreground',
      dryRun: ['All'],
    });
  }
  assert.deepEqual(decodeProtobufObject(envelope('autoscaling/v1', 'Scale', message(meta('web'), msg(2, int(1, 0))))), {
    apiVersion: 'autoscaling/v1',
    kind: 'Scale',
    metadata: { name: 'web' },
    spec: {},
  });
  assert.deepEqual(decodeProtobufObject(envelope('v1', 'Binding', message(meta('p'), msg(2, str(1, 'Node'), str(3, 'n1'))))), {
    apiVersion: 'v1',
    kind: 'Binding',
    metadata: { name: 'p' },
    target: { kind: 'Node', name: 'n1' },
  });
});

test('415: a kind without a table, an unknown group version, a content encoding', () => {
  for (const body of [
    envelope('v1', 'ResourceQuota', message(meta('q'))),
    envelope('apps/v1beta1', 'Deployment', message(meta('d'))),
    envelope('v1', 'ConfigMap', message(meta('c')), [str(3, 'gzip')]),
    envelope('v1', 'ConfigMap', message(meta('c')), [str(4, 'application/json')]),
  ]) {
    const s = statusOf(() => decodeProtobufRequest(body));
    assert.equal(s.code, 415);
    assert.equal(s.reason, 'UnsupportedMediaType');
    assert.match(s.message, /could not be decoded as application\/vnd\.kubernetes\.protobuf/);
  }
  assert.match(statusOf(() => decodeProtobufRequest(envelope('v1', 'ResourceQuota', message()))).message, /ResourceQuota \(v1\) cannot be sent as protobuf/);
});

test('400: no magic, no kind, broken envelope, truncated object, unknown field', () => {
  const cases: Array<[Buffer, RegExp]> = [
    [Buffer.from('{"kind":"ConfigMap"}'), /does not start with the Kubernetes protobuf prefix/],
    [Buffer.from('k8s'), /does not start with/],
    [envelope('v1', '', message()), /does not name a kind/],
    [Buffer.from('k8s\0\x0a\x10', 'latin1'), /runtime\.Unknown: a field of 16 bytes runs past the end/],
    [Buffer.concat([Buffer.from('k8s\0', 'latin1'), msg(1, int(1, 3))]), /runtime\.TypeMeta/],
    [envelope('v1', 'Secret', Buffer.from([0x0a, 0x7f, 0x0a])), /core\.v1\.Secret: a field of 127 bytes runs past the end/],
    [envelope('v1', 'Secret', message(meta('s'), str(42, 'x'))), /field 42 of core\.v1\.Secret is not supported by this server; send the object as application\/json/],
  ];
  for (const [body, message] of cases) {
    const s = statusOf(() => decodeProtobufRequest(body));
    assert.equal(s.code, 400, message.source);
    assert.equal(s.reason, 'BadRequest');
    assert.match(s.message, message);
  }
});

test('decodeBody dispatches the protobuf media type (with parameters), and an empty body is a 400', () => {
  const body = envelope('v1', 'Namespace', message(meta('n')));
  assert.deepEqual(decodeBody(body, `${PROTOBUF_MEDIA_TYPE}; charset=binary`), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'n' } });
  const s = statusOf(() => decodeBody(Buffer.alloc(0), PROTOBUF_MEDIA_TYPE));
  assert.equal(s.code, 400);
  assert.match(s.message, /empty/);
  // Other unknown media types keep their 415.
  assert.equal(statusOf(() => decodeBody(body, 'application/cbor')).code, 415);
});
