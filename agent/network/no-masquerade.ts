// Pod-to-pod traffic across nodes keeps its source address. The runtimes masquerade what
// leaves the node's own pod range (the Docker runtime's node-wide rule, the CNI bridge's
// ipMasq on containerd), which was right while a pod's only peers were on its own node.
// With routes to other nodes' pod ranges, one ACCEPT per peer range at the top of nat
// POSTROUTING ends the nat table's walk for that traffic before any masquerade rule sees it
// (flannel's `-s cluster -d cluster -j RETURN` idea, per range). Traffic to this node's own
// range is not matched, so hairpin rules further down still apply; traffic leaving the
// cluster's ranges is still masqueraded.

import { parseRuleSpec } from '../runtime/docker/pod-network-rules.js';
import { iptables } from './ip.js';
import type { Peer, Self } from './routes.js';

export function noMasqueradeComment(node: string): string {
  return `skiff pod routes ${node}`;
}

/** One rule per peer pod range: `-s OURS -d THEIRS -j ACCEPT`. */
export function noMasqueradeRules(self: Self, peers: readonly Peer[]): string[][] {
  const comment = ['-m', 'comment', '--comment', noMasqueradeComment(self.node)];
  return peers.map((p) => ['-s', self.podCIDR, '-d', p.podCIDR, ...comment, '-j', 'ACCEPT']);
}

/** Our rules in nat POSTROUTING, as argument lists. */
async function installed(node: string): Promise<string[][]> {
  const out = await iptables(['-t', 'nat', '-S', 'POSTROUTING']);
  const marker = `--comment "${noMasqueradeComment(node)}"`;
  return out
    .split('\n')
    .filter((l) => l.startsWith('-A POSTROUTING ') && l.includes(marker))
    .map((l) => parseRuleSpec(l.slice('-A POSTROUTING '.length)));
}

const key = (spec: string[]) => spec.join(' ');

export async function syncNoMasquerade(self: Self, peers: readonly Peer[]): Promise<void> {
  const want = noMasqueradeRules(self, peers);
  const have = await installed(self.node);
  const wantKeys = new Set(want.map(key));
  const haveKeys = new Set(have.map(key));
  for (const r of have) if (!wantKeys.has(key(r))) await iptables(['-t', 'nat', '-D', 'POSTROUTING', ...r]);
  for (const r of want) if (!haveKeys.has(key(r))) await iptables(['-t', 'nat', '-I', 'POSTROUTING', '1', ...r]);
}
