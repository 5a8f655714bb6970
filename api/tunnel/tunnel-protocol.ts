// What travels over the agent's tunnel: the frame layout and the stream requests the control
// server sends. Shared by both ends, so it lives in api/ (agent/ and control/ never import
// each other).
//
// One websocket binary message is one frame:
//   [type u8][stream id u32 BE][channel u8][payload…]
// Streams are opened by the control server only. Each direction of a stream has its own
// credit window: a sender may have at most `window` unacknowledged DATA bytes in flight, and
// the receiver returns credit once it has handed the bytes on (written to the HTTP client or
// to the process). One slow kubectl therefore stalls only its own stream, never the tunnel,
// and neither end buffers more than a window per stream.

import type { Status } from '../types.js';

export type FrameType = 'open' | 'accept' | 'data' | 'eof' | 'resize' | 'credit' | 'end' | 'reset';

export const FRAME_CODES: Record<FrameType, number> = { open: 1, accept: 2, data: 3, eof: 4, resize: 5, credit: 6, end: 7, reset: 8 };
const BY_CODE = new Map<number, FrameType>(Object.entries(FRAME_CODES).map(([k, v]) => [v, k as FrameType]));

/** Channels inside a stream, numbered as the Kubernetes remotecommand protocol numbers them. */
export const CHANNEL_STDIN = 0;
export const CHANNEL_STDOUT = 1;
export const CHANNEL_STDERR = 2;

export const HEADER_BYTES = 6;
/** Initial (and maximum outstanding) DATA bytes per stream direction. */
export const STREAM_WINDOW = 256 * 1024;
/** Larger writes are split so one stream cannot hog the websocket with one huge message. */
export const MAX_FRAME_PAYLOAD = 32 * 1024;

/** The path the agent dials; the node name in it must be a registered Node. */
export const TUNNEL_PATH_SUFFIX = 'proxy/skiff-tunnel';
export function tunnelPath(nodeName: string): string {
  return `/api/v1/nodes/${encodeURIComponent(nodeName)}/${TUNNEL_PATH_SUFFIX}`;
}

export interface Frame {
  type: FrameType;
  stream: number;
  channel: number;
  payload: Buffer;
}

export function encodeFrame(type: FrameType, stream: number, channel: number, payload?: Buffer): Buffer {
  const buf = Buffer.allocUnsafe(HEADER_BYTES + (payload?.length ?? 0));
  buf.writeUInt8(FRAME_CODES[type], 0);
  buf.writeUInt32BE(stream >>> 0, 1);
  buf.writeUInt8(channel & 0xff, 5);
  payload?.copy(buf, HEADER_BYTES);
  return buf;
}

/** undefined for a message that is not a frame (too short, unknown type): the caller drops it. */
export function decodeFrame(buf: Buffer): Frame | undefined {
  if (buf.length < HEADER_BYTES) return undefined;
  const type = BY_CODE.get(buf.readUInt8(0));
  if (!type) return undefined;
  return { type, stream: buf.readUInt32BE(1), channel: buf.readUInt8(5), payload: buf.subarray(HEADER_BYTES) };
}

/** Which container of which pod: the agent resolves it against its runtime's labels. */
export interface ContainerTarget {
  namespace: string;
  pod: string;
  podUid: string;
  container: string;
  /** The container id the pod status names for this request ("docker://…"), a hint only. */
  containerId?: string;
}

export interface LogStreamRequest extends ContainerTarget {
  kind: 'log';
  previous: boolean;
  follow: boolean;
  timestamps: boolean;
  tailLines?: number;
  /** RFC 3339; the control server turns sinceSeconds into this. */
  sinceTime?: string;
  limitBytes?: number;
}

export interface ExecStreamRequest extends ContainerTarget {
  kind: 'exec';
  command: string[];
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

/** What the node is using now (metrics.k8s.io's source): the agent answers with one JSON NodeStatsSummary. */
export interface StatsStreamRequest {
  kind: 'stats';
}

export type StreamRequest = LogStreamRequest | ExecStreamRequest | StatsStreamRequest;

export const STREAM_KINDS: readonly StreamRequest['kind'][] = ['log', 'exec', 'stats'];

/** CPU as a rate over the sample window, memory as the working set (what the OOM killer weighs). */
export interface Usage {
  cpuNanoCores: number;
  memoryWorkingSetBytes: number;
}

/** The kubelet's /stats/summary, cut down to what metrics.k8s.io serves. */
export interface NodeStatsSummary {
  /** RFC 3339 time of the newer of the two samples the rates come from. */
  timestamp: string;
  /** Seconds between the two samples. */
  windowSeconds: number;
  node: Usage;
  pods: { namespace: string; name: string; uid: string; containers: ({ name: string } & Usage)[] }[];
}

/** The last frame of a stream from the agent: how it ended. */
export interface StreamResult {
  /** exec: the process's exit code. */
  exitCode?: number;
  /** Set when the stream failed (before or after accept): a Kubernetes Status to pass on. */
  error?: Status;
}

export interface TerminalSize {
  width: number;
  height: number;
}
