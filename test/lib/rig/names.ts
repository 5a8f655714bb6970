// Every name and address a rig uses, derived from its number: only names with these
// prefixes are ever created or removed, so stale-rig cleanup can go by prefix safely.
//   rig N: bridge sk-rigN (10.250.N.1/24) in the root netns; host h (a, b, c, …) is netns
//   skiff-rigN-h, joined by veth sk-rigNh (root side) ↔ eth0 (inside), address
//   10.250.N.(10+i). Pods: cluster range 10.251.(8N).0/21, a /24 per node.
// 10.250/16 and 10.251/16 are used by nothing else on the test hosts (the single-host test
// clusters take 10.200–10.249, Docker 172.17, Skiff's containerd 10.230); nor is 10.252/16,
// the guard probe's sink below.

import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const RIG_PREFIX = 'skiff-rig';
/** Rig numbers 0..MAX_RIGS-1: a few test files run at once, plus a rig started by hand. */
export const MAX_RIGS = 32;

export const rigDir = (n: number) => join(tmpdir(), `${RIG_PREFIX}-${n}`);
export const bridgeName = (n: number) => `sk-rig${n}`;
export const netnsName = (n: number, host: string) => `${RIG_PREFIX}${n}-${host}`;
export const vethName = (n: number, host: string) => `sk-rig${n}${host}`;
/** The iptables comment on the root netns guard rules of rig N. */
export const guardComment = (n: number) => `${RIG_PREFIX}${n} guard`;

export const hostLetter = (i: number) => String.fromCharCode(97 + i);
export const bridgeIP = (n: number) => `10.250.${n}.1`;
export const hostIP = (n: number, i: number) => `10.250.${n}.${10 + i}`;
export const rigSubnet = (n: number) => `10.250.${n}.0/24`;
/**
 * A bridge without ports in the root netns (no dummy driver here), 10.252.N.1/24, which
 * swallows whatever is routed to it: the test sends a probe from a host to 10.252.N.2 to
 * see the guard drop it. Were the guard missing, the probe would still end on this machine.
 */
export const sinkName = (n: number) => `sk-sink${n}`;
export const sinkIP = (n: number) => `10.252.${n}.1`;
export const sinkProbeIP = (n: number) => `10.252.${n}.2`;
export const clusterCidr = (n: number) => `10.251.${8 * n}.0/21`;
/** Node names carry the rig number so two rigs never share a host-local store. */
export const nodeName = (n: number, host: string) => `rig${n}-${host}`;

/** The netns a rig's name belongs to: stale cleanup lists netns and links by these. */
export function rigOfNetns(name: string): number | undefined {
  const m = new RegExp(`^${RIG_PREFIX}(\\d+)-[a-z]$`).exec(name);
  return m ? Number(m[1]) : undefined;
}

export function rigOfLink(name: string): number | undefined {
  const m = /^sk-rig(\d+)[a-z]?$/.exec(name) ?? /^sk-sink(\d+)$/.exec(name);
  return m ? Number(m[1]) : undefined;
}
