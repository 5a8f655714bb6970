import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import type { ApiClient } from '../../../api/client.js';
import { ApiError } from '../../../api/errors.js';
import type { Lease } from '../../../api/types.js';
import { LeaderElector } from './leader-elector.js';

/** One Lease behind get/create/update with resourceVersion compare-and-swap, as the API server keeps it. */
class FakeLeases {
  lease: Lease | undefined;
  private rv = 0;
  /** Called between a candidate's read and its write, to interleave another candidate. */
  beforeWrite: (() => Promise<void>) | undefined;

  client(): ApiClient {
    const status = (code: number, reason: string) => new ApiError({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message: reason } as never);
    return {
      get: async () => {
        if (!this.lease) throw status(404, 'NotFound');
        return structuredClone(this.lease);
      },
      create: async (_t: unknown, obj: Lease) => {
        await this.hook();
        if (this.lease) throw status(409, 'AlreadyExists');
        this.lease = { ...structuredClone(obj), metadata: { ...obj.metadata, resourceVersion: String(++this.rv) } };
        return structuredClone(this.lease);
      },
      update: async (_t: unknown, obj: Lease) => {
        await this.hook();
        if (obj.metadata.resourceVersion !== this.lease?.metadata.resourceVersion) throw status(409, 'Conflict');
        this.lease = { ...structuredClone(obj), metadata: { ...obj.metadata, resourceVersion: String(++this.rv) } };
        return structuredClone(this.lease);
      },
    } as unknown as ApiClient;
  }

  private async hook(): Promise<void> {
    const h = this.beforeWrite;
    this.beforeWrite = undefined;
    await h?.();
  }
}

function elector(leases: FakeLeases, identity: string, clock: { now: number }): LeaderElector {
  return new LeaderElector({ client: leases.client(), logger: pino({ level: 'silent' }), namespace: 'kube-system', name: 'm', identity, now: () => clock.now });
}

test('expiry is judged by the candidate’s own observation: 15 s without a change in the record', async () => {
  const leases = new FakeLeases();
  const clock = { now: 1_000_000 };
  const a = elector(leases, 'a', clock);
  const b = elector(leases, 'b', clock);
  assert.equal(await a.tryAcquireOrRenew(), true, 'a creates the Lease');
  assert.equal(await b.tryAcquireOrRenew(), false, 'b sees it held');
  clock.now += 10_000;
  assert.equal(await a.tryAcquireOrRenew(), true, 'a renews');
  assert.equal(await b.tryAcquireOrRenew(), false, 'b saw the renewal: its 15 s start again');
  clock.now += 14_900;
  assert.equal(await b.tryAcquireOrRenew(), false, 'not yet expired');
  clock.now += 200;
  assert.equal(await b.tryAcquireOrRenew(), true, 'a silent for 15 s: b takes over');
  assert.deepEqual([leases.lease?.spec.holderIdentity, leases.lease?.spec.leaseTransitions, leases.lease?.spec.leaseDurationSeconds], ['b', 1, 15]);
  assert.equal(await a.tryAcquireOrRenew(), false, 'a comes back and finds b holding it');
  assert.equal(await b.tryAcquireOrRenew(), true, 'b renews without a transition');
  assert.equal(leases.lease?.spec.leaseTransitions, 1);
});

test('two candidates taking an expired Lease at once: the compare-and-swap lets one win', async () => {
  const leases = new FakeLeases();
  const clock = { now: 0 };
  const old = elector(leases, 'old', clock);
  await old.tryAcquireOrRenew();
  const a = elector(leases, 'a', clock);
  const b = elector(leases, 'b', clock);
  await a.tryAcquireOrRenew();
  await b.tryAcquireOrRenew();
  clock.now += 16_000;
  // b reads, then a writes before b does.
  let aWon = false;
  leases.beforeWrite = async () => {
    aWon = await a.tryAcquireOrRenew();
  };
  const bWon = await b.tryAcquireOrRenew();
  assert.deepEqual([aWon, bWon, leases.lease?.spec.holderIdentity], [true, false, 'a']);
});

test('durations must nest: lease > renew deadline > retry period', () => {
  const leases = new FakeLeases();
  const base = { client: leases.client(), logger: pino({ level: 'silent' }), namespace: 'n', name: 'm', identity: 'x' };
  assert.throws(() => new LeaderElector({ ...base, leaseDurationMs: 10_000, renewDeadlineMs: 10_000 }), /leaseDuration must be greater/);
  assert.throws(() => new LeaderElector({ ...base, renewDeadlineMs: 2_000, retryPeriodMs: 2_000 }), /renewDeadline must be greater/);
});
