// kubectl logs and kubectl exec end to end: the machine's kubectl (1.33, 1.30, 1.27) against
// a real cluster whose agent serves both over its own outbound tunnel, with real Docker.
// Also the websocket channel protocol spoken directly (tty, resize, large binary output,
// several streams at once) and the tunnel coming back after an agent restart.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import type { IncomingMessage } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { WebSocket } from 'ws';
import { readKubeconfig } from '../api/kubeconfig.js';
import { ensureTestImages, HOST_BUSYBOX } from './fixtures/images.js';
import { startCluster, waitFor, type TestCluster } from './lib/cluster.js';
import { kubectlPath, kubectlVersions } from './lib/kubectl.js';

const LOOP = "trap 'exit 0' TERM; i=0; while true; do echo line $i; echo err $i >&2; i=$((i+1)); sleep 0.3; done";

function pods(image: string): string {
  const pod = (name: string, spec: Record<string, unknown>) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { terminationGracePeriodSeconds: 1, ...spec } });
  const items = [
    pod('two', {
      containers: [
        { name: 'a', image, command: ['sh', '-c', LOOP] },
        { name: 'b', image, command: ['sh', '-c', "echo hello from b; trap 'exit 0' TERM; while true; do sleep 1; done"] },
      ],
    }),
    // Restarted once by the test (kill 1 → exit 1): each run prints its own marker.
    pod('crash', { containers: [{ name: 'main', image, command: ['sh', '-c', "trap 'exit 1' TERM; echo start-$RANDOM$RANDOM; while true; do sleep 1; done"] }] }),
    pod('waiting', { containers: [{ name: 'main', image: 'skiff-test/absent:1', imagePullPolicy: 'Never' }] }),
    pod('done', { restartPolicy: 'Never', containers: [{ name: 'main', image, command: ['sh', '-c', 'echo finished'] }] }),
    // ~17.8 MB of log (fits the json-file rotation of 2 × 10 MB): 2000 lines of "1x2x…x2000".
    pod('big', { containers: [{ name: 'main', image, command: ['sh', '-c', "line=$(seq -s x 1 2000); yes \"$line\" | head -n 2000; echo END; trap 'exit 0' TERM; while true; do sleep 1; done"] }] }),
  ];
  return JSON.stringify({ apiVersion: 'v1', kind: 'List', items });
}

interface ExecResult {
  protocol: string;
  stdout: Buffer;
  stderr: Buffer;
  status: { status?: string; reason?: string; message?: string; details?: { causes?: { reason?: string; message?: string }[] } } | undefined;
}

/** Speaks the remotecommand websocket protocol itself, as kubectl ≥ 1.30 does. */
async function wsExec(
  cluster: TestCluster,
  pod: string,
  params: Record<string, string | string[]>,
  opts: { protocols?: string[]; onOpen?: (send: (channel: number, data: Buffer | string) => void) => void } = {},
): Promise<ExecResult> {
  const creds = await readKubeconfig(cluster.kubeconfig);
  const url = new URL(`/api/v1/namespaces/default/pods/${pod}/exec`, creds.server.replace(/^https/, 'wss'));
  for (const [k, v] of Object.entries(params)) for (const x of Array.isArray(v) ? v : [v]) url.searchParams.append(k, x);
  const ws = new WebSocket(url, opts.protocols ?? ['v5.channel.k8s.io', 'v4.channel.k8s.io'], { headers: { Authorization: `Bearer ${creds.token}` }, ca: creds.caPem });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let status: Buffer | undefined;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error('exec over websocket did not finish in 20 s'));
    }, 20_000);
    ws.on('open', () => opts.onOpen?.((channel, data) => ws.send(Buffer.concat([Buffer.from([channel]), Buffer.from(data)]))));
    ws.on('message', (data: Buffer) => {
      const payload = data.subarray(1);
      if (data[0] === 1) out.push(payload);
      else if (data[0] === 2) err.push(payload);
      else if (data[0] === 3) status = Buffer.concat([status ?? Buffer.alloc(0), payload]);
    });
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c));
      res.on('end', () => {
        clearTimeout(timer);
        reject(new Error(`HTTP ${res.statusCode}: ${body}`));
      });
    });
    ws.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    ws.on('close', () => {
      clearTimeout(timer);
      resolve({ protocol: ws.protocol, stdout: Buffer.concat(out), stderr: Buffer.concat(err), status: status?.length ? JSON.parse(status.toString('utf8')) : undefined });
    });
  });
}

function rssMiB(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;
}

/** How many streams the agent saw stopped early by their reader (its debug log). */
function stoppedStreams(cluster: TestCluster): number {
  return cluster.agent().logs().split('\n').filter((l) => l.includes('"kind":"log"') && l.includes('"reason":"reset"') && l.includes('stream stopped before its end')).length;
}

const BIG_LOG_BYTES = 2000 * 8893 + 'END\n'.length;

/** Every versioned kubectl on the machine (1.27 … 1.33), newest first, and 1.20. */
const ALL_VERSIONS = [...[...kubectlVersions().keys()].reverse(), '1.20'];

describe('kubectl logs and exec over the agent tunnel', () => {
  let cluster: TestCluster;
  let crashMarker = '';

  before(async () => {
    const { busybox } = await ensureTestImages();
    cluster = await startCluster({ agents: 1 });
    await cluster.kubectlOk(['apply', '-f', '-'], { input: pods(busybox) });
    await cluster.waitForPod('two', 'Running', (p) => p.status?.phase === 'Running', 30_000);
    await cluster.waitForPod('crash', 'Running', (p) => p.status?.containerStatuses?.[0]?.state.running !== undefined, 30_000);
    // Start the restart early: the kubelet's first CrashLoopBackOff delay is 10 s.
    crashMarker = (await waitFor('the first marker', async () => /start-\d+/.exec(await cluster.kubectlOk(['logs', 'crash']))?.[0], 10_000));
    await cluster.kubectlOk(['exec', 'crash', '--', 'kill', '1']);
  });
  after(async () => {
    await cluster?.stop();
  });

  for (const version of ALL_VERSIONS) {
    test(`kubectl ${version} logs: plain, --tail, -c, --timestamps, defaulted container`, async () => {
      const b = await cluster.kubectlOk(['logs', 'two', '-c', 'b'], { version });
      assert.equal(b, 'hello from b\n');
      const tail = await cluster.kubectlOk(['logs', 'two', '-c', 'a', '--tail', '2'], { version });
      const lines = tail.split('\n').filter(Boolean);
      assert.equal(lines.length, 2, tail);
      assert.match(lines[0]!, /^(line|err) \d+$/);
      const ts = await cluster.kubectlOk(['logs', 'two', '-c', 'a', '--tail', '1', '--timestamps'], { version });
      assert.match(ts, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z (line|err) \d+\n$/);
      assert.equal((await cluster.kubectlOk(['logs', 'two', '-c', 'b', '--limit-bytes', '5'], { version })), 'hello');
      assert.equal(await cluster.kubectlOk(['logs', 'two', '-c', 'b', '--since', '1h'], { version }), 'hello from b\n');
      assert.equal(await cluster.kubectlOk(['logs', 'two', '-c', 'b', '--since-time', '2099-01-01T00:00:00Z'], { version }), '');
      // No -c on a two-container pod: kubectl picks the first and says so.
      const r = await cluster.kubectl(['logs', 'two', '--tail', '1'], { version });
      if (version === '1.20') {
        // Before 1.21 kubectl asked for a container instead of defaulting to the first.
        assert.equal(r.code, 1);
        assert.match(r.stderr, /a container name must be specified for pod two, choose one of: \[a b\]/);
        return;
      }
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /Defaulted container "a" out of: a, b/);
      assert.match(r.stdout, /^(line|err) \d+\n$/);
    });
  }

  test('logs -f sees new lines as they are written and stops when kubectl is killed', async () => {
    const child = spawn(kubectlPath('1.33'), ['--kubeconfig', cluster.kubeconfig, 'logs', '-f', 'two', '-c', 'a', '--tail', '1']);
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const first = await waitFor('the first followed line', () => /(line|err) (\d+)/.exec(out)?.[2], 10_000, 50);
    // Lines written after the request started arrive while it is still open.
    await waitFor('a newer line', () => new RegExp(`line ${Number(first) + 3}\\n`).test(out), 10_000, 50);
    const stoppedBefore = stoppedStreams(cluster);
    process.kill(child.pid!, 'SIGTERM');
    assert.notEqual(await exited, 0);
    // The agent hears of it and stops reading the container's log.
    await waitFor('the agent to stop the log stream', () => stoppedStreams(cluster) > stoppedBefore, 5_000, 50);
    // The tunnel is still usable afterwards.
    assert.equal(await cluster.kubectlOk(['logs', 'two', '-c', 'b']), 'hello from b\n');
  });

  test('logs -f ends by itself when the container exits', async () => {
    await cluster.kubectlOk(['run', 'ticker', '--image', 'skiff-test/busybox:1', '--restart', 'Never', '--', 'sh', '-c', 'for i in 1 2 3 4; do echo tick $i; sleep 0.5; done']);
    await cluster.waitForPod('ticker', 'Running', (p) => p.status?.phase !== 'Pending', 20_000);
    const started = Date.now();
    const r = await cluster.kubectl(['logs', '-f', 'ticker'], { version: '1.27' });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'tick 1\ntick 2\ntick 3\ntick 4\n');
    assert.ok(Date.now() - started < 10_000);
  });

  test('errors read as Kubernetes words them', async () => {
    const raw = await cluster.kubectl(['get', '--raw', '/api/v1/namespaces/default/pods/two/log']);
    assert.match(raw.stderr, /Error from server \(BadRequest\): a container name must be specified for pod two, choose one of: \[a b\]/);
    const bad = await cluster.kubectl(['get', '--raw', '/api/v1/namespaces/default/pods/two/log?container=zz']);
    assert.match(bad.stderr, /container zz is not valid for pod two/);
    const prev = await cluster.kubectl(['logs', 'two', '-c', 'a', '--previous']);
    assert.equal(prev.code, 1);
    assert.match(prev.stderr, /Error from server \(BadRequest\): previous terminated container "a" in pod "two" not found/);
    await cluster.waitForPod('waiting', 'waiting on its image', (p) => !!p.status?.containerStatuses?.[0]?.state.waiting?.reason, 20_000);
    const reason = (await cluster.pod('waiting')).status!.containerStatuses![0]!.state.waiting!.reason!;
    const waiting = await cluster.kubectl(['logs', 'waiting']);
    assert.match(waiting.stderr, new RegExp(`Error from server \\(BadRequest\\): container "main" in pod "waiting" is waiting to start: ${reason}`));
    const missing = await cluster.kubectl(['logs', 'nope']);
    assert.match(missing.stderr, /pods "nope" not found/);
    await cluster.waitForPod('done', 'Succeeded', (p) => p.status?.phase === 'Succeeded', 20_000);
    assert.equal(await cluster.kubectlOk(['logs', 'done']), 'finished\n');
    const execWaiting = await cluster.kubectl(['exec', 'waiting', '--', 'true']);
    assert.equal(execWaiting.code, 1);
    assert.match(execWaiting.stderr, /container not found \("main"\)/);
    const execDone = await wsExec(cluster, 'done', { command: 'true', stdout: 'true' }).catch((e: Error) => e.message);
    assert.match(String(execDone), /HTTP 400: .*cannot exec into a container in a completed pod; current phase is Succeeded/);
  });

  // 1.30 and newer speak websocket v5; 1.29 and older, 1.20 too, SPDY/3.1.
  for (const version of ALL_VERSIONS) {
    test(`kubectl ${version} exec: output, exit code passed through, stdin piped`, async () => {
      const r = await cluster.kubectl(['exec', 'two', '-c', 'b', '--', 'sh', '-c', 'echo out; echo err >&2; exit 3'], { version });
      assert.equal(r.code, 3, r.stderr);
      assert.equal(r.stdout, 'out\n');
      assert.match(r.stderr, /^err\n/);
      assert.match(r.stderr, /command terminated with exit code 3/);
      const cat = await cluster.kubectl(['exec', '-i', 'two', '-c', 'b', '--', 'cat'], { version, input: 'hi\nthere\n' });
      assert.equal(cat.code, 0, cat.stderr);
      assert.equal(cat.stdout, 'hi\nthere\n');
      // -t with a pipe: kubectl warns and runs without a terminal.
      const t = await cluster.kubectl(['exec', '-i', '-t', 'two', '-c', 'b', '--', 'sh'], { version, input: 'echo $((40+2)); exit 4\n' });
      assert.equal(t.code, 4, t.stderr);
      assert.match(t.stdout, /42/);
    });
  }

  for (const version of ['1.33', '1.27']) {
    test(`kubectl ${version} exec -it in a real terminal (script(1) gives kubectl a pty)`, async () => {
      const kubectl = `${kubectlPath(version)} --kubeconfig ${cluster.kubeconfig} exec -it two -c b -- sh`;
      const child = spawn('script', ['-qec', kubectl, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
      try {
        await waitFor('the shell prompt', () => out.includes('# '), 10_000, 50);
        // The backslash keeps the echoed command line from matching the answer.
        child.stdin.write('test -t 0 && test -t 1 && echo TTY-\\YES; exit 6\n');
        assert.equal(await exited, 6, out);
        assert.match(out, /TTY-YES\r\n/);
      } finally {
        if (child.exitCode === null) process.kill(child.pid!, 'SIGKILL');
      }
    });
  }

  test('websocket protocol: tty and resize, v4 exit status, stdin close in v5', async () => {
    const tty = await wsExec(
      cluster,
      'two',
      { container: 'b', command: ['sh', '-c', 'test -t 0 && test -t 1 && echo TTY-YES; read line; echo got:$line; exit 5'], stdin: 'true', stdout: 'true', tty: 'true' },
      {
        onOpen: (send) => {
          send(4, JSON.stringify({ Width: 120, Height: 40 }));
          send(0, 'abc\n');
        },
      },
    );
    assert.equal(tty.protocol, 'v5.channel.k8s.io');
    assert.match(tty.stdout.toString(), /TTY-YES\r?\n/);
    assert.match(tty.stdout.toString(), /got:abc/);
    assert.equal(tty.status?.status, 'Failure');
    assert.equal(tty.status?.reason, 'NonZeroExitCode');
    assert.deepEqual(tty.status?.details?.causes, [{ reason: 'ExitCode', message: '5' }]);

    const v4 = await wsExec(cluster, 'two', { container: 'b', command: ['sh', '-c', 'echo v4'], stdout: 'true', stderr: 'true' }, { protocols: ['v4.channel.k8s.io'] });
    assert.equal(v4.protocol, 'v4.channel.k8s.io');
    assert.equal(v4.stdout.toString(), 'v4\n');
    assert.equal(v4.status?.status, 'Success');

    // v5: closing stdin (channel 255, payload 0) gives the process EOF.
    const eof = await wsExec(cluster, 'two', { container: 'b', command: ['wc', '-c'], stdin: 'true', stdout: 'true' }, {
      onOpen: (send) => {
        send(0, 'x'.repeat(100_000));
        send(255, Buffer.from([0]));
      },
    });
    assert.equal(eof.stdout.toString().trim(), '100000');
    assert.equal(eof.status?.status, 'Success');
  });

  test('several execs and logs at once on one tunnel, large binary output intact', async () => {
    const want = createHash('sha256').update(readFileSync(HOST_BUSYBOX)).digest('hex');
    const started = Date.now();
    const [big1, big2, ...rest] = await Promise.all([
      wsExec(cluster, 'two', { container: 'b', command: ['cat', '/bin/busybox'], stdout: 'true' }),
      wsExec(cluster, 'two', { container: 'a', command: ['cat', '/bin/busybox'], stdout: 'true' }),
      ...[1, 2, 3, 4].map((n) => cluster.kubectl(['exec', 'two', '-c', 'b', '--', 'sh', '-c', `sleep 2; echo n${n}`])),
      cluster.kubectl(['logs', 'two', '-c', 'b']),
      cluster.kubectl(['logs', 'two', '-c', 'a', '--tail', '3']),
    ]);
    for (const big of [big1!, big2!]) {
      assert.ok(big.stdout.length > 1_000_000, `only ${big.stdout.length} bytes`);
      assert.equal(createHash('sha256').update(big.stdout).digest('hex'), want);
      assert.equal(big.status?.status, 'Success');
    }
    rest.slice(0, 4).forEach((r, i) => assert.equal(r.stdout, `n${i + 1}\n`, r.stderr));
    assert.equal(rest[4]!.stdout, 'hello from b\n');
    assert.equal(rest[5]!.stdout.split('\n').filter(Boolean).length, 3);
    // The four two-second execs ran side by side, not one after another (that takes ≥ 8 s).
    assert.ok(Date.now() - started < 7_000, `took ${Date.now() - started} ms`);
  });

  test('a paused log reader holds back the agent: neither process buffers the log', async (t) => {
    await waitFor('the big log to be written', async () => (await cluster.kubectlOk(['logs', 'big', '--tail', '1'])) === 'END\n', 20_000);
    const creds = await readKubeconfig(cluster.kubeconfig);
    const pids = [cluster.control.pid, cluster.agent().pid];
    const before = pids.map(rssMiB);
    const res = await new Promise<IncomingMessage>((resolve, reject) =>
      https.get(new URL('/api/v1/namespaces/default/pods/big/log', creds.server), { headers: { Authorization: `Bearer ${creds.token}` }, ca: creds.caPem }, resolve).on('error', reject),
    );
    assert.equal(res.statusCode, 200);
    let got = 0;
    res.once('data', (c: Buffer) => {
      got += c.length;
      res.pause();
    });
    await new Promise((r) => setTimeout(r, 2_000));
    const during = pids.map(rssMiB);
    res.on('data', (c: Buffer) => (got += c.length));
    res.resume();
    await new Promise((r) => res.on('end', r));
    assert.equal(got, BIG_LOG_BYTES);
    // Without flow control the whole ~17 MiB would sit in one of them while the reader
    // waits; with it, only windows, socket buffers' worth of garbage and noise.
    t.diagnostic(`RSS MiB before/while paused: control ${before[0]!.toFixed(1)}/${during[0]!.toFixed(1)}, agent ${before[1]!.toFixed(1)}/${during[1]!.toFixed(1)}`);
    ['control', 'agent'].forEach((who, i) => {
      assert.ok(during[i]! - before[i]! < 10, `${who} RSS grew from ${before[i]!.toFixed(1)} to ${during[i]!.toFixed(1)} MiB`);
    });
  });

  test('logs --previous after a restart shows the earlier run', async () => {
    const pod = await cluster.waitForPod('crash', 'restarted and running', (p) => (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1 && !!p.status?.containerStatuses?.[0]?.state.running, 30_000);
    assert.ok(pod);
    const previous = await cluster.kubectlOk(['logs', 'crash', '--previous']);
    assert.equal(previous, `${crashMarker}\n`);
    const current = await waitFor('the new run to print', async () => {
      const out = await cluster.kubectlOk(['logs', 'crash']);
      return out.trim() ? out : undefined;
    }, 5_000);
    assert.match(current, /^start-\d+\n$/);
    assert.notEqual(current, previous);
  });

  test('agent restart: no tunnel is an immediate error; the tunnel comes back', async () => {
    const agent = cluster.agent();
    await agent.stop();
    const started = Date.now();
    const r = await cluster.kubectl(['logs', 'two', '-c', 'b']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`node "${cluster.nodeNames[0]}" has no streaming connection to the control server`));
    assert.ok(Date.now() - started < 5_000);
    // kubectl ≥ 1.30 retries over SPDY after a failed websocket upgrade; both show the reason.
    for (const version of ['1.33', '1.27']) {
      const e = await cluster.kubectl(['exec', 'two', '-c', 'b', '--', 'true'], { version });
      assert.notEqual(e.code, 0);
      assert.match(e.stderr, /has no streaming connection to the control server/);
    }
    agent.start();
    const out = await waitFor('logs through the new tunnel', async () => {
      const again = await cluster.kubectl(['logs', 'two', '-c', 'b']);
      return again.code === 0 ? again.stdout : undefined;
    }, 20_000, 250);
    assert.equal(out, 'hello from b\n');
    const x = await cluster.kubectl(['exec', 'two', '-c', 'b', '--', 'sh', '-c', 'exit 7']);
    assert.equal(x.code, 7, x.stderr);
  });
});
