// apimachinery messages: the value types with their own JSON form (Time, MicroTime,
// IntOrString, Quantity, FieldsV1) and meta/v1 ObjectMeta, LabelSelector, DeleteOptions.
// Field numbers from k8s.io/apimachinery/pkg/apis/meta/v1/generated.proto,
// pkg/util/intstr/generated.proto and pkg/api/resource/generated.proto.

import { ProtobufDecodeError } from './errors.js';
import { list, map, message, one, optional } from './schema.js';

/** seconds + nanos since the epoch; JSON has RFC 3339, Time to the second, MicroTime to the microsecond. */
function timestamp(decoded: Record<string, unknown>, micro: boolean): string | undefined {
  const seconds = (decoded['seconds'] as number | undefined) ?? 0;
  const nanos = (decoded['nanos'] as number | undefined) ?? 0;
  if (seconds === 0 && nanos === 0) return undefined; // Go's zero time marshals as null
  const date = new Date(seconds * 1000);
  if (Number.isNaN(date.getTime())) throw new ProtobufDecodeError('Malformed', `time ${seconds}s is out of range`);
  const base = date.toISOString().slice(0, 19);
  return micro ? `${base}.${String(Math.floor(nanos / 1000)).padStart(6, '0')}Z` : `${base}Z`;
}

const timeFields = { 1: one('seconds', 'int64'), 2: one('nanos', 'int32') };
export const Time = message('meta.v1.Time', timeFields, (d) => timestamp(d, false));
export const MicroTime = message('meta.v1.MicroTime', timeFields, (d) => timestamp(d, true));

/** type 0 is an int, 1 a string. */
export const IntOrString = message(
  'intstr.IntOrString',
  { 1: one('type', 'int64'), 2: one('intVal', 'int32'), 3: one('strVal', 'string') },
  (d) => (d['type'] === 1 ? (d['strVal'] ?? '') : (d['intVal'] ?? 0)),
);

/** Quantity travels as its canonical string. */
export const Quantity = message('resource.Quantity', { 1: one('string', 'string') }, (d) => d['string'] ?? '0');

/** FieldsV1 carries its JSON as raw bytes. */
export const FieldsV1 = message('meta.v1.FieldsV1', { 1: one('Raw', 'bytes') }, (d) => {
  const raw = d['Raw'];
  if (typeof raw !== 'string') return undefined;
  try {
    return JSON.parse(Buffer.from(raw, 'base64').toString('utf8'));
  } catch {
    throw new ProtobufDecodeError('Malformed', 'meta.v1.FieldsV1 does not hold JSON');
  }
});

export const OwnerReference = message('meta.v1.OwnerReference', {
  5: one('apiVersion', 'string'),
  1: one('kind', 'string'),
  3: one('name', 'string'),
  4: one('uid', 'string'),
  6: optional('controller', 'bool'),
  7: optional('blockOwnerDeletion', 'bool'),
});

export const ManagedFieldsEntry = message('meta.v1.ManagedFieldsEntry', {
  1: one('manager', 'string'),
  2: one('operation', 'string'),
  3: one('apiVersion', 'string'),
  4: optional('time', Time),
  6: one('fieldsType', 'string'),
  7: optional('fieldsV1', FieldsV1),
  8: one('subresource', 'string'),
});

export const ObjectMeta = message('meta.v1.ObjectMeta', {
  1: one('name', 'string'),
  2: one('generateName', 'string'),
  3: one('namespace', 'string'),
  4: one('selfLink', 'string'),
  5: one('uid', 'string'),
  6: one('resourceVersion', 'string'),
  7: one('generation', 'int64'),
  8: one('creationTimestamp', Time),
  9: optional('deletionTimestamp', Time),
  10: optional('deletionGracePeriodSeconds', 'int64'),
  11: map('labels', 'string'),
  12: map('annotations', 'string'),
  13: list('ownerReferences', OwnerReference),
  14: list('finalizers', 'string'),
  17: list('managedFields', ManagedFieldsEntry),
});

export const LabelSelectorRequirement = message('meta.v1.LabelSelectorRequirement', {
  1: one('key', 'string'),
  2: one('operator', 'string'),
  3: list('values', 'string'),
});

export const LabelSelector = message('meta.v1.LabelSelector', {
  1: map('matchLabels', 'string'),
  2: list('matchExpressions', LabelSelectorRequirement),
});

export const Condition = message('meta.v1.Condition', {
  1: one('type', 'string'),
  2: one('status', 'string'),
  3: one('observedGeneration', 'int64'),
  4: one('lastTransitionTime', Time),
  5: one('reason', 'string'),
  6: one('message', 'string'),
});

export const Preconditions = message('meta.v1.Preconditions', {
  1: optional('uid', 'string'),
  2: optional('resourceVersion', 'string'),
});

export const DeleteOptions = message('meta.v1.DeleteOptions', {
  1: optional('gracePeriodSeconds', 'int64'),
  2: optional('preconditions', Preconditions),
  3: optional('orphanDependents', 'bool'),
  4: optional('propagationPolicy', 'string'),
  5: list('dryRun', 'string'),
  6: optional('ignoreStoreReadErrorWithClusterBreakingPotential', 'bool'),
});

