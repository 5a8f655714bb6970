// Turns a rendered ruleset into the text of ONE `iptables-restore --noflush`:
//  - full: every owned chain, stale owned chains (found in iptables-save) flushed and
//    deleted, and the jumps from built-in chains added where iptables-save lacks them;
//  - partial: only the chains whose rules changed since the last successful apply, and
//    the ones that went away (kube-proxy's minimal restore), so a one-endpoint change
//    writes a handful of lines whatever the number of Services;
//  - cleanup: every owned chain and every rule that jumps into one, and nothing else.
// "Owned" is OWNED_CHAIN: Docker's chains (and any other) never appear in our text.

import { OWNED_CHAIN } from './chain-names.js';
import { JUMPS, type Ruleset, type Table } from './render.js';

const TABLES: readonly Table[] = ['nat', 'filter'];

/** Chain name → its rules: what was last written, to diff against. */
export type AppliedState = Record<Table, Map<string, readonly string[]>>;

export interface SavedTable {
  chains: string[];
  /** "-A CHAIN …" lines. */
  rules: string[];
}

export function parseSaved(text: string): SavedTable {
  const chains: string[] = [];
  const rules: string[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith(':')) chains.push(line.slice(1).split(' ')[0]!);
    else if (line.startsWith('-A ')) rules.push(line);
  }
  return { chains, rules };
}

/** The ruleset as applied. Rule arrays are never changed once rendered, so they are kept as they are. */
export function appliedState(rs: Ruleset): AppliedState {
  return { nat: new Map(rs.nat), filter: new Map(rs.filter) };
}

/** Same rules? A fragment the proxier reused is the same array: no line is compared. */
function sameRules(a: readonly string[] | undefined, b: readonly string[]): boolean {
  if (a === b) return true;
  if (!a || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Whether a saved chain already has a rule jumping to target. */
function hasJump(saved: SavedTable, chain: string, target: string): boolean {
  const prefix = `-A ${chain} `;
  return saved.rules.some((r) => r.startsWith(prefix) && (r.endsWith(` -j ${target}`) || r.includes(` -j ${target} `)));
}

function section(table: Table, declare: string[], rules: string[], tail: string[]): string[] {
  if (declare.length === 0 && rules.length === 0 && tail.length === 0) return [];
  return [`*${table}`, ...declare.map((c) => `:${c} - [0:0]`), ...rules, ...tail, 'COMMIT'];
}

export function planFull(rs: Ruleset, saved: Record<Table, SavedTable>): string {
  const out: string[] = [];
  for (const table of TABLES) {
    const chains = rs[table];
    const stale = saved[table].chains.filter((c) => OWNED_CHAIN.test(c) && !chains.has(c));
    const rules = [...chains.values()].flat();
    // Missing jumps go in with -I at position 1; inserting in reverse keeps JUMPS' order.
    const jumps = JUMPS.filter((j) => j.table === table && !hasJump(saved[table], j.chain, j.target))
      .reverse()
      .map((j) => `-I ${j.chain} 1 ${j.rule}`);
    out.push(...section(table, [...chains.keys(), ...stale], rules, [...jumps, ...stale.map((c) => `-X ${c}`)]));
  }
  return out.length ? out.join('\n') + '\n' : '';
}

/** Only what changed since `last`; '' when nothing did. */
export function planPartial(rs: Ruleset, last: AppliedState): string {
  const out: string[] = [];
  for (const table of TABLES) {
    const chains = rs[table];
    const changed: string[] = [];
    const rules: string[] = [];
    for (const [name, lines] of chains) {
      if (sameRules(last[table].get(name), lines)) continue;
      changed.push(name);
      rules.push(...lines);
    }
    const gone = [...last[table].keys()].filter((c) => !chains.has(c));
    out.push(...section(table, [...changed, ...gone], rules, gone.map((c) => `-X ${c}`)));
  }
  return out.length ? out.join('\n') + '\n' : '';
}

/** Removes every owned chain and every rule (anywhere) that jumps into one; '' if none. */
export function planCleanup(saved: Record<Table, SavedTable>): string {
  const out: string[] = [];
  for (const table of TABLES) {
    const owned = saved[table].chains.filter((c) => OWNED_CHAIN.test(c));
    const jumps = saved[table].rules.filter((r) => {
      const chain = r.split(' ')[1]!;
      const target = / -[jg] (\S+)/.exec(r)?.[1];
      return !OWNED_CHAIN.test(chain) && target !== undefined && OWNED_CHAIN.test(target);
    });
    out.push(...section(table, owned, jumps.map((r) => r.replace(/^-A /, '-D ')), owned.map((c) => `-X ${c}`)));
  }
  return out.length ? out.join('\n') + '\n' : '';
}
