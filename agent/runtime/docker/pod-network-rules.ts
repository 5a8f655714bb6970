// The node-wide iptables rules the pod network needs, written once per podCIDR instead of
// per pod: CNI's bridge `ipMasq` and the `firewall` plugin write several rules for every
// pod, which cost about 60 ms and 30 ms of each pod start (measured, plugins 1.1.1 on
// iptables-nft). Three rules per node do the same job:
//   - filter FORWARD: accept traffic from and to the pod range. Docker sets the FORWARD
//     policy to DROP and br_netfilter sends even bridged pod-to-pod frames through it.
//   - nat POSTROUTING: masquerade pod traffic leaving the pod range.
// Each rule carries a comment naming the node, so removal touches only our own rules (and
// several agents sharing one host in tests keep theirs apart). Appended, not inserted: a
// rule someone placed earlier in FORWARD (such as the proxy's service-range guard) still
// sees pod traffic first.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { RuntimeError } from '../errors.js';

const run = promisify(execFile);

type Rule = { table: 'filter' | 'nat'; chain: string; spec: string[] };

export function podNetworkRules(nodeName: string, podCIDR: string): Rule[] {
  const comment = ['-m', 'comment', '--comment', `skiff pod network ${nodeName}`];
  return [
    { table: 'filter', chain: 'FORWARD', spec: ['-s', podCIDR, ...comment, '-j', 'ACCEPT'] },
    { table: 'filter', chain: 'FORWARD', spec: ['-d', podCIDR, ...comment, '-j', 'ACCEPT'] },
    { table: 'nat', chain: 'POSTROUTING', spec: ['-s', podCIDR, '!', '-d', podCIDR, ...comment, '-j', 'MASQUERADE'] },
  ];
}

async function iptables(args: string[]): Promise<void> {
  // -w: wait for the xtables lock that Docker, CNI plugins and the proxy also take.
  await run('iptables', ['-w', '5', ...args]);
}

async function present(r: Rule): Promise<boolean> {
  try {
    await iptables(['-t', r.table, '-C', r.chain, ...r.spec]);
    return true;
  } catch {
    return false;
  }
}

/** Adds whichever of the rules is missing; safe to call on every start. */
export async function ensurePodNetworkRules(nodeName: string, podCIDR: string): Promise<void> {
  for (const r of podNetworkRules(nodeName, podCIDR)) {
    if (await present(r)) continue;
    try {
      await iptables(['-t', r.table, '-A', r.chain, ...r.spec]);
    } catch (err) {
      const detail = ((err as { stderr?: string }).stderr ?? (err as Error).message).trim().split('\n')[0];
      throw new RuntimeError('CreateFailed', `adding the pod network's iptables rule to ${r.table}/${r.chain}: ${detail}`);
    }
  }
}

/** Removes the rules (every copy); rules that are not there are fine. */
export async function removePodNetworkRules(nodeName: string, podCIDR: string): Promise<void> {
  for (const r of podNetworkRules(nodeName, podCIDR)) {
    while (await present(r)) await iptables(['-t', r.table, '-D', r.chain, ...r.spec]);
  }
}
