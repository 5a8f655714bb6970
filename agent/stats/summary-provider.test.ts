import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LABEL_CONTAINER_NAME, LABEL_POD_NAME, LABEL_POD_NAMESPACE, LABEL_POD_UID, type ContainerStats } from '../runtime/runtime.js';
import { parseMeminfo, parseProcStat } from './node-usage.js';
import { SummaryProvider } from './summary-provider.js';

const SEC = 1_000_000_000n;

function fake() {
  let clock = 1_000_000;
  let cpu = 0n; // container "a" burns half a core
  let nodeCpu = 0n; // the node burns 1.5 cores
  let readings = 0;
  let extra = false;
  const labels = (pod: string, name: string) => ({ [LABEL_POD_UID]: `uid-${pod}`, [LABEL_POD_NAME]: pod, [LABEL_POD_NAMESPACE]: 'default', [LABEL_CONTAINER_NAME]: name });
  const provider = new SummaryProvider({
    now: () => clock,
    sleep: async (ms) => {
      clock += ms;
      cpu += (BigInt(ms) * SEC) / 2000n;
      nodeCpu += (BigInt(ms) * SEC * 3n) / 2000n;
    },
    readNode: async () => ({ usageCoreNanoSeconds: nodeCpu, workingSetBytes: 512 * 1024 * 1024 }),
    runtime: {
      listContainerStats: async (): Promise<ContainerStats[]> => {
        readings++;
        const ts = BigInt(clock) * 1_000_000n;
        const list: ContainerStats[] = [{ id: 'a', labels: labels('web', 'app'), timestamp: ts, usageCoreNanoSeconds: cpu, workingSetBytes: 10 * 1024 * 1024 }];
        if (extra) list.push({ id: 'b', labels: labels('new', 'app'), timestamp: ts, usageCoreNanoSeconds: 5n * SEC, workingSetBytes: 1 });
        return list;
      },
    },
  });
  return {
    provider,
    readings: () => readings,
    advance(ms: number) {
      clock += ms;
      cpu += (BigInt(ms) * SEC) / 2000n;
      nodeCpu += (BigInt(ms) * SEC * 3n) / 2000n;
    },
    addContainer: () => (extra = true),
  };
}

test('the first summary takes two readings a window apart and reports rates', async () => {
  const f = fake();
  const s = await f.provider.summary();
  assert.equal(f.readings(), 2);
  assert.equal(s.windowSeconds, 1);
  assert.equal(s.node.cpuNanoCores, 1_500_000_000);
  assert.equal(s.node.memoryWorkingSetBytes, 512 * 1024 * 1024);
  assert.deepEqual(s.pods, [{ namespace: 'default', name: 'web', uid: 'uid-web', containers: [{ name: 'app', cpuNanoCores: 500_000_000, memoryWorkingSetBytes: 10 * 1024 * 1024 }] }]);
});

test('a recent reading starts the next window; a stale one does not; new containers wait for their second reading', async () => {
  const f = fake();
  await f.provider.summary();
  f.advance(15_000);
  f.addContainer();
  const s = await f.provider.summary();
  assert.equal(f.readings(), 3, 'one new reading');
  assert.equal(s.windowSeconds, 15);
  assert.equal(s.pods[0]!.containers[0]!.cpuNanoCores, 500_000_000);
  assert.deepEqual(s.pods.map((p) => p.name), ['web'], 'the new container has only one reading so far');
  f.advance(120_000);
  const later = await f.provider.summary();
  assert.equal(f.readings(), 5, 'a stale reading means a fresh pair');
  assert.equal(later.windowSeconds, 1);
  assert.deepEqual(later.pods.map((p) => p.name).sort(), ['new', 'web']);
});

test('concurrent callers share one measurement', async () => {
  const f = fake();
  const [a, b] = await Promise.all([f.provider.summary(), f.provider.summary()]);
  assert.equal(a, b);
  assert.equal(f.readings(), 2);
});

test('/proc/stat busy time and /proc/meminfo working set', () => {
  // user nice system idle iowait irq softirq steal guest guest_nice, in 1/100 s
  assert.equal(parseProcStat('cpu  100 5 50 1000 20 3 2 0 0 0\ncpu0 1 2 3 4 5 6 7 8 9 10\n'), 1_600_000_000n);
  assert.equal(parseMeminfo('MemTotal:        2000 kB\nMemFree:  100 kB\nMemAvailable:     500 kB\n'), 1500 * 1024);
  assert.throws(() => parseProcStat('intr 1 2 3\n'), /no "cpu" line/);
});
