// Turns what dockerode throws into the runtime's typed errors. dockerode rejects with a
// plain Error carrying `statusCode` (HTTP answers) or a Node `code` (socket trouble).

import { RuntimeError, RuntimeUnavailableError, type RuntimeErrorCode } from '../errors.js';

interface DockerodeError {
  statusCode?: number;
  code?: string;
  json?: { message?: string } | null;
  reason?: string;
  message?: string;
}

const SOCKET_CODES = new Set(['ENOENT', 'ECONNREFUSED', 'EACCES', 'EPERM', 'ECONNRESET', 'EPIPE', 'ENOTSOCK', 'ETIMEDOUT']);

export function statusOf(err: unknown): number | undefined {
  return typeof err === 'object' && err !== null ? (err as DockerodeError).statusCode : undefined;
}

/** Docker's own one-line message for an error answer. */
export function dockerMessage(err: unknown): string {
  if (typeof err !== 'object' || err === null) return String(err);
  const e = err as DockerodeError;
  const fromJson = e.json && typeof e.json === 'object' ? e.json.message : undefined;
  if (fromJson) return fromJson.trim();
  // dockerode's message looks like "(HTTP code 404) no such container - No such container: x "
  const m = /^\(HTTP code \d+\) [^-]*- (.*)$/s.exec(e.message ?? '');
  return (m?.[1] ?? e.message ?? String(err)).trim();
}

export function isNotFound(err: unknown): boolean {
  return statusOf(err) === 404;
}

/** The socket is missing, refuses, or is not ours to use. */
export function isUnavailable(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const code = (err as DockerodeError).code;
  return code !== undefined && SOCKET_CODES.has(code);
}

export function unavailable(socketPath: string, err: unknown): RuntimeUnavailableError {
  const code = (err as DockerodeError).code ?? 'error';
  const why =
    code === 'ENOENT'
      ? 'the socket does not exist'
      : code === 'ECONNREFUSED'
        ? 'connection refused'
        : code === 'EACCES' || code === 'EPERM'
          ? 'permission denied (run as root or join the docker group)'
          : (err as Error).message;
  return new RuntimeUnavailableError(`cannot reach Docker at ${socketPath}: ${why}; is dockerd running?`);
}

/** Wraps any failure of `what` into a RuntimeError with `code` (or Unavailable). */
export function wrap(socketPath: string, err: unknown, code: RuntimeErrorCode, what: string): RuntimeError {
  if (err instanceof RuntimeError) return err;
  if (isUnavailable(err)) return unavailable(socketPath, err);
  return new RuntimeError(code, `${what}: ${dockerMessage(err)}`);
}
