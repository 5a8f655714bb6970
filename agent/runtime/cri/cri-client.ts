// A CRI v1 client over gRPC on a unix socket: RuntimeService and ImageService as promise-
// returning calls with a deadline, and gRPC failures turned into the runtime's typed errors.
// The protocol text is parsed at start (protobufjs, which @grpc/proto-loader is built on
// and installs), so the compiled package needs no .proto file beside it.

import * as grpc from '@grpc/grpc-js';
import { fromJSON } from '@grpc/proto-loader';
import protobuf from 'protobufjs';
import { RuntimeError, RuntimeNotFoundError, RuntimeUnavailableError, type RuntimeErrorCode } from '../errors.js';
import { CRI_API_PROTO } from './api-proto.js';

type Unary = (req: object, meta: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res: unknown) => void) => grpc.ClientUnaryCall;
type ServiceClient = grpc.Client & Record<string, Unary>;
type ServiceCtor = new (address: string, creds: grpc.ChannelCredentials, options?: grpc.ChannelOptions) => ServiceClient;

let loaded: { runtime: ServiceCtor; image: ServiceCtor } | undefined;

function services(): { runtime: ServiceCtor; image: ServiceCtor } {
  if (loaded) return loaded;
  const root = protobuf.parse(CRI_API_PROTO, { keepCase: true }).root;
  // Same conversions for every call: the specification's snake_case field names, int64 as
  // decimal strings (nanosecond timestamps do not fit a double), enums by name, absent
  // fields as their defaults.
  const def = fromJSON(root.toJSON(), { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { runtime: { v1: { RuntimeService: ServiceCtor; ImageService: ServiceCtor } } };
  loaded = { runtime: pkg.runtime.v1.RuntimeService, image: pkg.runtime.v1.ImageService };
  return loaded;
}

/** Default deadline of a unary call; pulls and stops pass their own. */
const DEFAULT_TIMEOUT_MS = 30_000;

export class CriClient {
  private readonly runtimeClient: ServiceClient;
  private readonly imageClient: ServiceClient;

  constructor(readonly socketPath: string) {
    const s = services();
    const address = `unix://${socketPath}`;
    // One channel for both services; containerd serves them on the same socket.
    const options: grpc.ChannelOptions = { 'grpc.max_receive_message_length': 32 * 1024 * 1024 };
    this.runtimeClient = new s.runtime(address, grpc.credentials.createInsecure(), options);
    this.imageClient = new s.image(address, grpc.credentials.createInsecure(), { ...options, channelOverride: this.runtimeClient.getChannel() });
  }

  runtime<T>(method: string, req: object, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<T> {
    return this.call<T>(this.runtimeClient, method, req, timeoutMs);
  }

  image<T>(method: string, req: object, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<T> {
    return this.call<T>(this.imageClient, method, req, timeoutMs);
  }

  close(): void {
    this.imageClient.close();
    this.runtimeClient.close();
  }

  private call<T>(client: ServiceClient, method: string, req: object, timeoutMs: number): Promise<T> {
    const fn = client[method];
    if (typeof fn !== 'function') return Promise.reject(new Error(`CRI method ${method} is not defined`));
    return new Promise<T>((resolve, reject) => {
      fn.call(client, req, new grpc.Metadata(), { deadline: Date.now() + timeoutMs }, (err, res) => (err ? reject(err) : resolve(res as T)));
    });
  }
}

// ---- errors ------------------------------------------------------------------------------

export function grpcCode(err: unknown): grpc.status | undefined {
  const code = (err as Partial<grpc.ServiceError> | undefined)?.code;
  return typeof code === 'number' ? code : undefined;
}

export function isGrpcNotFound(err: unknown): boolean {
  return grpcCode(err) === grpc.status.NOT_FOUND;
}

/** The server's own message, without grpc-js's "5 NOT_FOUND: " prefix. */
export function grpcMessage(err: unknown): string {
  const e = err as Partial<grpc.ServiceError> | undefined;
  return (e?.details || e?.message || String(err)).trim();
}

/** Wraps any failure of `what` into a RuntimeError with `code` (Unavailable, NotFound win). */
export function criError(socketPath: string, err: unknown, code: RuntimeErrorCode, what: string): RuntimeError {
  if (err instanceof RuntimeError) return err;
  const c = grpcCode(err);
  if (c === grpc.status.UNAVAILABLE) {
    return new RuntimeUnavailableError(`cannot reach containerd at ${socketPath}: ${grpcMessage(err).split('\n')[0]}; is containerd running?`);
  }
  if (c === grpc.status.NOT_FOUND && code !== 'ImageNotFound' && code !== 'PullFailed') return new RuntimeNotFoundError(what);
  return new RuntimeError(code, `${what}: ${grpcMessage(err)}`);
}
