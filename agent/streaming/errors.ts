// Errors of the agent's streaming side; each becomes the Kubernetes Status the control
// server hands to kubectl.

import type { Status, StatusReason } from '../../api/types.js';

export type StreamErrorCode = 'NotFound' | 'NotRunning' | 'RuntimeFailed' | 'BadRequest';

export class StreamError extends Error {
  constructor(
    readonly code: StreamErrorCode,
    readonly httpCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'StreamError';
  }
}

const reasons: Record<number, StatusReason> = { 400: 'BadRequest', 404: 'NotFound', 500: 'InternalError' };

export function toStatus(err: unknown): Status {
  const code = err instanceof StreamError ? err.httpCode : 500;
  const message = err instanceof StreamError ? err.message : `Internal error occurred: ${err instanceof Error ? err.message : String(err)}`;
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code, reason: reasons[code] ?? 'InternalError', message };
}
