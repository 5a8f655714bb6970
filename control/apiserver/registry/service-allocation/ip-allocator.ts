// Cluster IPs out of the service range, as Kubernetes' ipallocator: the network and
// broadcast addresses are never handed out, and the first usable address belongs to the
// `kubernetes` Service in default (only an explicit request may take it). Bookkeeping is
// synchronous, so two concurrent creates can never be given the same address.

import { contains, formatCidr, formatIPv4, parseCidr, parseIPv4, type Cidr } from '../../../../api/cidr.js';

export type AllocateResult = { ok: true } | { ok: false; reason: 'allocated' | 'out-of-range' };

export class ClusterIPAllocator {
  private readonly cidr: Cidr;
  private readonly used = new Set<number>();
  private readonly first: number;
  private readonly last: number;

  constructor(readonly range: string) {
    this.cidr = parseCidr(range);
    const size = 2 ** (32 - this.cidr.prefix);
    // /31 and /32 have no network/broadcast address to spare.
    this.first = size > 2 ? this.cidr.base + 1 : this.cidr.base;
    this.last = size > 2 ? this.cidr.base + size - 2 : this.cidr.base + size - 1;
  }

  get cidrText(): string {
    return formatCidr(this.cidr);
  }

  /** The address of the `kubernetes` Service. */
  get kubernetesIP(): string {
    return formatIPv4(this.first);
  }

  inRange(ip: string): boolean {
    const n = parseIPv4(ip);
    return contains(this.cidr, n) && n >= this.first && n <= this.last;
  }

  has(ip: string): boolean {
    return this.used.has(parseIPv4(ip));
  }

  allocate(ip: string): AllocateResult {
    if (!this.inRange(ip)) return { ok: false, reason: 'out-of-range' };
    const n = parseIPv4(ip);
    if (this.used.has(n)) return { ok: false, reason: 'allocated' };
    this.used.add(n);
    return { ok: true };
  }

  /** A free address picked at random (then scanning up), or undefined when the range is full. */
  allocateNext(random: () => number = Math.random): string | undefined {
    // The reserved first address is left for the `kubernetes` Service.
    const lo = this.first + 1;
    const count = this.last - lo + 1;
    if (count <= 0) return undefined;
    const start = Math.floor(random() * count);
    for (let i = 0; i < count; i++) {
      const n = lo + ((start + i) % count);
      if (!this.used.has(n)) {
        this.used.add(n);
        return formatIPv4(n);
      }
    }
    return undefined;
  }

  release(ip: string): void {
    try {
      this.used.delete(parseIPv4(ip));
    } catch {
      // not an address we could have handed out
    }
  }

  get allocatedCount(): number {
    return this.used.size;
  }
}
