// Leader election against a real API server. Several control processes cannot share one
// SQLite store, so the candidates run in this process: electors on a Lease with short
// durations (lease 3 s, renew 2 s, retry 0.5 s). Only one leads at a time; a clean stop
// hands over at once (the Lease is released); a crash (no release) hands over after the
// Lease duration; with a ReplicaSet controller and a scheduler behind each elector, a
// handover in the middle of a scale-up creates no extra pod. The control server itself
// holds kube-system/skiff-controller-manager with Kubernetes' durations, and takes it back
// at once after a crash and restart.

import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { ApiClient } from '../api/client.js';
import { readKubeconfig } from '../api/kubeconfig.js';
import { resources } from '../api/resources.js';
import type { Lease, Pod } from '../api/types.js';
import type { ReplicaSet } from '../api/workload-types.js';
import { LeaderElector } from '../control/controllers/leader-election/leader-elector.js';
import { ReplicaSetController } from '../control/controllers/replicaset-controller.js';
import { Scheduler } from '../control/scheduler/scheduler.js';
import { ensureTestImages } from './fixtures/images.js';
import { startCluster, waitFor, type TestCluster } from './lib/cluster.js';
import { sleepForever } from './lib/manifests.js';

const SHORT = { leaseDurationMs: 3_000, renewDeadlineMs: 2_000, retryPeriodMs: 500 };
const silent = pino({ level: 'silent' });

/** A candidate: an elector, whether it acts now, and a way to stop it cleanly or as a crash. */
class Candidate {
  readonly elector: LeaderElector;
  private readonly stopper = new AbortController();
  readonly done: Promise<void>;
  acting = false;
  terms = 0;

  constructor(client: ApiClient, lease: string, readonly id: string, lead: (signal: AbortSignal) => Promise<void>, releaseOnCancel = true) {
    this.elector = new LeaderElector({ client, logger: silent, namespace: 'kube-system', name: lease, identity: id, releaseOnCancel, ...SHORT });
    this.done = this.elector.run(this.stopper.signal, async (signal) => {
      this.acting = true;
      this.terms++;
      try {
        await lead(signal);
      } finally {
        this.acting = false;
      }
    });
  }

  async stop(): Promise<void> {
    this.stopper.abort();
    await this.done;
  }
}

const untilAborted = (signal: AbortSignal) => new Promise<void>((r) => (signal.aborted ? r() : signal.addEventListener('abort', () => r(), { once: true })));

describe('leader election', () => {
  let cluster: TestCluster;
  let client: ApiClient;
  let busybox: string;
  before(async () => {
    busybox = (await ensureTestImages()).busybox;
    // The server runs no scheduler and no ReplicaSet controller: the candidates below do.
    cluster = await startCluster({ agents: 1, controlArgs: ['--controllers', 'nodeipam,nodelifecycle,garbagecollector,namespace'] });
    const creds = await readKubeconfig(cluster.kubeconfig);
    client = new ApiClient({ server: creds.server, token: creds.token, caPem: creds.caPem });
  });
  after(async () => {
    client?.close();
    await cluster?.stop();
  });

  const lease = (name: string) => client.get<Lease>(resources.leases, name, 'kube-system');

  test('the control server holds its own Lease with Kubernetes durations', async () => {
    const l = await waitFor('the controller-manager lease', () => lease('skiff-controller-manager'), 10_000);
    assert.equal(l.spec.leaseDurationSeconds, 15);
    assert.match(l.spec.holderIdentity ?? '', new RegExp(`^${hostname()}_`));
    assert.match(l.spec.renewTime ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  });

  test('a control server killed and restarted is the holder it left behind and leads again at once', async () => {
    const before = await lease('skiff-controller-manager');
    await cluster.control.stop('SIGKILL');
    const restarted = Date.now();
    cluster.control.start();
    const renewed = await waitFor('the restarted server to renew its lease', async () => {
      const l = await lease('skiff-controller-manager');
      return Date.parse(l.spec.renewTime!) > restarted - 1_000 && l.spec.holderIdentity === before.spec.holderIdentity ? l : undefined;
    }, 10_000, 200);
    // Not the 15 s a new identity would wait for the crashed holder's lease to expire.
    assert.ok(Date.now() - restarted < 8_000, `re-acquired ${Date.now() - restarted} ms after the restart`);
    assert.equal(renewed.spec.leaseTransitions, before.spec.leaseTransitions, 'no transition: the same holder');
  });

  test('one leader at a time; a clean stop hands over at once, a crash after the lease duration', async () => {
    let overlap = false;
    const all: Candidate[] = [];
    const lead = async (signal: AbortSignal) => {
      if (all.filter((c) => c.acting).length > 1) overlap = true;
      await untilAborted(signal);
    };
    const a = new Candidate(client, 'test-election', 'a', lead);
    all.push(a);
    await waitFor('a to lead', () => a.acting, 10_000, 50);
    const b = new Candidate(client, 'test-election', 'b', lead, false);
    all.push(b);
    await new Promise((r) => setTimeout(r, 2_000)); // several renewals: b stays out
    assert.deepEqual(all.filter((c) => c.acting).map((c) => c.id), ['a']);
    assert.equal((await lease('test-election')).spec.holderIdentity, 'a');

    // Clean stop of a: the lease is released, so b takes over within a couple of retry periods.
    const cleanStop = Date.now();
    await a.stop();
    await waitFor('b to lead after a clean stop', () => b.acting, 10_000, 50);
    const cleanHandover = Date.now() - cleanStop;
    assert.ok(cleanHandover < 2_500, `clean handover took ${cleanHandover} ms`);
    // Crash of the leader (no release): the next one waits out the lease duration.
    const c = new Candidate(client, 'test-election', 'c', lead);
    all.push(c);
    await new Promise((r) => setTimeout(r, 1_000));
    assert.equal(c.acting, false, 'a held lease is not taken');
    const crash = Date.now();
    await b.stop();
    await waitFor('c to lead after the crash', () => c.acting, 15_000, 50);
    const crashHandover = Date.now() - crash;
    assert.ok(crashHandover >= 1_500, `not before the lease could expire (${crashHandover} ms)`);
    assert.ok(crashHandover <= 3_000 + 2 * 1_100 + 500, `within lease duration plus retries (${crashHandover} ms)`);
    const l = await lease('test-election');
    assert.equal(l.spec.holderIdentity, 'c');
    assert.ok((l.spec.leaseTransitions ?? 0) >= 2, `transitions counted (${l.spec.leaseTransitions})`);
    await c.stop();
    assert.equal(overlap, false, 'two candidates never acted at once');
    assert.equal((await lease('test-election')).spec.holderIdentity, '', 'a clean stop releases the lease');
  });

  test('controllers behind two electors: a crash mid scale-up creates no extra pod and binds each once', async () => {
    const manager = (id: string) =>
      new Candidate(client, 'test-manager', id, async (signal) => {
        const record = () => undefined;
        await Promise.all([
          new ReplicaSetController({ client, logger: silent, record }).run(signal),
          new Scheduler({ client, logger: silent, record }).run(signal),
        ]);
      }, false);
    const one = manager('one');
    const two = manager('two');
    const leader = await waitFor('a manager to lead', () => [one, two].find((m) => m.acting), 10_000, 50);
    const other = leader === one ? two : one;

    const rs: ReplicaSet = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'ha', namespace: 'default' },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'ha' } },
        template: { metadata: { labels: { app: 'ha' } }, spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image: busybox, command: sleepForever }] } },
      },
    };
    await client.create(resources.replicasets, rs);
    const pods = async () => (await client.list<Pod>(resources.pods, { namespace: 'default', labelSelector: 'app=ha' })).items.filter((p) => !p.metadata.deletionTimestamp);
    let most = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        most = Math.max(most, (await pods()).length);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    await waitFor('3 pods bound', async () => (await pods()).filter((p) => p.spec.nodeName).length === 3, 30_000, 200);

    // The leader crashes right as the scale-up is asked for; the other one finishes it.
    await Promise.all([leader.stop(), client.patch(resources.replicasets, 'ha', { spec: { replicas: 6 } }, { namespace: 'default' })]);
    await waitFor('the other manager to lead', () => other.acting, 15_000, 50);
    const bound = await waitFor('6 pods bound', async () => {
      const ps = await pods();
      return ps.length === 6 && ps.every((p) => p.spec.nodeName) ? ps : undefined;
    }, 30_000, 200);
    await new Promise((r) => setTimeout(r, 1_000)); // time for a stray duplicate to show up
    sampling = false;
    await sampler;
    assert.equal((await pods()).length, 6);
    assert.ok(most <= 6, `never more than 6 pods, saw ${most}`);
    assert.equal(new Set(bound.map((p) => p.metadata.uid)).size, 6);
    assert.equal(leader.terms, 1);
    assert.equal(other.terms, 1);
    await other.stop();
  });
});
