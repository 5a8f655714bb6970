// Service proxy sync speed, in a network namespace this bench creates and deletes (the
// host's tables are never touched): a full sync (render + iptables-save + one
// iptables-restore --noflush) of 100, 1000 and 5000 Services with 3 endpoints each,
// beside applying the same rules one `iptables` command at a time; and a one-endpoint
// change at 1000 Services (a partial restore of the chains that changed).
//
// The one-at-a-time baseline runs in full for 100 Services; above that it is capped at
// BASELINE_CAP commands and the rest extrapolated from their mean (a lower bound: with the
// nft backend each command gets slower as the table grows).
//
// It runs in a child node with --no-opt, the V8 setting the agent runs with (bin/v8-flags.ts),
// so the rendering is timed as the agent would do it. `node dist/bench/proxy-sync.js` runs
// it alone; `npm run bench` runs it too.

import { spawn } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pino from 'pino';
import type { EndpointSlice, Service } from '../api/service-types.js';
import { ExecIptables, type Iptables } from '../agent/proxy/iptables.js';
import { createNetns } from '../agent/proxy/netns.js';
import { Proxier } from '../agent/proxy/proxier.js';

const SIZES = (process.env["SKIFF_BENCH_PROXY_SIZES"] ?? "100,1000,5000").split(",").map(Number);
const BASELINE_CAP = Number(process.env['SKIFF_BENCH_PROXY_BASELINE_CAP'] ?? 1000);
const CHANGE_ROUNDS = 20;
const SERVICE_CIDR = '198.18.0.0/15';

function ip(base: number, i: number): string {
  const n = base + i;
  return [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');
}
const SVC_BASE = (198 << 24) | (18 << 16);
const POD_BASE = (10 << 24) | (42 << 16);

function service(i: number): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name: `svc-${i}`, namespace: 'bench', resourceVersion: '1' }, spec: { clusterIP: ip(SVC_BASE, i + 1), ports: [{ name: 'http', port: 80, targetPort: 8080 }] } };
}

function slice(i: number, generation = 0): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `svc-${i}-x`, namespace: 'bench', labels: { 'kubernetes.io/service-name': `svc-${i}` } },
    addressType: 'IPv4',
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    // Endpoint 3 moves each generation: a pod replaced by another.
    endpoints: [0, 1, 2].map((e) => ({ addresses: [ip(POD_BASE, i * 3 + e + (e === 2 ? generation * 1_000_000 : 0))], conditions: { ready: true }, nodeName: 'bench' })),
  };
}

/** The rules of one restore text as single `iptables` commands (-N per chain, then -A/-I/-X). */
function asCommands(text: string): { table: 'nat' | 'filter'; args: string[] }[] {
  const out: { table: 'nat' | 'filter'; args: string[] }[] = [];
  let table: 'nat' | 'filter' = 'nat';
  for (const line of text.split('\n')) {
    if (line.startsWith('*')) table = line.slice(1) as 'nat' | 'filter';
    else if (line.startsWith(':')) out.push({ table, args: ['-N', line.slice(1).split(' ')[0]!] });
    else if (/^-[AIX] /.test(line)) out.push({ table, args: splitArgs(line) });
  }
  return out;
}

/** Shell-like split honouring "double quotes" (comments). */
function splitArgs(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);
}

class CapturingIptables implements Iptables {
  lastRestore = '';
  constructor(private readonly inner: Iptables) {}
  get backend() {
    return this.inner.backend;
  }
  version() {
    return this.inner.version();
  }
  save(t: 'nat' | 'filter') {
    return this.inner.save(t);
  }
  restore(text: string) {
    this.lastRestore = text;
    return this.inner.restore(text);
  }
  run(t: 'nat' | 'filter', args: string[]) {
    return this.inner.run(t, args);
  }
}

const fmt = (ms: number) => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${ms.toFixed(1)} ms`);

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

async function fullSync(n: number): Promise<{ proxier: Proxier; ms: number; lines: number; text: string; done: () => Promise<void> }> {
  const ns = await createNetns('skiff-b-');
  try {
    const ipt = new CapturingIptables(await ExecIptables.create({ netns: ns.name }));
    const proxier = new Proxier({ iptables: ipt, nodeName: 'bench', config: { serviceCIDR: SERVICE_CIDR, podCIDR: '10.42.0.0/16', nodeIPs: ['192.0.2.10'] }, logger: pino({ level: 'silent' }), syncPeriodMs: 3_600_000 });
    for (let i = 0; i < n; i++) {
      proxier.onServiceAdd(service(i));
      proxier.onEndpointSliceAdd(slice(i));
    }
    proxier.setServicesSynced();
    proxier.setEndpointSlicesSynced();
    await proxier.syncProxyRules();
    const r = proxier.lastSync;
    if (!r?.full) throw new Error(`full sync of ${n} Services failed`);
    return { proxier, ms: r.ms, lines: r.lines, text: ipt.lastRestore, done: () => ns.delete() };
  } catch (err) {
    await ns.delete();
    throw err;
  }
}

/** Applies a restore text one command at a time in a fresh netns; at most `cap` commands, the rest extrapolated. */
async function oneAtATime(text: string, cap: number): Promise<{ ms: number; ran: number; total: number }> {
  const ns = await createNetns('skiff-b-');
  try {
    const ipt = await ExecIptables.create({ netns: ns.name });
    const cmds = asCommands(text);
    const started = performance.now();
    let ran = 0;
    for (const c of cmds.slice(0, cap)) {
      await ipt.run(c.table, c.args);
      ran++;
    }
    const ms = performance.now() - started;
    return { ms: (ms / ran) * cmds.length, ran, total: cmds.length };
  } finally {
    await ns.delete();
  }
}

/** Runs the measurement in a child with the agent's V8 flags; its lines go to our stdout. */
export function proxySyncBench(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--no-opt', fileURLToPath(import.meta.url), '--measure'], { stdio: ['ignore', 'inherit', 'inherit'] });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`proxy sync bench exited ${code}`))));
  });
}

async function measure(log: (line: string) => void = console.log): Promise<void> {
  const backend = (await ExecIptables.create()).backend;
  log(`service proxy sync (iptables-${backend}, in a throwaway netns; 3 endpoints per Service; node --no-opt as the agent runs)`);
  for (const n of SIZES) {
    const full = await fullSync(n);
    try {
      const cap = n <= 100 ? Infinity : BASELINE_CAP;
      const base = await oneAtATime(full.text, cap);
      const budget = n === 1000 ? `   budget < 1 s ${full.ms < 1000 ? 'ok' : 'OVER'}` : '';
      const baseNote = base.ran < base.total ? `(${base.ran} of ${base.total} commands run, rest extrapolated)` : `(all ${base.total} commands)`;
      log(`  ${String(n).padStart(5)} Services  full sync ${fmt(full.ms).padStart(9)} (${full.lines} lines, one restore)   one iptables command at a time ${fmt(base.ms).padStart(9)} ${baseNote}   ${(base.ms / full.ms).toFixed(0)}× faster${budget}`);
      if (n === 1000) {
        const times: number[] = [];
        let lines = 0;
        for (let g = 1; g <= CHANGE_ROUNDS; g++) {
          const i = (g * 37) % n;
          full.proxier.onEndpointSliceUpdate(slice(i, g - 1), slice(i, g));
          await full.proxier.syncProxyRules();
          const r = full.proxier.lastSync!;
          if (r.full || r.lines === 0) throw new Error('the endpoint change was not applied as a partial sync');
          times.push(r.ms);
          lines = r.lines;
        }
        const p50 = percentile(times, 50);
        log(`   1000 Services  one endpoint replaced: p50 ${fmt(p50)}  max ${fmt(Math.max(...times))} over ${CHANGE_ROUNDS} changes (${lines} lines restored)   budget p50 < 100 ms ${p50 < 100 ? 'ok' : 'OVER'}`);
      }
    } finally {
      await full.done();
    }
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  (process.argv.includes('--measure') ? measure() : proxySyncBench()).catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
