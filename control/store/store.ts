// The store is a revisioned key-value log, the model etcd has and kine maps onto SQL.
// Every successful write takes the next global revision; that revision becomes the object's
// metadata.resourceVersion (the API server stamps it on read, it is never stored inside the
// value). Updates and deletes are compare-and-swap on the key's previous revision. Watches
// replay history from a revision and then stream; history older than the compacted revision
// answers StoreExpiredError, which the API turns into 410 Expired so clients relist.
//
// Two backends implement this interface (SQLite embedded, etcd later) and share one
// conformance suite (store-conformance.ts). Nothing outside a backend knows how it stores.

export interface KeyValue {
  key: string;
  /** The serialized object (JSON text), exactly as written. */
  value: string;
  /** Revision of the write that created this key (etcd's create_revision). */
  createRevision: number;
  /** Revision of the latest write to this key (etcd's mod_revision). */
  modRevision: number;
}

export type StoreEventType = 'put' | 'delete';

export interface StoreEvent {
  type: StoreEventType;
  /** For put: the new value. For delete: the last value before the delete. */
  kv: KeyValue;
  /** True when a put created the key (no live previous value). */
  created: boolean;
  /** Revision of this event (for delete: the revision of the delete itself). */
  revision: number;
}

export interface ListOptions {
  /** Return at most this many keys (0 or undefined: all). */
  limit?: number;
  /** Only keys strictly greater than this (for paging). */
  startAfter?: string;
  /** Read the snapshot at this revision (must not be compacted). 0/undefined: latest. */
  revision?: number;
}

export interface ListResult {
  items: KeyValue[];
  /** The revision the list was read at (the store's revision when undefined was asked). */
  revision: number;
  /** True when more keys follow the last returned one under the prefix. */
  more: boolean;
  /** How many keys follow the returned ones (when known). */
  remaining: number;
}

export interface Watcher {
  /** Stops the watch; pending events are dropped. Idempotent. */
  close(): void;
}

export interface WatchOptions {
  /** Deliver events with revision > afterRevision (history replay first, then live). */
  afterRevision: number;
  onEvent: (event: StoreEvent) => void;
  /** Called once if the watch cannot continue (compacted, store closed, backend error). */
  onError: (err: Error) => void;
}

export interface Store {
  /** Current (latest) revision of the whole store. */
  currentRevision(): Promise<number>;
  /** Oldest revision that can still be watched from / read at. */
  compactedRevision(): Promise<number>;

  get(key: string): Promise<KeyValue | undefined>;
  /** Keys that start with prefix, sorted by key. */
  list(prefix: string, options?: ListOptions): Promise<ListResult>;
  /** Number of live keys under prefix. */
  count(prefix: string): Promise<number>;

  /** Creates key. Throws StoreKeyExistsError if it exists. Returns the new KeyValue. */
  create(key: string, value: string): Promise<KeyValue>;
  /**
   * Replaces key if its modRevision equals expectedRevision.
   * Throws StoreNotFoundError if absent, StoreConflictError on a stale revision.
   */
  update(key: string, value: string, expectedRevision: number): Promise<KeyValue>;
  /**
   * Deletes key (only if modRevision equals expectedRevision when given).
   * Returns the deleted KeyValue with modRevision = the delete's revision.
   */
  delete(key: string, expectedRevision?: number): Promise<KeyValue>;

  /** Watch keys under prefix. */
  watch(prefix: string, options: WatchOptions): Watcher;

  /** Forget history at or below revision (keeps the latest value of every live key). */
  compact(revision: number): Promise<void>;
  /** Ends every watcher with StoreClosedError; later calls reject with it. Idempotent. */
  close(): Promise<void>;
}
