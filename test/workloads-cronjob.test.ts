// The CronJob controller against a real agent, over two activations of a `*/1 * * * *`
// schedule (about two minutes of wall time): Allow with successfulJobsHistoryLimit 1 keeps
// only the newest finished Job; Forbid does not start a second Job while the first runs;
// Replace deletes the running Job and starts the new one. Jobs are named
// <cronjob>-<scheduled minutes since the epoch>. A CronJob whose last run is three hours
// back (what a long control outage leaves) makes one catch-up run and reports the misses.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { resources } from '../api/resources.js';
import type { KubeObject } from '../api/types.js';
import type { CronJob, Job } from '../api/workload-types.js';
import { ensureTestImages } from './fixtures/images.js';
import { startCluster, waitFor, type TestCluster } from './lib/cluster.js';
import { sleepForever } from './lib/manifests.js';

const KUBECTL = '1.33';

describe('cronjob controller', () => {
  let cluster: TestCluster;
  let busybox: string;
  before(async () => {
    busybox = (await ensureTestImages()).busybox;
    cluster = await startCluster({ agents: 1 });
  });
  after(async () => {
    await cluster?.stop();
  });

  const manifest = (name: string, policy: string, command: string[]) =>
    JSON.stringify({
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name },
      spec: {
        schedule: '*/1 * * * *',
        concurrencyPolicy: policy,
        successfulJobsHistoryLimit: 1,
        jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image: busybox, command }] } } } },
      },
    });
  const jobsOf = async (cj: string) =>
    (await cluster.client.list<Job>(resources.jobs, { namespace: 'default' })).items.filter((j) => j.metadata.ownerReferences?.[0]?.name === cj && !j.metadata.deletionTimestamp);
  const complete = (j: Job) => j.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True');
  const minutesOf = (name: string) => Number(name.slice(name.lastIndexOf('-') + 1));

  test('every minute: history limit, Forbid and Replace over two activations', async () => {
    for (const [name, policy, command] of [
      ['hist', 'Allow', ['true']],
      ['forbid', 'Forbid', sleepForever],
      ['replace', 'Replace', sleepForever],
    ] as const) {
      await cluster.kubectlOk(['apply', '-f', '-'], { version: KUBECTL, input: manifest(name, policy, [...command]) });
    }
    const seen = new Map<string, Set<string>>([['hist', new Set()], ['forbid', new Set()], ['replace', new Set()]]);
    const observe = async () => {
      for (const [cj, names] of seen) for (const j of await jobsOf(cj)) names.add(j.metadata.name!);
    };
    // Two activations: at most ~2 minutes from now, plus the second Job's run.
    await waitFor('two activations of every CronJob', async () => {
      await observe();
      const hist = await jobsOf('hist');
      const replace = await jobsOf('replace');
      return seen.get('hist')!.size >= 2 && seen.get('replace')!.size >= 2 && hist.length === 1 && complete(hist[0]!) && replace.length === 1;
    }, 150_000, 1_000);

    // Allow with successfulJobsHistoryLimit 1: the older finished Job is gone.
    const histNames = [...seen.get('hist')!].sort();
    const [first, second] = histNames.map(minutesOf);
    assert.equal(second! - first!, 1, `consecutive minutes: ${histNames.join(', ')}`);
    const [kept] = await jobsOf('hist');
    assert.equal(kept!.metadata.name, histNames.at(-1));
    const scheduled = Date.parse(kept!.metadata.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp'] ?? '');
    assert.equal(scheduled, minutesOf(kept!.metadata.name!) * 60_000, 'the name carries the scheduled minute');
    const hist = await cluster.client.get<CronJob>(resources.cronjobs, 'hist', 'default');
    assert.equal(Date.parse(hist.status!.lastScheduleTime!), scheduled);
    assert.ok(hist.status?.lastSuccessfulTime, 'lastSuccessfulTime is set');
    assert.equal(hist.status?.active, undefined, 'nothing active after the Job finished');

    // Replace: the first Job was deleted, the second runs.
    const [running] = await jobsOf('replace');
    assert.equal(running!.metadata.name, [...seen.get('replace')!].sort().at(-1));
    const replace = await cluster.client.get<CronJob>(resources.cronjobs, 'replace', 'default');
    assert.deepEqual(replace.status?.active?.map((r) => r.name), [running!.metadata.name]);

    // Forbid: the second activation found the first Job running and started nothing.
    await waitFor('the Forbid CronJob to skip its second activation', async () => {
      const events = await cluster.client.list<KubeObject & { reason?: string; involvedObject?: { name?: string } }>(resources.events, { namespace: 'default' });
      return events.items.some((e) => e.reason === 'JobAlreadyActive' && e.involvedObject?.name === 'forbid');
    }, 30_000, 500);
    await observe();
    assert.equal(seen.get('forbid')!.size, 1, `one Job only: ${[...seen.get('forbid')!].join(', ')}`);
    const forbid = await cluster.client.get<CronJob>(resources.cronjobs, 'forbid', 'default');
    assert.equal(forbid.status?.active?.length, 1);

    const table = await cluster.kubectlOk(['get', 'cronjob', 'forbid', '--no-headers'], { version: KUBECTL });
    assert.match(table, /^forbid\s+\*\/1 \* \* \* \*\s+<none>\s+False\s+1\s+\S+/);
  });
  test('after a long outage (lastScheduleTime 3 h back): one catch-up run of the latest activation and TooManyMissedTimes', async () => {
    // What a control server down for three hours finds: the status it left behind.
    const suspended = JSON.parse(manifest('late', 'Allow', ['true']));
    suspended.spec.suspend = true;
    await cluster.kubectlOk(['apply', '-f', '-'], { version: KUBECTL, input: JSON.stringify(suspended) });
    const threeHoursAgo = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 3 * 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    await cluster.client.patch(resources.cronjobs, 'late', { status: { lastScheduleTime: threeHoursAgo } }, { namespace: 'default', subresource: 'status' });
    await cluster.kubectlOk(['patch', 'cronjob', 'late', '-p', '{"spec":{"suspend":false}}'], { version: KUBECTL });
    const resumedAt = Date.now();

    const [job] = await waitFor('the catch-up Job', async () => {
      const jobs = await jobsOf('late');
      return jobs.length > 0 ? jobs : undefined;
    }, 20_000, 200);
    const scheduled = minutesOf(job!.metadata.name!) * 60_000;
    assert.ok(resumedAt - scheduled < 60_000 && scheduled <= Date.now(), `the most recent activation, not an old one (${job!.metadata.name})`);
    await waitFor('the TooManyMissedTimes event', async () => {
      const events = await cluster.client.list<KubeObject & { reason?: string; involvedObject?: { name?: string } }>(resources.events, { namespace: 'default' });
      return events.items.some((e) => e.reason === 'TooManyMissedTimes' && e.involvedObject?.name === 'late');
    }, 10_000, 300);
    // A short while later still only that one: the 180 missed activations made one run.
    await new Promise((r) => setTimeout(r, 2_000));
    const jobs = await jobsOf('late');
    assert.ok(jobs.length <= 2, `one catch-up run (a second only if a new minute began): ${jobs.map((j) => j.metadata.name).join(', ')}`);
    assert.ok(jobs.every((j) => minutesOf(j.metadata.name!) * 60_000 >= scheduled), 'no run for an old activation');
  });
});

