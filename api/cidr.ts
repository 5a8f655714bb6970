// IPv4 CIDR arithmetic for pod ranges (the control server cuts per-node ranges out of the
// cluster range; the agent derives its bridge gateway from its range).

export interface Cidr {
  /** Network address as an unsigned 32-bit integer. */
  base: number;
  prefix: number;
}

export function parseIPv4(ip: string): number {
  const parts = ip.split('.');
  if (parts.length !== 4) throw new Error(`invalid IPv4 address: ${ip}`);
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) throw new Error(`invalid IPv4 address: ${ip}`);
    n = n * 256 + Number(p);
  }
  return n >>> 0;
}

export function formatIPv4(n: number): string {
  return [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');
}

export function parseCidr(cidr: string): Cidr {
  const m = /^([\d.]+)\/(\d{1,2})$/.exec(cidr.trim());
  if (!m || Number(m[2]) > 32) throw new Error(`invalid CIDR: ${cidr} (expected a.b.c.d/n)`);
  const prefix = Number(m[2]);
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return { base: (parseIPv4(m[1]!) & mask) >>> 0, prefix };
}

export function formatCidr(c: Cidr): string {
  return `${formatIPv4(c.base)}/${c.prefix}`;
}

/** The i-th subnet of size /subPrefix inside c, or undefined past the end. */
export function subnet(c: Cidr, subPrefix: number, i: number): Cidr | undefined {
  if (subPrefix < c.prefix || subPrefix > 32) throw new Error(`cannot cut /${subPrefix} ranges out of /${c.prefix}`);
  const count = 2 ** (subPrefix - c.prefix);
  if (i < 0 || i >= count) return undefined;
  return { base: (c.base + i * 2 ** (32 - subPrefix)) >>> 0, prefix: subPrefix };
}

export function contains(c: Cidr, ip: number): boolean {
  const size = 2 ** (32 - c.prefix);
  return ip >= c.base && ip < c.base + size;
}

/** First usable address (the bridge gateway of a pod range). */
export function gateway(c: Cidr): string {
  return formatIPv4((c.base + 1) >>> 0);
}
