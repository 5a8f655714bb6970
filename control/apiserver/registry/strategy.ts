// A strategy is everything type-specific about storing one resource, as in the Kubernetes
// API server's registry: defaulting, validation, what an update of the main resource vs
// the status subresource may change, which fields selectors can use, and how to print a
// Table. The generic storage (storage.ts) does the rest the same way for every type.

import type { ResourceType } from '../../../api/resources.js';
import type { KubeObject, Table } from '../../../api/types.js';
import type { StatusCause } from '../../../api/types.js';
import type { Schema } from './schema/schema.js';

export type FieldGetter = (obj: KubeObject) => (field: string) => string | undefined;

export interface TableConversion {
  columnDefinitions: Table['columnDefinitions'];
  rows: (objects: KubeObject[], now: Date) => Table['rows'];
}

export interface Strategy {
  type: ResourceType;
  /** The kind's JSON shape, checked before anything else (decode-time types, unknown fields). */
  schema?: Schema;
  /** Applies defaults to a new object (and to the object of an update). */
  defaults?(obj: KubeObject): void;
  /** Clears/sets server-owned fields on create (e.g. status of a new pod). */
  prepareForCreate?(obj: KubeObject): void;
  /** On update of the main resource: keep what this verb may not change (e.g. status). */
  prepareForUpdate?(obj: KubeObject, old: KubeObject): void;
  /** On update of the status subresource: keep everything but status. */
  prepareForStatusUpdate?(obj: KubeObject, old: KubeObject): void;
  validate?(obj: KubeObject): StatusCause[];
  validateUpdate?(obj: KubeObject, old: KubeObject): StatusCause[];
  /** Fields selectors may use; metadata.name / metadata.namespace always work. */
  fields?: { names: readonly string[]; aliases?: Readonly<Record<string, string>>; getter: FieldGetter };
  table?: TableConversion;
  /**
   * Graceful deletion: the grace period to apply, or 0 for an immediate delete.
   * Types without one are deleted at once (unless finalizers hold them).
   */
  gracePeriod?(obj: KubeObject, requested: number | undefined): number;
  /**
   * True while something other than metadata.finalizers holds a deleted object (a
   * namespace's spec.finalizers, emptied through /finalize once its content is gone).
   */
  holdsDeletion?(obj: KubeObject): boolean;
  /** Marks the start of a held deletion (e.g. a namespace's phase becomes Terminating). */
  beginDeletion?(obj: KubeObject): void;
  /** On update of the finalize subresource: keep everything but what it may change. */
  prepareForFinalizeUpdate?(obj: KubeObject, old: KubeObject): void;
  /** True when the spec changed, so metadata.generation must be bumped. */
  specChanged?(obj: KubeObject, old: KubeObject): boolean;
}
