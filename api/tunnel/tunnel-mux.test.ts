// TunnelMux over a real loopback websocket: a stream whose reader stops returning credit
// holds its sender at one window (nothing piles up), while other streams on the same tunnel
// keep flowing; resets and a lost tunnel end streams on both sides.

import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { WebSocket, WebSocketServer } from 'ws';
import { TunnelMux, type TunnelStream } from './tunnel-mux.js';
import { STREAM_WINDOW, decodeFrame, encodeFrame, type LogStreamRequest, type StreamRequest } from './tunnel-protocol.js';

const request = (container: string): LogStreamRequest => ({
  kind: 'log',
  namespace: 'default',
  pod: 'p',
  podUid: 'u',
  container,
  previous: false,
  follow: true,
  timestamps: false,
});

const settle = (ms = 150) => new Promise((r) => setTimeout(r, ms));

describe('TunnelMux', () => {
  let wss: WebSocketServer;
  let control: TunnelMux;
  let agent: TunnelMux;
  const opened: { stream: TunnelStream; request: StreamRequest }[] = [];

  before(async () => {
    wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((r) => wss.once('listening', () => r()));
    const accepted = new Promise<WebSocket>((r) => wss.once('connection', (ws) => r(ws)));
    const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
    await new Promise<void>((r) => client.once('open', () => r()));
    // The agent dials out; the control server opens streams on what it accepted.
    agent = new TunnelMux(client, (stream, req) => opened.push({ stream, request: req }));
    control = new TunnelMux(await accepted);
  });
  after(async () => {
    control.close();
    agent.close();
    await new Promise<void>((r) => wss.close(() => r()));
  });

  test('frames round-trip; junk is rejected', () => {
    const f = decodeFrame(encodeFrame('data', 0xfffffffe, 2, Buffer.from('abc')));
    assert.deepEqual({ ...f, payload: f?.payload.toString() }, { type: 'data', stream: 0xfffffffe, channel: 2, payload: 'abc' });
    assert.equal(decodeFrame(Buffer.from([3, 0, 0])), undefined);
    assert.equal(decodeFrame(Buffer.from([99, 0, 0, 0, 1, 0])), undefined);
  });

  test('a reader that withholds credit stalls only its own stream, at one window', async () => {
    const slow = control.open(request('slow'));
    const fast = control.open(request('fast'));
    await settle(50);
    const [agentSlow, agentFast] = opened.splice(0).map((o) => o.stream);
    assert.ok(agentSlow && agentFast);

    let slowBytes = 0;
    const pendingAcks: (() => void)[] = [];
    slow.handlers = { data: (_c, p, done) => ((slowBytes += p.length), pendingAcks.push(done)) };
    let fastBytes = 0;
    fast.handlers = { data: (_c, p, done) => ((fastBytes += p.length), done()) };

    const total = 4 * 1024 * 1024;
    let slowWritten = false;
    const slowWrite = agentSlow.write(1, Buffer.alloc(total, 1)).then(() => (slowWritten = true));
    await agentFast.write(1, Buffer.alloc(total, 2));
    await settle();
    assert.equal(fastBytes, total, 'the fast stream finished while the slow one was stalled');
    assert.equal(slowBytes, STREAM_WINDOW, 'exactly one window is in flight on the stalled stream');
    assert.equal(slowWritten, false);

    // Returning credit lets the rest through, still never more than a window unacknowledged.
    while (!slowWritten || pendingAcks.length > 0) {
      const acks = pendingAcks.splice(0);
      acks.forEach((a) => a());
      await settle(20);
    }
    await slowWrite;
    assert.equal(slowBytes, total);
  });

  test('reset from the control side ends the agent stream and fails its pending write', async () => {
    const s = control.open(request('reset'));
    s.handlers = { data: () => undefined };
    await settle(50);
    const agentSide = opened.splice(0)[0]!.stream;
    const reasons: string[] = [];
    agentSide.handlers = { closed: (reason) => reasons.push(reason) };
    const write = agentSide.write(1, Buffer.alloc(STREAM_WINDOW * 2));
    await settle(50);
    s.reset();
    await assert.rejects(write);
    assert.deepEqual(reasons, ['reset']);
  });

  test('end carries the result; losing the tunnel closes every open stream', async () => {
    const done = control.open(request('done'));
    const result = new Promise((r) => (done.handlers = { closed: (reason, res) => r({ reason, res }) }));
    await settle(50);
    opened.splice(0)[0]!.stream.end({ exitCode: 3 });
    assert.deepEqual(await result, { reason: 'end', res: { exitCode: 3 } });

    const a = control.open(request('a'));
    const b = control.open(request('b'));
    const closed: string[] = [];
    a.handlers = { closed: (r) => closed.push(`a:${r}`) };
    b.handlers = { closed: (r) => closed.push(`b:${r}`) };
    await settle(50);
    const agentClosed: string[] = [];
    for (const o of opened.splice(0)) o.stream.handlers = { closed: (r) => agentClosed.push(r) };
    agent.close();
    await settle();
    assert.deepEqual(closed.sort(), ['a:tunnel-closed', 'b:tunnel-closed']);
    assert.deepEqual(agentClosed, ['tunnel-closed', 'tunnel-closed']);
    assert.equal(control.closed, true);
    assert.equal(control.activeStreams, 0);
  });
});
