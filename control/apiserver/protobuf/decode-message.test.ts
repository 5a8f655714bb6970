// The table-driven decoder against bytes stated field by field: zero handling (`one` vs
// `optional`), scalars, packed and unpacked lists, maps, inline structs, merged repeats,
// the value messages (Time, MicroTime, IntOrString, Quantity, FieldsV1), and every way a
// body can be broken.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeMessage } from './decode-message.js';
import { ProtobufDecodeError, type ProtobufErrorCode } from './errors.js';
import { IntOrString, MicroTime, ObjectMeta, Time } from './meta-messages.js';
import { Container, Probe, Volume } from './pod-messages.js';
import { inline, list, map, message as spec, one, optional } from './schema.js';
import { bool, bytes, entry, fixed32, int, message, msg, str, varint } from './test-encoder.js';

const Inner = spec('test.Inner', { 1: one('a', 'string'), 2: one('b', 'int32') });
const Sample = spec('test.Sample', {
  1: one('s', 'string'),
  2: one('i32', 'int32'),
  3: one('i64', 'int64'),
  4: one('flag', 'bool'),
  5: optional('ptrInt', 'int32'),
  6: optional('ptrBool', 'bool'),
  7: optional('ptrString', 'string'),
  8: one('blob', 'bytes'),
  9: list('names', 'string'),
  10: list('nums', 'int64'),
  11: map('labels', 'string'),
  12: map('binary', 'bytes'),
  13: one('inner', Inner),
  14: list('inners', Inner),
  15: inline('embedded', spec('test.Embedded', { 1: one('e', 'string') })),
  16: one('port', IntOrString),
  17: optional('maxSurge', IntOrString),
  18: one('at', Time),
  19: one('micro', MicroTime),
  20: list('times', Time),
});

const cases: Array<{ name: string; bytes: Uint8Array; want: Record<string, unknown> }> = [
  { name: 'empty message', bytes: message(), want: {} },
  {
    name: 'scalars',
    bytes: message(str(1, 'héllo'), int(2, -5), int(3, 1234567890123), bool(4, true), bytes(8, Buffer.from([0, 1, 255]))),
    want: { s: 'héllo', i32: -5, i64: 1234567890123, flag: true, blob: 'AAH/' },
  },
  {
    name: 'zeros in non-pointer fields mean unset, as omitempty leaves them out of JSON',
    bytes: message(str(1, ''), int(2, 0), int(3, 0), bool(4, false), bytes(8, new Uint8Array(0))),
    want: {},
  },
  {
    name: 'zeros in pointer fields are real values',
    bytes: message(int(5, 0), bool(6, false), str(7, '')),
    want: { ptrInt: 0, ptrBool: false, ptrString: '' },
  },
  { name: 'the last occurrence of a scalar wins', bytes: message(str(1, 'a'), str(1, 'b'), int(2, 3), int(2, 0)), want: { s: 'b' } },
  { name: 'negative int32 as a 10-byte varint', bytes: message(int(2, -2147483648)), want: { i32: -2147483648 } },
  { name: 'negative int64', bytes: message(int(3, -42)), want: { i64: -42 } },
  { name: 'repeated strings keep order and empty entries', bytes: message(str(9, 'a'), str(9, ''), str(9, 'c')), want: { names: ['a', '', 'c'] } },
  {
    name: 'repeated int64, unpacked and packed',
    bytes: message(int(10, 1), bytes(10, Buffer.concat([varint(2), varint(300)])), int(10, -1)),
    want: { nums: [1, 2, 300, -1] },
  },
  {
    name: 'maps, with a missing value as the zero value and __proto__ as an ordinary key',
    bytes: message(entry(11, 'app', 'web'), msg(11, str(1, 'empty')), entry(11, '__proto__', 'x'), msg(12, str(1, 'k'), bytes(2, Buffer.from('hi')))),
    want: { labels: JSON.parse('{"app":"web","empty":"","__proto__":"x"}'), binary: { k: 'aGk=' } },
  },
  { name: 'an empty nested message is kept, as JSON keeps a present struct', bytes: message(msg(13)), want: { inner: {} } },
  {
    name: 'a repeated occurrence of a message field merges into the first',
    bytes: message(msg(13, str(1, 'x')), msg(13, int(2, 7))),
    want: { inner: { a: 'x', b: 7 } },
  },
  { name: 'lists of messages', bytes: message(msg(14, str(1, 'a')), msg(14)), want: { inners: [{ a: 'a' }, {}] } },
  { name: 'an inline (embedded) struct lands in the parent', bytes: message(msg(15, str(1, 'flat')), str(1, 'x')), want: { e: 'flat', s: 'x' } },
  { name: 'IntOrString int', bytes: message(msg(16, int(1, 0), int(2, 8080), str(3, ''))), want: { port: 8080 } },
  { name: 'IntOrString string', bytes: message(msg(16, int(1, 1), int(2, 0), str(3, 'http'))), want: { port: 'http' } },
  { name: 'IntOrString zero in a non-pointer field is unset', bytes: message(msg(16, int(1, 0), int(2, 0))), want: {} },
  { name: 'IntOrString zero in a pointer field is kept', bytes: message(msg(17, int(1, 0), int(2, 0))), want: { maxSurge: 0 } },
  { name: 'IntOrString percentage', bytes: message(msg(17, int(1, 1), str(3, '25%'))), want: { maxSurge: '25%' } },
  {
    name: 'Time to the second, MicroTime to the microsecond',
    bytes: message(msg(18, int(1, 1700000000), int(2, 999)), msg(19, int(1, 1700000000), int(2, 123456789))),
    want: { at: '2023-11-14T22:13:20Z', micro: '2023-11-14T22:13:20.123456Z' },
  },
  { name: 'the zero Time is left out (JSON null)', bytes: message(msg(18)), want: {} },
  { name: 'a zero Time inside a list is null', bytes: message(msg(20), msg(20, int(1, 1))), want: { times: [null, '1970-01-01T00:00:01Z'] } },
  {
    name: 'unknown fields holding only a zero are skipped (a newer client writing a newer non-pointer field)',
    bytes: message(str(1, 'x'), str(90, ''), int(91, 0), msg(92), bool(93, false)),
    want: { s: 'x' },
  },
];

for (const c of cases) {
  test(`decode: ${c.name}`, () => {
    assert.deepEqual(decodeMessage(c.bytes, Sample), c.want);
  });
}

const failures: Array<{ name: string; bytes: Uint8Array; code: ProtobufErrorCode; message: RegExp }> = [
  { name: 'an unknown field with a value', bytes: message(str(90, 'surprise')), code: 'UnsupportedField', message: /field 90 of test\.Sample is not supported/ },
  { name: 'an unknown varint field with a value', bytes: message(int(91, 3)), code: 'UnsupportedField', message: /field 91/ },
  { name: 'an unknown fixed32 field with a value', bytes: message(fixed32(94)), code: 'UnsupportedField', message: /field 94/ },
  { name: 'an unknown field deep inside', bytes: message(msg(14, str(9, 'x'))), code: 'UnsupportedField', message: /field 9 of test\.Inner/ },
  { name: 'a string sent as a varint', bytes: message(int(1, 5)), code: 'Malformed', message: /test\.Sample\.s \(field 1\) has wire type 0, expected 2/ },
  { name: 'a message sent as a varint', bytes: message(int(13, 5)), code: 'Malformed', message: /wire type 0, expected 2/ },
  { name: 'invalid UTF-8', bytes: message(bytes(1, Buffer.from([0xc3, 0x28]))), code: 'Malformed', message: /not valid UTF-8/ },
  { name: 'a length past the end', bytes: Buffer.concat([Buffer.from([0x0a, 0x05]), Buffer.from('ab')]), code: 'Truncated', message: /runs past the end/ },
  { name: 'a varint cut off', bytes: Buffer.from([0x10, 0xff]), code: 'Truncated', message: /unexpected end/ },
  { name: 'an overlong varint', bytes: Buffer.from([0x10, ...new Array(11).fill(0xff)]), code: 'Malformed', message: /longer than 10 bytes/ },
  { name: 'a group wire type', bytes: Buffer.from([0x0b]), code: 'Malformed', message: /wire type 3/ },
  { name: 'field number 0', bytes: Buffer.from([0x02, 0x00]), code: 'Malformed', message: /field number 0/ },
  { name: 'an int64 past 2^53', bytes: message(int(3, 2n ** 60n)), code: 'UnsupportedField', message: /too large/ },
  { name: 'a lying length inside a nested message', bytes: message(msg(13, Buffer.from([0x0a, 0x09]))), code: 'Truncated', message: /test\.Inner/ },
];

for (const f of failures) {
  test(`refuse: ${f.name}`, () => {
    assert.throws(
      () => decodeMessage(f.bytes, Sample),
      (err: unknown) => err instanceof ProtobufDecodeError && err.code === f.code && f.message.test(err.message),
    );
  });
}

test('ObjectMeta: labels, annotations, owner references, finalizers, the zero creationTimestamp left out', () => {
  const bytesIn = message(
    str(1, 'web'),
    str(2, ''),
    str(3, 'prod'),
    int(7, 0),
    msg(8),
    entry(11, 'app', 'web'),
    entry(12, 'note', 'a b'),
    msg(13, str(1, 'ReplicaSet'), str(3, 'web-1'), str(4, 'u-1'), str(5, 'apps/v1'), bool(6, true), bool(7, false)),
    str(14, 'example.com/keep'),
    int(10, 0),
  );
  assert.deepEqual(decodeMessage(bytesIn, ObjectMeta), {
    name: 'web',
    namespace: 'prod',
    labels: { app: 'web' },
    annotations: { note: 'a b' },
    ownerReferences: [{ kind: 'ReplicaSet', name: 'web-1', uid: 'u-1', apiVersion: 'apps/v1', controller: true, blockOwnerDeletion: false }],
    finalizers: ['example.com/keep'],
    deletionGracePeriodSeconds: 0,
  });
});

test('Container: env from sources with inline references, resources as Quantity strings, probes with inline handlers', () => {
  const bytesIn = message(
    str(1, 'app'),
    str(2, 'busybox:1.36'),
    msg(6, str(1, 'http'), int(3, 8080), str(4, 'TCP')),
    msg(7, str(1, 'MODE'), str(2, 'fast')),
    msg(7, str(1, 'POD'), msg(3, msg(1, str(1, 'v1'), str(2, 'metadata.name')))),
    msg(7, str(1, 'PW'), msg(3, msg(4, msg(1, str(1, 'creds')), str(2, 'password'), bool(3, false)))),
    msg(19, str(1, 'CFG_'), msg(2, msg(1, str(1, 'settings')))),
    msg(8, msg(1, str(1, 'cpu'), msg(2, str(1, '500m'))), msg(2, str(1, 'memory'), msg(2, str(1, '64Mi')))),
    msg(9, str(1, 'data'), str(3, '/data'), bool(2, true)),
    msg(10, msg(1, msg(2, str(1, '/healthz'), msg(2, int(1, 1), str(3, 'http')))), int(4, 10), int(6, 3)),
    msg(11, msg(1, msg(1, str(1, 'cat'), str(1, '/tmp/ready')))),
    msg(12, msg(2, msg(4, int(1, 5))), str(3, 'SIGUSR1')),
    msg(15, bool(2, false), int(4, 1000), msg(1, str(2, 'ALL'))),
    str(14, 'IfNotPresent'),
    bool(16, false),
  );
  assert.deepEqual(decodeMessage(bytesIn, Container), {
    name: 'app',
    image: 'busybox:1.36',
    ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
    env: [
      { name: 'MODE', value: 'fast' },
      { name: 'POD', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
      { name: 'PW', valueFrom: { secretKeyRef: { name: 'creds', key: 'password', optional: false } } },
    ],
    envFrom: [{ prefix: 'CFG_', configMapRef: { name: 'settings' } }],
    resources: { limits: { cpu: '500m' }, requests: { memory: '64Mi' } },
    volumeMounts: [{ name: 'data', mountPath: '/data', readOnly: true }],
    livenessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 10, failureThreshold: 3 },
    readinessProbe: { exec: { command: ['cat', '/tmp/ready'] } },
    lifecycle: { preStop: { sleep: { seconds: 5 } }, stopSignal: 'SIGUSR1' },
    securityContext: { privileged: false, runAsUser: 1000, capabilities: { drop: ['ALL'] } },
    imagePullPolicy: 'IfNotPresent',
  });
});

test('Volume: the source is inline beside the name; configMap keeps its inline name and pointer fields', () => {
  const cm = message(str(1, 'cfg'), msg(2, msg(19, msg(1, str(1, 'settings')), msg(2, str(1, 'a'), str(2, 'a.txt')), int(3, 0o644))));
  assert.deepEqual(decodeMessage(cm, Volume), { name: 'cfg', configMap: { name: 'settings', items: [{ key: 'a', path: 'a.txt' }], defaultMode: 0o644 } });
  const empty = message(str(1, 'scratch'), msg(2, msg(2, str(1, ''), msg(2, str(1, '1Gi')))));
  assert.deepEqual(decodeMessage(empty, Volume), { name: 'scratch', emptyDir: { sizeLimit: '1Gi' } });
  // A volume source without a table (NFS, field 7) is refused rather than dropped.
  assert.throws(() => decodeMessage(message(str(1, 'n'), msg(2, msg(7, str(1, 'server')))), Volume), /field 7 of core\.v1\.VolumeSource/);
});

test('Probe: tcpSocket by number, grpc with a pointer service', () => {
  const p = message(msg(1, msg(3, msg(1, int(2, 5432)))), int(2, 0), int(3, 1));
  assert.deepEqual(decodeMessage(p, Probe), { tcpSocket: { port: 5432 }, timeoutSeconds: 1 });
  const g = message(msg(1, msg(4, int(1, 9090), str(2, ''))));
  assert.deepEqual(decodeMessage(g, Probe), { grpc: { port: 9090, service: '' } });
});

test('FieldsV1 in managedFields becomes the JSON it carries', () => {
  const raw = Buffer.from('{"f:data":{"f:a":{}}}');
  const meta = message(str(1, 'x'), msg(17, str(1, 'kubectl'), str(2, 'Update'), str(6, 'FieldsV1'), msg(7, bytes(1, raw)), msg(4, int(1, 1))));
  assert.deepEqual(decodeMessage(meta, ObjectMeta), {
    name: 'x',
    managedFields: [{ manager: 'kubectl', operation: 'Update', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:a': {} } }, time: '1970-01-01T00:00:01Z' }],
  });
  const bad = message(msg(17, msg(7, bytes(1, Buffer.from('{not json')))));
  assert.throws(() => decodeMessage(bad, ObjectMeta), /does not hold JSON/);
});
