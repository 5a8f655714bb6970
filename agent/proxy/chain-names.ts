// Names of the chains the proxy owns. Every one starts with SKIFF- and matches OWNED_CHAIN,
// which is how stale-chain removal and `skiff agent --cleanup-proxy` tell ours from
// Docker's (or anyone else's): nothing outside this list is ever flushed or deleted.

import { createHash } from 'node:crypto';
import type { Protocol } from './service-info.js';

export const CHAIN = {
  services: 'SKIFF-SERVICES',
  nodePorts: 'SKIFF-NODEPORTS',
  postrouting: 'SKIFF-POSTROUTING',
  markMasq: 'SKIFF-MARK-MASQ',
  /** nat: masquerade a pod that reached itself through a Service (source = destination after DNAT). */
  hairpin: 'SKIFF-HAIRPIN',
  /** filter: Services without endpoints (cluster IPs, external IPs). */
  externalServices: 'SKIFF-EXTERNAL-SERVICES',
  forward: 'SKIFF-FORWARD',
  /** filter: anything still addressed to the service range after NAT is rejected here. */
  guard: 'SKIFF-GUARD',
} as const;

// SEP: per-endpoint chains of earlier versions, still removed when found.
const HASHED = ['SVC', 'SEP', 'EXT', 'HP'] as const;

export const OWNED_CHAIN = new RegExp(`^(?:${Object.values(CHAIN).join('|')}|SKIFF-(?:${HASHED.join('|')})-[A-Z2-7]{16})$`);

/** RFC 4648 base32 without padding (what Go's base32.StdEncoding gives kube-proxy). */
function base32(buf: Buffer): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of buf) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  return out;
}

/** Names are asked for on every render; hashing them again each time was a third of a sync. */
const memo = new Map<string, string>();
const MEMO_LIMIT = 100_000;

function hash16(s: string): string {
  let h = memo.get(s);
  if (h === undefined) {
    if (memo.size >= MEMO_LIMIT) memo.clear();
    h = base32(createHash('sha256').update(s).digest()).slice(0, 16);
    memo.set(s, h);
  }
  return h;
}

/** Chains stay within iptables' 28-character limit: "SKIFF-SVC-" + 16 = 26. */
export function serviceChain(servicePortName: string, protocol: Protocol): string {
  return `SKIFF-SVC-${hash16(servicePortName + protocol.toLowerCase())}`;
}

export function externalChain(servicePortName: string, protocol: Protocol): string {
  return `SKIFF-EXT-${hash16(servicePortName + protocol.toLowerCase())}`;
}

/** Hairpin rules of the endpoints in one /26: "SKIFF-HP-" + 16 = 25 characters. */
export function hairpinChain(subnet: string): string {
  return `SKIFF-HP-${hash16(subnet)}`;
}

/** The `recent` list that remembers clients of one endpoint (ClientIP affinity). */
export function affinityList(servicePortName: string, protocol: Protocol, endpoint: string): string {
  return `SKIFF-SEP-${hash16(servicePortName + protocol.toLowerCase() + endpoint)}`;
}
