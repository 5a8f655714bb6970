// Writing responses: JSON bodies, and any thrown error as a Kubernetes Status.

import type { ServerResponse } from 'node:http';
import { ApiError, errors } from '../../../api/errors.js';

export function sendJson(res: ServerResponse, code: number, body: unknown, contentType = 'application/json'): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-cache, private' });
  res.end(text);
}

/** Maps anything thrown to a Status; unexpected errors become 500 without internals. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  return errors.internal(err instanceof Error ? err.message : String(err));
}

export function sendError(res: ServerResponse, err: unknown): void {
  const api = toApiError(err);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  // As Kubernetes does for 429s (kubectl drain waits on it) and 503s.
  const retryAfter = api.status.details?.retryAfterSeconds;
  if (retryAfter) res.setHeader('Retry-After', String(retryAfter));
  sendJson(res, api.code, api.status);
}
