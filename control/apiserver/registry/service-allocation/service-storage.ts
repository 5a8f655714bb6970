// Service storage that allocates: the generic storage with the cluster IP and node port
// allocation wrapped around create, update and delete. A rejected or failed write gives
// back what it took, so rejections leave both the store and the ranges as they were.

import type { Service } from '../../../../api/service-types.js';
import type { DeleteOptions, KubeObject } from '../../../../api/types.js';
import type { Store } from '../../../store/store.js';
import { ResourceStorage, type StorageContext, type WriteOptions } from '../storage.js';
import type { Strategy } from '../strategy.js';
import type { Allocation, ServiceAllocator } from './service-allocator.js';

export class ServiceStorage extends ResourceStorage {
  constructor(
    store: Store,
    strategy: Strategy,
    context: StorageContext,
    readonly allocator: ServiceAllocator,
  ) {
    super(store, strategy, context);
  }

  /** Derives the allocations from the stored Services (at start, before serving). */
  async restoreAllocations(): Promise<{ service: string; problems: string[] }[]> {
    const conflicts: { service: string; problems: string[] }[] = [];
    const list = await this.list(undefined, {});
    for (const obj of list.items) {
      const problems = this.allocator.restore(obj as Service);
      if (problems.length) conflicts.push({ service: `${obj.metadata.namespace}/${obj.metadata.name}`, problems });
    }
    return conflicts;
  }

  override async create(namespace: string | undefined, obj: KubeObject, opts: WriteOptions = {}): Promise<KubeObject> {
    const allocation = this.allocator.allocate(obj as Service, undefined);
    try {
      const created = await super.create(namespace, obj, opts);
      if (opts.dryRun) allocation.rollback();
      return created;
    } catch (err) {
      allocation.rollback();
      throw err;
    }
  }

  override async guaranteedUpdate(
    namespace: string | undefined,
    name: string,
    mutate: (current: KubeObject) => KubeObject | Promise<KubeObject>,
    opts: WriteOptions & { subresource?: string } = {},
  ): Promise<KubeObject> {
    const subresource = opts.subresource;
    if (subresource === 'status') return super.guaranteedUpdate(namespace, name, mutate, opts);
    // The store write may be retried with fresh data: each attempt gives back what the
    // previous one took before allocating again.
    let pending: Allocation | undefined;
    const allocating = async (current: KubeObject) => {
      pending?.rollback();
      pending = undefined;
      const desired = await mutate(current);
      pending = this.allocator.allocate(desired as Service, current as Service);
      return desired;
    };
    let result: KubeObject;
    try {
      result = await super.guaranteedUpdate(namespace, name, allocating, opts);
    } catch (err) {
      pending?.rollback();
      throw err;
    }
    const done = pending as Allocation | undefined;
    if (opts.dryRun) done?.rollback();
    else done?.commit();
    return result;
  }

  override async delete(namespace: string | undefined, name: string, options: DeleteOptions, opts: WriteOptions = {}): Promise<{ object: KubeObject; deleted: boolean }> {
    const out = await super.delete(namespace, name, options, opts);
    if (out.deleted && !opts.dryRun) this.allocator.release(out.object as Service);
    return out;
  }
}
