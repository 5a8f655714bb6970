// A vector of compute resources in integers (kube-scheduler's framework.Resource): cpu in
// millicores, memory and ephemeral storage in bytes, everything else that the scheduler
// accounts for (extended resources, hugepages) in whole units.

export const CPU = 'cpu';
export const MEMORY = 'memory';
export const EPHEMERAL_STORAGE = 'ephemeral-storage';
export const PODS = 'pods';

/**
 * Resources kube-scheduler tracks besides cpu, memory and ephemeral-storage: extended
 * resources (domain-prefixed, e.g. nvidia.com/gpu), prefixed native ones, hugepages and
 * attachable volumes. Any other name is ignored, as the scheduler ignores it.
 */
export function isScalarResourceName(name: string): boolean {
  return name.includes('/') || name.startsWith('hugepages-') || name.startsWith('attachable-volumes-');
}

export class Resource {
  milliCPU = 0;
  memory = 0;
  ephemeralStorage = 0;
  /** Allocated lazily: most pods and nodes have no scalar resources. */
  scalar: Map<string, number> | undefined;

  get(name: string): number {
    switch (name) {
      case CPU:
        return this.milliCPU;
      case MEMORY:
        return this.memory;
      case EPHEMERAL_STORAGE:
        return this.ephemeralStorage;
      default:
        return this.scalar?.get(name) ?? 0;
    }
  }

  /** Adds `amount` of a resource; names the scheduler does not account for are dropped. */
  addAmount(name: string, amount: number): void {
    switch (name) {
      case CPU:
        this.milliCPU += amount;
        return;
      case MEMORY:
        this.memory += amount;
        return;
      case EPHEMERAL_STORAGE:
        this.ephemeralStorage += amount;
        return;
      default:
        if (!isScalarResourceName(name)) return;
        this.scalar ??= new Map();
        this.scalar.set(name, (this.scalar.get(name) ?? 0) + amount);
    }
  }

  /** this += sign × other. */
  add(other: Resource, sign: 1 | -1 = 1): void {
    this.milliCPU += sign * other.milliCPU;
    this.memory += sign * other.memory;
    this.ephemeralStorage += sign * other.ephemeralStorage;
    if (other.scalar) {
      for (const [name, amount] of other.scalar) this.addAmount(name, sign * amount);
    }
  }

  isZero(): boolean {
    if (this.milliCPU !== 0 || this.memory !== 0 || this.ephemeralStorage !== 0) return false;
    if (this.scalar) for (const v of this.scalar.values()) if (v !== 0) return false;
    return true;
  }
}
