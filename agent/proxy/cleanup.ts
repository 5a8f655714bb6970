// `skiff agent --cleanup-proxy`: every chain the proxy owns and every rule that jumps into
// one, removed in one iptables-restore; Docker's chains and rules (and anyone else's) stay.

import type { Iptables } from './iptables.js';
import { parseSaved, planCleanup } from './restore-plan.js';

/** Returns how many lines the removal took (0: there was nothing of ours). */
export async function cleanupProxyRules(iptables: Iptables): Promise<number> {
  const [nat, filter] = await Promise.all([iptables.save('nat'), iptables.save('filter')]);
  const text = planCleanup({ nat: parseSaved(nat), filter: parseSaved(filter) });
  if (text) await iptables.restore(text);
  return text ? text.split('\n').length - 1 : 0;
}
