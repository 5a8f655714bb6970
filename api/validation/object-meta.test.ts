import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ObjectMeta } from '../types.js';
import { fieldErrorString } from './field-error.js';
import { validateObjectMeta, validateObjectMetaUpdate, type ObjectMetaRules } from './object-meta.js';

const SUBDOMAIN =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const NAME_PART =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

const namespaced: ObjectMetaRules = { namespaced: true };
const clusterScoped: ObjectMetaRules = { namespaced: false };

describe('validateObjectMeta', () => {
  const cases: { name: string; meta: ObjectMeta; rules: ObjectMetaRules; want: string[] }[] = [
    { name: 'valid', meta: { name: 'web', namespace: 'default', labels: { app: 'web' } }, rules: namespaced, want: [] },
    { name: 'generateName alone is enough', meta: { generateName: 'web-', namespace: 'default' }, rules: namespaced, want: [] },
    { name: 'no name', meta: { namespace: 'default' }, rules: namespaced, want: ['metadata.name: Required value: name or generateName is required'] },
    { name: 'bad name', meta: { name: 'Web', namespace: 'default' }, rules: namespaced, want: [`metadata.name: Invalid value: "Web": ${SUBDOMAIN}`] },
    {
      name: 'bad generateName',
      meta: { generateName: 'Web-', namespace: 'default' },
      rules: namespaced,
      want: [`metadata.generateName: Invalid value: "Web-": ${SUBDOMAIN}`],
    },
    { name: 'label-named type', meta: { name: 'a.b' }, rules: { namespaced: false, nameRule: 'label' }, want: ['metadata.name: Invalid value: "a.b": must not contain dots'] },
    { name: 'namespace required', meta: { name: 'web' }, rules: namespaced, want: ['metadata.namespace: Required value'] },
    { name: 'namespace is a label', meta: { name: 'web', namespace: 'Prod' }, rules: namespaced, want: [`metadata.namespace: Invalid value: "Prod": ${LABEL}`] },
    { name: 'namespace on cluster type', meta: { name: 'n1', namespace: 'x' }, rules: clusterScoped, want: ['metadata.namespace: Forbidden: not allowed on this type'] },
    {
      name: 'labels',
      meta: { name: 'web', namespace: 'd', labels: { 'bad key': 'ok', good: '-bad' } },
      rules: namespaced,
      want: [
        `metadata.labels: Invalid value: "bad key": ${NAME_PART}`,
        `metadata.labels: Invalid value: "-bad": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`,
      ],
    },
    { name: 'annotation keys ignore case', meta: { name: 'web', namespace: 'd', annotations: { 'Example.COM/Note': 'x' } }, rules: namespaced, want: [] },
    {
      name: 'annotations too big',
      meta: { name: 'web', namespace: 'd', annotations: { a: 'x'.repeat(256 * 1024) } },
      rules: namespaced,
      want: ['metadata.annotations: Too long: must have at most 262144 bytes'],
    },
    {
      name: 'finalizers',
      meta: { name: 'web', namespace: 'd', finalizers: ['kubernetes', 'example.com/cleanup', 'cleanup'] },
      rules: namespaced,
      want: ['metadata.finalizers[2]: Invalid value: "cleanup": name is neither a standard finalizer name nor is it fully qualified'],
    },
    {
      name: 'conflicting finalizers',
      meta: { name: 'web', namespace: 'd', finalizers: ['orphan', 'foregroundDeletion'] },
      rules: namespaced,
      want: ['metadata.finalizers: Invalid value: []string{"orphan", "foregroundDeletion"}: finalizer orphan and foregroundDeletion cannot be both set'],
    },
    {
      name: 'owner references',
      meta: {
        name: 'web',
        namespace: 'd',
        ownerReferences: [
          { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: '1', controller: true },
          { apiVersion: '', kind: '', name: '', uid: '', controller: true },
        ],
      },
      rules: namespaced,
      want: [
        'metadata.ownerReferences.apiVersion: Invalid value: "": version must not be empty',
        'metadata.ownerReferences.kind: Invalid value: "": must not be empty',
        'metadata.ownerReferences.name: Invalid value: "": must not be empty',
        'metadata.ownerReferences.uid: Invalid value: "": must not be empty',
        'metadata.ownerReferences: Invalid value: [{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"rs","uid":"1","controller":true},{"apiVersion":"","kind":"","name":"","uid":"","controller":true}]: Only one reference can have Controller set to true. Found "true" in references for ReplicaSet/rs and /',
      ],
    },
    { name: 'negative generation', meta: { name: 'web', namespace: 'd', generation: -1 }, rules: namespaced, want: ['metadata.generation: Invalid value: -1: must be greater than or equal to 0'] },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(validateObjectMeta(c.meta, c.rules).map(fieldErrorString), c.want));
  }
});

describe('validateObjectMetaUpdate', () => {
  const old: ObjectMeta = { name: 'web', namespace: 'd', uid: 'u1', creationTimestamp: '2024-01-01T00:00:00Z', generation: 2, finalizers: ['a.io/x'] };
  const cases: { name: string; next: ObjectMeta; old: ObjectMeta; want: string[] }[] = [
    { name: 'unchanged', next: { ...old }, old, want: [] },
    { name: 'rename', next: { ...old, name: 'other' }, old, want: ['metadata.name: Invalid value: "other": field is immutable'] },
    { name: 'generation back', next: { ...old, generation: 1 }, old, want: ['metadata.generation: Invalid value: 1: must not be decremented'] },
    {
      name: 'finalizer added while deleting',
      next: { ...old, deletionTimestamp: 't', finalizers: ['a.io/x', 'b.io/y'] },
      old: { ...old, deletionTimestamp: 't' },
      want: ['metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"b.io/y"}'],
    },
    { name: 'finalizer removed while deleting', next: { ...old, deletionTimestamp: 't', finalizers: [] }, old: { ...old, deletionTimestamp: 't' }, want: [] },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(validateObjectMetaUpdate(c.next, c.old).map(fieldErrorString), c.want));
  }
});
