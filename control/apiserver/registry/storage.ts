// Generic storage for one resource type over the revisioned store: the same create / get /
// list / update / delete / watch logic for every type, with the type's Strategy plugged in.
// Objects are stored without metadata.resourceVersion; it is stamped from the store's
// modRevision on the way out, so it can never disagree with the store.

import { randomUUID } from 'node:crypto';
import { ApiError, errors } from '../../../api/errors.js';
import { apiVersionOf, groupResource, type ResourceType } from '../../../api/resources.js';
import type { DeleteOptions, KubeObject, StatusCause } from '../../../api/types.js';
import type { KeyValue, Store } from '../../store/store.js';
import { StoreConflictError, StoreExpiredError, StoreKeyExistsError, StoreNotFoundError } from '../../store/errors.js';
import { generateNameSuffix, objectKey, resourcePrefix, timestamp } from './keys.js';
import { openKind } from './schema/kinds.js';
import { checkSchema, pruneUnknown } from './schema/schema.js';
import type { Strategy } from './strategy.js';

export type Predicate = (obj: KubeObject) => boolean;

export interface ListQuery {
  predicate?: Predicate;
  limit?: number;
  continue?: string;
  /** '' / undefined: latest; '0': any (we serve latest); 'N': exactly at N. */
  resourceVersion?: string;
}

export interface ListOutcome {
  items: KubeObject[];
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export interface WriteOptions {
  dryRun?: boolean;
  /** What to do about fields the kind does not have (Kubernetes' default is Warn). */
  fieldValidation?: FieldValidation;
  /** Collects warnings for the response's Warning headers. */
  warnings?: string[];
}

/** Only the API server writes; these hooks let it react (e.g. the namespace existence check). */
export interface StorageContext {
  namespaceExists(namespace: string): Promise<'active' | 'terminating' | 'missing'>;
}

const MAX_UPDATE_RETRIES = 10;

export class ResourceStorage {
  readonly type: ResourceType;

  constructor(
    private readonly store: Store,
    readonly strategy: Strategy,
    private readonly context: StorageContext,
  ) {
    this.type = strategy.type;
  }

  private ref(name?: string) {
    return { groupResource: groupResource(this.type), name: name ?? '' };
  }

  decode(kv: KeyValue): KubeObject {
    const obj = JSON.parse(kv.value) as KubeObject;
    obj.apiVersion = apiVersionOf(this.type);
    obj.kind = this.type.kind;
    obj.metadata.resourceVersion = String(kv.modRevision);
    return obj;
  }

  private encode(obj: KubeObject): string {
    const { resourceVersion: _rv, ...metadata } = obj.metadata;
    return JSON.stringify({ ...obj, apiVersion: apiVersionOf(this.type), kind: this.type.kind, metadata });
  }

  async get(namespace: string | undefined, name: string): Promise<KubeObject> {
    const kv = await this.store.get(objectKey(this.type, namespace, name));
    if (!kv) throw errors.notFound(this.ref(name));
    return this.decode(kv);
  }

  async list(namespace: string | undefined, q: ListQuery): Promise<ListOutcome> {
    const prefix = resourcePrefix(this.type, namespace);
    let revision: number | undefined;
    let startAfter: string | undefined;
    if (q.continue) {
      const token = decodeContinue(q.continue);
      revision = token.rv;
      startAfter = prefix + token.start;
    } else if (q.resourceVersion && q.resourceVersion !== '0') {
      revision = parseResourceVersion(q.resourceVersion);
    }
    const limit = q.limit && q.limit > 0 ? q.limit : 0;
    const items: KubeObject[] = [];
    let readAt = revision;
    let lastKey: string | undefined = startAfter;
    let more = false;
    // With a predicate, a page of raw keys may yield fewer matches than asked: keep reading
    // (at the same snapshot) until the page is full or the prefix is exhausted.
    for (;;) {
      let res;
      try {
        res = await this.store.list(prefix, {
          ...(limit ? { limit: limit - items.length } : {}),
          ...(lastKey ? { startAfter: lastKey } : {}),
          ...(readAt ? { revision: readAt } : {}),
        });
      } catch (err) {
        if (err instanceof StoreExpiredError) {
          throw errors.expired(
            q.continue
              ? 'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.'
              : `Timeout: Too large resource version: ${revision}, current: ${err.compacted}`,
          );
        }
        throw err;
      }
      readAt = res.revision;
      for (const kv of res.items) {
        lastKey = kv.key;
        const obj = this.decode(kv);
        if (!q.predicate || q.predicate(obj)) items.push(obj);
      }
      more = res.more;
      if (!limit || !more || items.length >= limit) break;
    }
    const out: ListOutcome = { items, resourceVersion: String(readAt) };
    if (limit && more && lastKey) {
      out.continue = encodeContinue(readAt ?? 0, lastKey.slice(prefix.length));
    }
    return out;
  }

  /**
   * The decode step: a field of the wrong JSON type is a 400 naming it (validation then only
   * sees well-shaped objects); unknown fields are refused, warned about or ignored.
   */
  private checkShape(obj: KubeObject, opts: WriteOptions): void {
    const schema = this.strategy.schema ?? openKind(this.type.kind);
    const problems = checkSchema(obj, schema, '');
    const kind = this.type.kind;
    const wrongType = problems.find((p) => p.kind === 'type');
    if (wrongType) throw errors.badRequest(`${kind} in version "${this.type.version}" cannot be handled as a ${kind}: ${wrongType.message}`);
    const unknown = problems.filter((p) => p.kind === 'unknown').map((p) => p.message);
    if (unknown.length === 0) return;
    const mode = opts.fieldValidation ?? 'Warn';
    if (mode === 'Strict') throw errors.badRequest(`${kind} in version "${this.type.version}" cannot be handled as a ${kind}: strict decoding error: ${unknown.join(', ')}`);
    if (mode === 'Warn') opts.warnings?.push(...unknown);
    pruneUnknown(obj, schema);
  }

  /**
   * Strategy hooks work on what the client sent; should one still trip over an input shape
   * the schema does not describe, that is the client's malformed object, not a 500.
   */
  private guarded<T>(obj: KubeObject, fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if (err instanceof ApiError) throw err;
      const kind = this.type.kind;
      throw errors.badRequest(`${kind} in version "${this.type.version}" cannot be handled as a ${kind}: ${(err as Error).message}`);
    }
  }

  private validationError(obj: KubeObject, causes: StatusCause[]): never {
    throw errors.invalid(this.type.kind, obj.metadata.name ?? obj.metadata.generateName ?? '', causes, this.type.group || undefined);
  }

  async create(namespace: string | undefined, obj: KubeObject, opts: WriteOptions = {}): Promise<KubeObject> {
    this.checkShape(obj, opts);
    const meta = obj.metadata;
    if (this.type.namespaced) {
      if (meta.namespace && namespace && meta.namespace !== namespace) {
        throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      meta.namespace = namespace ?? meta.namespace ?? 'default';
      const ns = await this.context.namespaceExists(meta.namespace);
      if (ns === 'missing') throw errors.notFound({ groupResource: 'namespaces', name: meta.namespace });
      if (ns === 'terminating') {
        throw errors.forbidden(
          `${this.type.resource} "${meta.name ?? ''}" is forbidden: unable to create new content in namespace ${meta.namespace} because it is being terminated`,
        );
      }
    } else {
      delete meta.namespace;
    }
    if (!meta.name && meta.generateName) meta.name = meta.generateName + generateNameSuffix();
    delete meta.resourceVersion;
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    meta.uid = randomUUID();
    meta.creationTimestamp = timestamp();
    meta.generation = 1;
    const causes = this.guarded(obj, () => {
      this.strategy.prepareForCreate?.(obj);
      this.strategy.defaults?.(obj);
      return this.strategy.validate?.(obj) ?? [];
    });
    // Strategies report a missing name themselves; this catches one that does not.
    if (!meta.name && causes.length === 0) causes.unshift({ reason: 'FieldValueRequired', message: 'name or generateName is required', field: 'metadata.name' });
    if (causes.length) this.validationError(obj, causes);
    if (opts.dryRun) return obj;
    try {
      const kv = await this.store.create(objectKey(this.type, meta.namespace, meta.name!), this.encode(obj));
      return this.decode(kv);
    } catch (err) {
      if (err instanceof StoreKeyExistsError) throw errors.alreadyExists(this.ref(meta.name));
      throw err;
    }
  }

  /**
   * Read-modify-write with compare-and-swap: `mutate` gets a private copy of the current
   * object and returns the desired one. A stale write (someone else updated in between) is
   * retried with fresh data unless the caller pinned a resourceVersion, which then answers
   * 409 Conflict as Kubernetes does.
   */
  async guaranteedUpdate(
    namespace: string | undefined,
    name: string,
    mutate: (current: KubeObject) => KubeObject | Promise<KubeObject>,
    opts: WriteOptions & { subresource?: string } = {},
  ): Promise<KubeObject> {
    const key = objectKey(this.type, namespace, name);
    for (let attempt = 0; ; attempt++) {
      const kv = await this.store.get(key);
      if (!kv) throw errors.notFound(this.ref(name));
      const current = this.decode(kv);
      const desired = await mutate(this.decode(kv));
      const pinned = desired.metadata.resourceVersion;
      if (pinned && pinned !== current.metadata.resourceVersion) {
        throw errors.conflict(this.ref(name), 'the object has been modified; please apply your changes to the latest version and try again');
      }
      this.checkShape(desired, opts);
      const next = this.guarded(desired, () => this.prepareUpdate(desired, current, opts.subresource));
      if (opts.dryRun) return next;
      if (this.shouldFinalize(next)) return this.deleteNow(key, kv.modRevision);
      if (this.encode(next) === this.encode(current)) return current; // no-op: no new revision
      try {
        return this.decode(await this.store.update(key, this.encode(next), kv.modRevision));
      } catch (err) {
        if (err instanceof StoreConflictError && !pinned && attempt < MAX_UPDATE_RETRIES) continue;
        if (err instanceof StoreConflictError) {
          throw errors.conflict(this.ref(name), 'the object has been modified; please apply your changes to the latest version and try again');
        }
        if (err instanceof StoreNotFoundError) throw errors.notFound(this.ref(name));
        throw err;
      }
    }
  }

  private prepareUpdate(desired: KubeObject, current: KubeObject, subresource?: string): KubeObject {
    const next = desired;
    const meta = next.metadata;
    const cur = current.metadata;
    if (meta.name !== undefined && meta.name !== cur.name) {
      this.validationError(next, [{ reason: 'FieldValueInvalid', field: 'metadata.name', message: `Invalid value: "${meta.name}": field is immutable` }]);
    }
    // Server-owned metadata always comes from the stored object.
    meta.name = cur.name!;
    if (this.type.namespaced) meta.namespace = cur.namespace!;
    else delete meta.namespace;
    if (meta.uid && meta.uid !== cur.uid) {
      throw errors.conflict(this.ref(cur.name), `Precondition failed: UID in precondition: ${meta.uid}, UID in object meta: ${cur.uid}`);
    }
    meta.uid = cur.uid!;
    meta.creationTimestamp = cur.creationTimestamp!;
    meta.generation = cur.generation ?? 1;
    if (cur.deletionTimestamp) {
      meta.deletionTimestamp = cur.deletionTimestamp;
      if (cur.deletionGracePeriodSeconds !== undefined) meta.deletionGracePeriodSeconds = cur.deletionGracePeriodSeconds;
    } else {
      delete meta.deletionTimestamp;
      delete meta.deletionGracePeriodSeconds;
    }
    if (subresource === 'binding') {
      // The binding subresource is the one way spec.nodeName is set; its handler checks it.
      return next;
    }
    if (subresource === 'status') {
      this.strategy.prepareForStatusUpdate?.(next, current);
    } else if (subresource === 'finalize') {
      if (!this.strategy.prepareForFinalizeUpdate) throw errors.methodNotAllowed('the server does not allow this method on the requested resource');
      this.strategy.prepareForFinalizeUpdate(next, current);
    } else {
      this.strategy.prepareForUpdate?.(next, current);
      this.strategy.defaults?.(next);
      const specChanged = this.strategy.specChanged
        ? this.strategy.specChanged(next, current)
        : JSON.stringify(next['spec']) !== JSON.stringify(current['spec']);
      if (specChanged) meta.generation = (cur.generation ?? 1) + 1;
    }
    const causes = [...(this.strategy.validate?.(next) ?? []), ...(this.strategy.validateUpdate?.(next, current) ?? [])];
    if (causes.length) this.validationError(next, causes);
    return next;
  }

  /** An object marked for deletion whose finalizers are all gone (and grace is over) goes. */
  private shouldFinalize(obj: KubeObject): boolean {
    const m = obj.metadata;
    return !!m.deletionTimestamp && (m.finalizers?.length ?? 0) === 0 && (m.deletionGracePeriodSeconds ?? 0) === 0 && !this.strategy.holdsDeletion?.(obj);
  }

  private async deleteNow(key: string, revision: number): Promise<KubeObject> {
    try {
      return this.decode(await this.store.delete(key, revision));
    } catch (err) {
      if (err instanceof StoreNotFoundError) throw errors.notFound(this.ref(key.slice(key.lastIndexOf('/') + 1)));
      if (err instanceof StoreConflictError) {
        throw errors.conflict(this.ref(key.slice(key.lastIndexOf('/') + 1)), 'the object has been modified; please apply your changes to the latest version and try again');
      }
      throw err;
    }
  }

  /**
   * Deletes as Kubernetes does: finalizers or a grace period turn the delete into an update
   * that sets deletionTimestamp (the object stays until they are done); otherwise it goes.
   * Returns the object as it now is and whether it is gone.
   */
  async delete(namespace: string | undefined, name: string, options: DeleteOptions, opts: WriteOptions = {}): Promise<{ object: KubeObject; deleted: boolean }> {
    const key = objectKey(this.type, namespace, name);
    for (let attempt = 0; ; attempt++) {
      const kv = await this.store.get(key);
      if (!kv) throw errors.notFound(this.ref(name));
      const obj = this.decode(kv);
      const pre = options.preconditions;
      if (pre?.uid && pre.uid !== obj.metadata.uid) {
        throw errors.conflict(this.ref(name), `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${obj.metadata.uid}`);
      }
      if (pre?.resourceVersion && pre.resourceVersion !== obj.metadata.resourceVersion) {
        throw errors.conflict(this.ref(name), `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${obj.metadata.resourceVersion}`);
      }
      let grace = this.strategy.gracePeriod ? this.strategy.gracePeriod(obj, options.gracePeriodSeconds) : 0;
      const meta = obj.metadata;
      // A deletion already under way can be shortened, never lengthened.
      if (meta.deletionTimestamp && meta.deletionGracePeriodSeconds !== undefined) grace = Math.min(grace, meta.deletionGracePeriodSeconds);
      // Orphan and Foreground propagation are carried out by the garbage collector, which
      // the finalizer tells what to do before the object may go.
      const propagation = propagationFinalizer(options.propagationPolicy);
      if (propagation && !meta.finalizers?.includes(propagation)) meta.finalizers = [...(meta.finalizers ?? []), propagation];
      const finalizers = meta.finalizers?.length ?? 0;
      const held = this.strategy.holdsDeletion?.(obj) ?? false;
      if (grace === 0 && finalizers === 0 && !held) {
        if (opts.dryRun) return { object: obj, deleted: true };
        try {
          return { object: await this.deleteNow(key, kv.modRevision), deleted: true };
        } catch (err) {
          if (attempt < MAX_UPDATE_RETRIES && (err as { code?: number }).code === 409) continue;
          throw err;
        }
      }
      const unchanged = meta.deletionTimestamp && meta.deletionGracePeriodSeconds === grace && !propagation;
      if (unchanged || opts.dryRun) return { object: obj, deleted: false };
      const deadline = new Date(Date.now() + grace * 1000);
      meta.deletionTimestamp = meta.deletionTimestamp && grace > 0 ? meta.deletionTimestamp : timestamp(deadline);
      meta.deletionGracePeriodSeconds = grace;
      this.strategy.beginDeletion?.(obj);
      delete meta.resourceVersion;
      try {
        return { object: this.decode(await this.store.update(key, this.encode(obj), kv.modRevision)), deleted: false };
      } catch (err) {
        if (err instanceof StoreConflictError && attempt < MAX_UPDATE_RETRIES) continue;
        throw err;
      }
    }
  }
}

function propagationFinalizer(policy: DeleteOptions['propagationPolicy']): string | undefined {
  if (policy === 'Orphan') return 'orphan';
  if (policy === 'Foreground') return 'foregroundDeletion';
  return undefined;
}

interface ContinueToken {
  rv: number;
  start: string;
}

function encodeContinue(rv: number, start: string): string {
  return Buffer.from(JSON.stringify({ v: 'skiff.v1', rv, start })).toString('base64url');
}

function decodeContinue(token: string): ContinueToken {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { v?: string; rv?: unknown; start?: unknown };
    if (parsed.v === 'skiff.v1' && typeof parsed.rv === 'number' && typeof parsed.start === 'string') return { rv: parsed.rv, start: parsed.start };
  } catch {
    // fall through
  }
  throw errors.badRequest('continue key is not valid: invalid continue token');
}

export function parseResourceVersion(rv: string): number {
  if (!/^\d{1,15}$/.test(rv)) {
    throw errors.badRequest(`invalid resource version: ${JSON.stringify(rv)}`);
  }
  return Number(rv);
}
