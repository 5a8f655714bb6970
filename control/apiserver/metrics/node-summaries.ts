// Fetches usage summaries from the agents over their tunnels, on demand: nothing is polled
// or stored (no writes to an SD card for metrics). Nodes are asked in parallel; a node
// whose agent is not connected, or does not answer in time, is simply absent, as a node
// metrics-server could not scrape is.

import type { Logger } from 'pino';
import { CHANNEL_STDOUT, type NodeStatsSummary } from '../../../api/tunnel/tunnel-protocol.js';
import { openNodeStream, type StreamOpener } from '../streaming/open-stream.js';

/** The agent measures over a ~1 s window when it has no recent reading. */
const SUMMARY_TIMEOUT_MS = 10_000;
const MAX_SUMMARY_BYTES = 8 * 1024 * 1024;

export function fetchSummary(tunnels: StreamOpener, nodeName: string): Promise<NodeStatsSummary> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const timer = setTimeout(() => reject(new Error(`node "${nodeName}" sent no usage summary within ${SUMMARY_TIMEOUT_MS / 1000}s`)), SUMMARY_TIMEOUT_MS);
    openNodeStream(tunnels, nodeName, { kind: 'stats' }, {
      data: (channel, payload, done) => {
        if (channel === CHANNEL_STDOUT && size + payload.length <= MAX_SUMMARY_BYTES) {
          chunks.push(payload);
          size += payload.length;
        }
        done();
      },
      closed: (_reason, result) => {
        clearTimeout(timer);
        if (result?.error) return reject(new Error(result.error.message));
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as NodeStatsSummary);
        } catch {
          reject(new Error(`node "${nodeName}" sent a usage summary that is not JSON`));
        }
      },
    }).catch((err: unknown) => {
      clearTimeout(timer);
      reject(err instanceof Error ? err : new Error(String(err)));
    });
  });
}

/** Summaries of the named nodes that answered; the others are logged and left out. */
export async function fetchSummaries(tunnels: StreamOpener, nodeNames: string[], logger: Logger): Promise<Map<string, NodeStatsSummary>> {
  const out = new Map<string, NodeStatsSummary>();
  await Promise.all(
    nodeNames.map(async (name) => {
      try {
        out.set(name, await fetchSummary(tunnels, name));
      } catch (err) {
        logger.debug({ node: name, err: (err as Error).message }, 'no usage summary');
      }
    }),
  );
  return out;
}
