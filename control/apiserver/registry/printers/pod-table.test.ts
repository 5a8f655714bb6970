import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ContainerStatus, Pod, PodStatus } from '../../../../api/types.js';
import { podColumnDefinitions, podTable, printPod } from './pod-table.js';

const now = new Date('2024-05-01T12:00:00Z');
const ago = (ms: number): string => new Date(now.getTime() - ms).toISOString();

function cs(extra: Partial<ContainerStatus> & { name?: string } = {}): ContainerStatus {
  return { name: 'c', state: {}, lastState: {}, ready: false, restartCount: 0, image: '', imageID: '', ...extra };
}

function pod(status: PodStatus, spec: Partial<Pod['spec']> = {}, metadata: Pod['metadata'] = {}): Pod {
  return {
    metadata: { name: 'p', creationTimestamp: ago(5 * 60 * 1000), ...metadata },
    spec: { containers: [{ name: 'a', image: 'x' }, { name: 'b', image: 'y' }], ...spec },
    status,
  };
}

const running = { running: { startedAt: ago(60_000) } };

describe('printPod', () => {
  const cases: { name: string; pod: Pod; cells: unknown[] }[] = [
    {
      name: 'phase when nothing better is known',
      pod: pod({ phase: 'Pending', containerStatuses: [cs({ ready: true, restartCount: 3, state: running }), cs({ restartCount: 3 })] }),
      cells: ['p', '1/2', 'Pending', '6', '5m'],
    },
    {
      name: 'waiting reason wins over phase',
      pod: pod({ phase: 'Running', containerStatuses: [cs({ ready: true, state: running }), cs({ state: { waiting: { reason: 'CrashLoopBackOff' } } })] }),
      cells: ['p', '1/2', 'CrashLoopBackOff', '0', '5m'],
    },
    {
      name: 'the first container has the last word',
      pod: pod({
        phase: 'Running',
        containerStatuses: [cs({ state: { waiting: { reason: 'ImagePullBackOff' } } }), cs({ state: { terminated: { exitCode: 1, reason: 'Error' } } })],
      }),
      cells: ['p', '0/2', 'ImagePullBackOff', '0', '5m'],
    },
    {
      name: 'status.reason',
      pod: pod({ phase: 'Failed', reason: 'Evicted', containerStatuses: [] }),
      cells: ['p', '0/2', 'Evicted', '0', '5m'],
    },
    {
      name: 'terminated without reason: exit code',
      pod: pod({ phase: 'Running', containerStatuses: [cs({ state: { terminated: { exitCode: 2 } } })] }),
      cells: ['p', '0/2', 'ExitCode:2', '0', '5m'],
    },
    {
      name: 'terminated without reason: signal',
      pod: pod({ phase: 'Running', containerStatuses: [cs({ state: { terminated: { exitCode: 137, signal: 9 } } })] }),
      cells: ['p', '0/2', 'Signal:9', '0', '5m'],
    },
    {
      name: 'completed next to running, not ready',
      pod: pod({
        phase: 'Running',
        containerStatuses: [cs({ ready: true, state: { terminated: { exitCode: 0, reason: 'Completed' } } }), cs({ ready: true, state: running })],
      }),
      cells: ['p', '1/2', 'NotReady', '0', '5m'],
    },
    {
      name: 'completed next to running, ready',
      pod: pod({
        phase: 'Running',
        conditions: [{ type: 'Ready', status: 'True' }],
        containerStatuses: [cs({ ready: true, state: { terminated: { exitCode: 0, reason: 'Completed' } } }), cs({ ready: true, state: running })],
      }),
      cells: ['p', '1/2', 'Running', '0', '5m'],
    },
    {
      name: 'restarts with the last restart age',
      pod: pod({
        phase: 'Running',
        containerStatuses: [
          cs({ ready: true, state: running, restartCount: 2, lastState: { terminated: { exitCode: 1, finishedAt: ago(10 * 60 * 1000) } } }),
          cs({ ready: true, state: running, restartCount: 3, lastState: { terminated: { exitCode: 1, finishedAt: ago(3 * 60 * 1000 + 20_000) } } }),
        ],
      }),
      cells: ['p', '2/2', 'Running', '5 (3m20s ago)', '5m'],
    },
    {
      name: 'init container running',
      pod: pod(
        { phase: 'Pending', initContainerStatuses: [cs({ state: { terminated: { exitCode: 0, reason: 'Completed' } } }), cs({ state: running })] },
        { initContainers: [{ name: 'i1', image: 'x' }, { name: 'i2', image: 'x' }, { name: 'i3', image: 'x' }] },
      ),
      cells: ['p', '0/2', 'Init:1/3', '0', '5m'],
    },
    {
      name: 'init container waiting',
      pod: pod({ phase: 'Pending', initContainerStatuses: [cs({ restartCount: 4, state: { waiting: { reason: 'CrashLoopBackOff' } } })] }, { initContainers: [{ name: 'i1', image: 'x' }] }),
      cells: ['p', '0/2', 'Init:CrashLoopBackOff', '4', '5m'],
    },
    {
      name: 'init container PodInitializing counts as in progress',
      pod: pod({ phase: 'Pending', initContainerStatuses: [cs({ state: { waiting: { reason: 'PodInitializing' } } })] }, { initContainers: [{ name: 'i1', image: 'x' }] }),
      cells: ['p', '0/2', 'Init:0/1', '0', '5m'],
    },
    {
      name: 'init container failed',
      pod: pod({ phase: 'Pending', initContainerStatuses: [cs({ state: { terminated: { exitCode: 1, reason: 'Error' } } })] }, { initContainers: [{ name: 'i1', image: 'x' }] }),
      cells: ['p', '0/2', 'Init:Error', '0', '5m'],
    },
    {
      name: 'init container exit code and signal',
      pod: pod({ phase: 'Pending', initContainerStatuses: [cs({ state: { terminated: { exitCode: 3 } } })] }, { initContainers: [{ name: 'i1', image: 'x' }] }),
      cells: ['p', '0/2', 'Init:ExitCode:3', '0', '5m'],
    },
    {
      name: 'init container signal',
      pod: pod({ phase: 'Pending', initContainerStatuses: [cs({ state: { terminated: { exitCode: 0, signal: 15 } } }), cs({ state: { terminated: { exitCode: 143, signal: 15 } } })] }, { initContainers: [{ name: 'i1', image: 'x' }, { name: 'i2', image: 'x' }] }),
      cells: ['p', '0/2', 'Init:Signal:15', '0', '5m'],
    },
    {
      name: 'sidecar (restartable init) counts as a container',
      pod: pod(
        {
          phase: 'Running',
          conditions: [{ type: 'Initialized', status: 'True' }],
          initContainerStatuses: [cs({ name: 'side', started: true, ready: true, restartCount: 1, state: running })],
          containerStatuses: [cs({ ready: true, state: running }), cs({ ready: true, state: running })],
        },
        { initContainers: [{ name: 'side', image: 'x', restartPolicy: 'Always' }] },
      ),
      cells: ['p', '3/3', 'Running', '1', '5m'],
    },
    {
      name: 'terminating',
      pod: pod({ phase: 'Running', containerStatuses: [cs({ ready: true, state: running })] }, {}, { deletionTimestamp: ago(0) }),
      cells: ['p', '1/2', 'Terminating', '0', '5m'],
    },
    {
      name: 'node lost while deleting',
      pod: pod({ phase: 'Running', reason: 'NodeLost' }, {}, { deletionTimestamp: ago(0) }),
      cells: ['p', '0/2', 'Unknown', '0', '5m'],
    },
    {
      name: 'finished pods are not "Terminating"',
      pod: pod({ phase: 'Succeeded', containerStatuses: [cs({ state: { terminated: { exitCode: 0, reason: 'Completed' } } })] }, {}, { deletionTimestamp: ago(0) }),
      cells: ['p', '0/2', 'Completed', '0', '5m'],
    },
    {
      name: 'scheduling gated',
      pod: pod({ phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }] }),
      cells: ['p', '0/2', 'SchedulingGated', '0', '5m'],
    },
    {
      name: 'no creation timestamp',
      pod: pod({ phase: 'Pending' }, {}, { creationTimestamp: undefined as unknown as string }),
      cells: ['p', '0/2', 'Pending', '0', '<unknown>'],
    },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(printPod(c.pod, now, { wide: false }).cells, c.cells));
  }

  it('wide columns', () => {
    const p = pod(
      { phase: 'Running', podIPs: [{ ip: '10.42.0.7' }], podIP: '10.42.0.7', conditions: [{ type: 'example.com/ready', status: 'True' }] },
      { nodeName: 'n1', readinessGates: [{ conditionType: 'example.com/ready' }, { conditionType: 'example.com/other' }] },
    );
    assert.deepEqual(printPod(p, now).cells.slice(5), ['10.42.0.7', 'n1', '<none>', '1/2']);
    assert.deepEqual(printPod(pod({ phase: 'Pending' }), now).cells.slice(5), ['<none>', '<none>', '<none>', '<none>']);
  });

  it('row conditions for finished pods', () => {
    assert.deepEqual(printPod(pod({ phase: 'Succeeded' }), now).conditions, [
      { type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' },
    ]);
    assert.deepEqual(printPod(pod({ phase: 'Failed' }), now).conditions, [{ type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' }]);
    assert.equal(printPod(pod({ phase: 'Running' }), now).conditions, undefined);
    assert.equal(printPod(pod({ phase: 'Running' }), now).object, undefined);
  });

  it('column definitions', () => {
    assert.deepEqual(
      podColumnDefinitions.map((c) => [c.name, c.type, c.format, c.priority]),
      [
        ['Name', 'string', 'name', 0],
        ['Ready', 'string', '', 0],
        ['Status', 'string', '', 0],
        ['Restarts', 'string', '', 0],
        ['Age', 'string', '', 0],
        ['IP', 'string', '', 1],
        ['Node', 'string', '', 1],
        ['Nominated Node', 'string', '', 1],
        ['Readiness Gates', 'string', '', 1],
      ],
    );
    assert.equal(podColumnDefinitions[1]!.description, 'The aggregate readiness state of this pod for accepting traffic.');
    assert.equal(podTable.rows([pod({ phase: 'Running' })], now)[0]!.cells.length, podColumnDefinitions.length);
  });
});
