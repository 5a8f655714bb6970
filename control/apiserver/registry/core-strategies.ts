// Strategies of the simple built-in types: namespaces, nodes, leases, events. (Pods have
// their own file: their defaulting and validation are most of what users meet.)

import { resources } from '../../../api/resources.js';
import type { KubeObject, Namespace, Node, StatusCause } from '../../../api/types.js';
import { validateObjectMeta } from '../../../api/validation/object-meta.js';
import { toCauses } from './causes.js';
import { leaseSchema, namespaceSchema, nodeSchema } from './schema/kinds.js';
import { keepAllButStatus, keepStatus } from './status-strategy.js';
import { nodeFieldGetter } from './pod-strategy.js';
import { eventTable, leaseTable, namespaceTable, nodeTable } from './printers/index.js';
import type { Strategy } from './strategy.js';

function metaCauses(obj: KubeObject, namespaced: boolean, nameRule: 'subdomain' | 'label'): StatusCause[] {
  return toCauses(validateObjectMeta(obj.metadata, { namespaced, nameRule }));
}

export const namespaceStrategy: Strategy = {
  type: resources.namespaces,
  schema: namespaceSchema,
  defaults(obj) {
    const ns = obj as Namespace;
    ns.metadata.labels = { ...(ns.metadata.labels ?? {}), 'kubernetes.io/metadata.name': ns.metadata.name ?? '' };
    ns.spec = { finalizers: ['kubernetes'], ...(ns.spec ?? {}) };
  },
  prepareForCreate(obj) {
    (obj as Namespace).status = { phase: 'Active' };
  },
  prepareForUpdate: keepStatus,
  prepareForStatusUpdate: keepAllButStatus,
  validate: (obj) => metaCauses(obj, false, 'label'),
  table: namespaceTable,
  // Deleting a namespace makes it Terminating; the namespace controller deletes what is in
  // it and then empties spec.finalizers through /finalize, and the namespace goes.
  holdsDeletion: (obj) => ((obj as Namespace).spec?.finalizers?.length ?? 0) > 0,
  beginDeletion(obj) {
    (obj as Namespace).status = { ...((obj as Namespace).status ?? {}), phase: 'Terminating' };
  },
  prepareForFinalizeUpdate(obj, old) {
    const finalizers = (obj as Namespace).spec?.finalizers;
    keepAllButStatus(obj, old);
    (obj as Namespace).status = structuredClone((old as Namespace).status ?? {});
    (obj as Namespace).spec = { ...((old as Namespace).spec ?? {}), ...(finalizers ? { finalizers } : {}) };
    if (!finalizers) delete (obj as Namespace).spec!.finalizers;
  },
};

export const nodeStrategy: Strategy = {
  type: resources.nodes,
  schema: nodeSchema,
  // Kubernetes always serves a Node with a spec (its Go struct is never nil), and readers
  // such as the node lifecycle controller rely on it.
  defaults(obj) {
    if (!obj['spec'] || typeof obj['spec'] !== 'object') obj['spec'] = {};
  },
  prepareForUpdate: keepStatus,
  prepareForStatusUpdate: keepAllButStatus,
  validate: (obj) => metaCauses(obj, false, 'subdomain'),
  fields: { names: ['spec.unschedulable'], getter: (obj) => nodeFieldGetter(obj as Node) },
  table: nodeTable,
};

export const leaseStrategy: Strategy = {
  type: resources.leases,
  schema: leaseSchema,
  validate: (obj) => metaCauses(obj, true, 'subdomain'),
  table: leaseTable,
};

const eventFields = [
  'involvedObject.kind',
  'involvedObject.namespace',
  'involvedObject.name',
  'involvedObject.uid',
  'involvedObject.apiVersion',
  'involvedObject.resourceVersion',
  'involvedObject.fieldPath',
  'reason',
  'reportingComponent',
  'source',
  'type',
];

export const eventStrategy: Strategy = {
  type: resources.events,
  validate: (obj) => metaCauses(obj, true, 'subdomain'),
  table: eventTable,
  fields: {
    names: eventFields,
    getter: (obj) => (field) => {
      if (field === 'source') return String((obj['source'] as { component?: string } | undefined)?.component ?? '');
      const [head, tail] = field.split('.');
      const v = tail ? (obj[head!] as Record<string, unknown> | undefined)?.[tail] : obj[head!];
      return v === undefined ? '' : String(v);
    },
  },
};
