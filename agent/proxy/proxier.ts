// The service proxy's core (kube-proxy's iptables Proxier): handlers feed the change
// trackers and ask the runner for a sync; a sync renders every Service whole and applies
// it with ONE iptables-restore --noflush. Nothing is written before both Services and
// EndpointSlices have been listed (a half-known cluster would REJECT live Services). A
// full sync (every chain, stale chains deleted, jumps checked against iptables-save)
// happens first, after any failure, and every syncPeriodMs; in between only the chains
// whose rules changed are written. After a successful apply, UDP flows the change made
// stale are deleted from conntrack (stale-flows.ts).

import type { Logger } from 'pino';
import type { EndpointSlice, Service } from '../../api/service-types.js';
import { EndpointSliceChangeTracker, ServiceChangeTracker } from './change-tracker.js';
import type { Conntrack } from './conntrack.js';
import type { Iptables } from './iptables.js';
import { assembleRuleset, compareServicePorts, renderService, type RenderConfig, type ServiceFragment } from './render.js';
import { appliedState, parseSaved, planFull, planPartial, type AppliedState } from './restore-plan.js';
import type { EndpointInfo, ServicePortInfo } from './service-info.js';
import { staleFlows, type RenderedPort } from './stale-flows.js';
import { SyncRunner } from './sync-runner.js';

export interface ProxierOptions {
  iptables: Iptables;
  /** Where stale UDP flows are deleted; without it they are left to time out. */
  conntrack?: Conntrack;
  nodeName: string;
  config: RenderConfig;
  logger: Logger;
  /** Least time between syncs once the burst is spent (kube-proxy's minSyncPeriod). */
  minSyncIntervalMs?: number;
  /** Syncs allowed back to back before minSyncIntervalMs applies. */
  syncBurst?: number;
  /** A full sync at least this often (kube-proxy's syncPeriod). */
  syncPeriodMs?: number;
  /** How long the first change waits for the changes that come with it. */
  coalesceMs?: number;
  /** Wait after a failed apply before the (full) retry. */
  retryIntervalMs?: number;
}

export interface SyncResult {
  full: boolean;
  /** Whole sync: fold changes, render, (save,) restore. */
  ms: number;
  /** Lines handed to iptables-restore (0: nothing changed, nothing run). */
  lines: number;
  services: number;
  at: number;
}

export class Proxier {
  private readonly services = new ServiceChangeTracker();
  private readonly endpoints: EndpointSliceChangeTracker;
  private readonly serviceMap = new Map<string, ServicePortInfo[]>();
  private readonly endpointsMap = new Map<string, EndpointInfo[]>();
  private servicesSynced = false;
  private slicesSynced = false;
  private needFullSync = true;
  private lastFullAt = 0;
  private applied: AppliedState | undefined;
  /** Per service port: the inputs a fragment was rendered from, to reuse it while they stay the same objects. */
  private fragments = new Map<string, { svc: ServicePortInfo; endpoints: EndpointInfo[] | undefined; fragment: ServiceFragment }>();
  /** The service ports as the kernel last got them: what stale flows are reckoned against. */
  private appliedPorts: ReadonlyMap<string, RenderedPort> = new Map();
  private conntrackMissingLogged = false;
  private readonly runner: SyncRunner;
  private readonly syncPeriodMs: number;
  private readonly log: Logger;
  /** The last sync that ran; tests and the bench read it. */
  lastSync: SyncResult | undefined;
  /** Called after every successful sync. */
  onSynced: ((r: SyncResult) => void) | undefined;

  constructor(private readonly o: ProxierOptions) {
    this.endpoints = new EndpointSliceChangeTracker(o.nodeName);
    this.syncPeriodMs = o.syncPeriodMs ?? 30_000;
    this.log = o.logger;
    this.runner = new SyncRunner(() => this.syncProxyRules(), {
      minIntervalMs: o.minSyncIntervalMs ?? 1_000,
      maxIntervalMs: this.syncPeriodMs,
      burst: o.syncBurst ?? 2,
      coalesceMs: o.coalesceMs ?? 100,
    });
  }

  onServiceAdd(svc: Service): void {
    if (this.services.update(undefined, svc)) this.requestSync();
  }
  onServiceUpdate(prev: Service, cur: Service): void {
    if (this.services.update(prev, cur)) this.requestSync();
  }
  onServiceDelete(svc: Service): void {
    if (this.services.update(svc, undefined)) this.requestSync();
  }
  onEndpointSliceAdd(slice: EndpointSlice): void {
    if (this.endpoints.update(slice, false)) this.requestSync();
  }
  onEndpointSliceUpdate(_prev: EndpointSlice, cur: EndpointSlice): void {
    if (this.endpoints.update(cur, false)) this.requestSync();
  }
  onEndpointSliceDelete(slice: EndpointSlice): void {
    if (this.endpoints.update(slice, true)) this.requestSync();
  }
  setServicesSynced(): void {
    this.servicesSynced = true;
    this.requestSync();
  }
  setEndpointSlicesSynced(): void {
    this.slicesSynced = true;
    this.requestSync();
  }

  private requestSync(): void {
    if (this.servicesSynced && this.slicesSynced) this.runner.request();
  }

  run(signal: AbortSignal): Promise<void> {
    return this.runner.run(signal);
  }

  /** One sync now (the runner calls it; so can the bench). Never throws: a failure schedules a full retry. */
  async syncProxyRules(): Promise<void> {
    if (!this.servicesSynced || !this.slicesSynced) return;
    const started = performance.now();
    const now = Date.now();
    const full = this.needFullSync || !this.applied || now - this.lastFullAt >= this.syncPeriodMs;
    try {
      await this.applyRules(full, now, started);
    } catch (err) {
      this.needFullSync = true;
      this.log.error({ err: (err as Error).message, full }, 'applying proxy rules failed, will retry with a full sync');
      this.runner.retryAfter(this.o.retryIntervalMs ?? 1_000);
    }
  }

  private async applyRules(full: boolean, now: number, started: number): Promise<void> {
    this.services.apply(this.serviceMap);
    this.endpoints.apply(this.endpointsMap);
    // The trackers replace a Service's ports and endpoints only when they change, so an
    // unchanged pair of objects means the fragment rendered from them still holds.
    const ports: ServicePortInfo[] = [];
    for (const list of this.serviceMap.values()) ports.push(...list);
    ports.sort(compareServicePorts);
    const fragments = new Map<string, { svc: ServicePortInfo; endpoints: EndpointInfo[] | undefined; fragment: ServiceFragment }>();
    for (const svc of ports) {
      const key = `${svc.name}/${svc.protocol}`;
      const endpoints = this.endpointsMap.get(svc.name);
      const cached = this.fragments.get(key);
      const fragment = cached && cached.svc === svc && cached.endpoints === endpoints ? cached.fragment : renderService(svc, endpoints ?? [], this.o.config);
      fragments.set(key, { svc, endpoints, fragment });
    }
    this.fragments = fragments;
    const rs = assembleRuleset([...fragments.values()].map((f) => f.fragment), this.o.config);
    let text: string;
    if (full) {
      const [nat, filter] = await Promise.all([this.o.iptables.save('nat'), this.o.iptables.save('filter')]);
      text = planFull(rs, { nat: parseSaved(nat), filter: parseSaved(filter) });
    } else {
      text = planPartial(rs, this.applied!);
    }
    if (text) await this.o.iptables.restore(text);
    await this.deleteStaleFlows(fragments);
    this.applied = appliedState(rs);
    this.needFullSync = false;
    if (full) this.lastFullAt = now;
    const result: SyncResult = { full, ms: performance.now() - started, lines: text ? text.split('\n').length - 1 : 0, services: ports.length, at: Date.now() };
    this.lastSync = result;
    this.log.debug({ full: result.full, ms: Math.round(result.ms), lines: result.lines, servicePorts: result.services }, 'synced proxy rules');
    this.onSynced?.(result);
  }

  /** After the new rules are in, so a deleted flow's next packet meets them. Failures are logged, never fail the sync. */
  private async deleteStaleFlows(ports: ReadonlyMap<string, RenderedPort>): Promise<void> {
    const before = this.appliedPorts;
    this.appliedPorts = ports;
    const conntrack = this.o.conntrack;
    if (!conntrack) return;
    for (const flow of staleFlows(before, ports, this.o.config)) {
      try {
        const n = await conntrack.deleteFlows(flow);
        this.log.debug({ flow, deleted: n }, 'deleted stale UDP flows');
      } catch (err) {
        const e = err as Error & { code?: string };
        if (e.code === 'ConntrackUnavailable') {
          if (!this.conntrackMissingLogged) this.log.warn({ err: e.message }, 'cannot delete stale UDP flows');
          this.conntrackMissingLogged = true;
          return;
        }
        this.log.warn({ err: e.message, flow }, 'deleting stale UDP flows failed');
      }
    }
  }
}
