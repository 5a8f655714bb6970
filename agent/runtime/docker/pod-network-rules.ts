// The node-wide iptables rules the pod network needs, written once per podCIDR instead of
// per pod: CNI's bridge `ipMasq` and the `firewall` plugin write several rules for every
// pod, which cost about 60 ms and 30 ms of each pod start (measured, plugins 1.1.1 on
// iptables-nft). Three rules per node do the same job:
//   - filter FORWARD: accept traffic from and to the pod range. Docker sets the FORWARD
//     policy to DROP and br_netfilter sends even bridged pod-to-pod frames through it.
//   - nat POSTROUTING: masquerade pod traffic leaving the pod range. Traffic to other
//     nodes' pod ranges never reaches it: agent/network/no-masquerade.ts accepts that
//     earlier in the chain, so pods on other nodes see the real source address.
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

/**
 * Removes every rule carrying this node's comment, whatever range it was written for: the
 * recorded podCIDR may be gone (a data dir wiped before cleanup) or have changed.
 */
export async function removePodNetworkRules(nodeName: string): Promise<void> {
  const comment = `"skiff pod network ${nodeName}"`;
  for (const [table, chain] of [['filter', 'FORWARD'], ['nat', 'POSTROUTING']] as const) {
    const { stdout } = await run('iptables', ['-w', '5', '-t', table, '-S', chain]);
    for (const line of stdout.split('\n')) {
      if (!line.startsWith(`-A ${chain} `) || !line.includes(`--comment ${comment}`)) continue;
      const spec = parseRuleSpec(line.slice(`-A ${chain} `.length));
      await iptables(['-t', table, '-D', chain, ...spec]).catch(() => undefined);
    }
  }
}

/** Splits an iptables -S rule into arguments, honouring its double-quoted words. */
export function parseRuleSpec(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)) out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]!);
  return out;
}
