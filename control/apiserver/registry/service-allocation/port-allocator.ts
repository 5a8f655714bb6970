// Node ports out of the node port range (default 30000-32767), as Kubernetes'
// portallocator: a requested port is taken if free, otherwise a random free one.

export type PortAllocateResult = { ok: true } | { ok: false; reason: 'allocated' | 'out-of-range' };

export interface PortRange {
  base: number;
  size: number;
}

export function parsePortRange(text: string): PortRange {
  const m = /^(\d{1,5})-(\d{1,5})$/.exec(text.trim());
  const lo = Number(m?.[1]);
  const hi = Number(m?.[2]);
  if (!m || lo < 1 || hi > 65535 || hi < lo) throw new Error(`invalid port range: ${text} (expected LOW-HIGH within 1-65535)`);
  return { base: lo, size: hi - lo + 1 };
}

export class NodePortAllocator {
  private readonly range: PortRange;
  private readonly used = new Set<number>();

  constructor(readonly rangeText: string) {
    this.range = parsePortRange(rangeText);
  }

  inRange(port: number): boolean {
    return port >= this.range.base && port < this.range.base + this.range.size;
  }

  has(port: number): boolean {
    return this.used.has(port);
  }

  allocate(port: number): PortAllocateResult {
    if (!this.inRange(port)) return { ok: false, reason: 'out-of-range' };
    if (this.used.has(port)) return { ok: false, reason: 'allocated' };
    this.used.add(port);
    return { ok: true };
  }

  allocateNext(random: () => number = Math.random): number | undefined {
    const start = Math.floor(random() * this.range.size);
    for (let i = 0; i < this.range.size; i++) {
      const port = this.range.base + ((start + i) % this.range.size);
      if (!this.used.has(port)) {
        this.used.add(port);
        return port;
      }
    }
    return undefined;
  }

  release(port: number): void {
    this.used.delete(port);
  }
}
