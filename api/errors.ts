// API errors as Kubernetes `Status` objects. The server throws these; the client rebuilds
// them from the Status it receives, so both sides test the same `reason`/`code`.

import type { Status, StatusCause, StatusReason } from './types.js';

export class ApiError extends Error {
  constructor(readonly status: Status) {
    super(status.message ?? status.reason ?? `HTTP ${status.code}`);
    this.name = 'ApiError';
  }
  get code(): number {
    return this.status.code;
  }
  get reason(): StatusReason | undefined {
    return this.status.reason;
  }
}

export interface ResourceRef {
  /** Kind-ish resource name as Kubernetes prints it in errors, e.g. "pods", "leases.coordination.k8s.io" */
  groupResource: string;
  kind?: string;
  group?: string;
  name?: string;
}

function status(code: number, reason: StatusReason, message: string, details?: Status['details']): Status {
  const s: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
  if (details) s.details = details;
  return s;
}

function details(ref: ResourceRef): NonNullable<Status['details']> {
  const [resource, ...group] = ref.groupResource.split('.');
  const d: NonNullable<Status['details']> = { kind: resource ?? '' };
  if (ref.name !== undefined) d.name = ref.name;
  if (group.length) d.group = group.join('.');
  return d;
}

export const errors = {
  notFound(ref: ResourceRef): ApiError {
    return new ApiError(status(404, 'NotFound', `${ref.groupResource} "${ref.name ?? ''}" not found`, details(ref)));
  },
  alreadyExists(ref: ResourceRef): ApiError {
    return new ApiError(status(409, 'AlreadyExists', `${ref.groupResource} "${ref.name ?? ''}" already exists`, details(ref)));
  },
  conflict(ref: ResourceRef, why: string): ApiError {
    return new ApiError(
      status(409, 'Conflict', `Operation cannot be fulfilled on ${ref.groupResource} "${ref.name ?? ''}": ${why}`, details(ref)),
    );
  },
  invalid(kind: string, name: string, causes: StatusCause[], group?: string): ApiError {
    const list = causes.map((c) => `${c.field ? `${c.field}: ` : ''}${c.message ?? ''}`);
    const body = list.length === 1 ? list[0] : `[${list.join(', ')}]`;
    const d: NonNullable<Status['details']> = { name, kind, causes };
    if (group) d.group = group;
    return new ApiError(status(422, 'Invalid', `${kind} "${name}" is invalid: ${body}`, d));
  },
  badRequest(message: string): ApiError {
    return new ApiError(status(400, 'BadRequest', message));
  },
  unauthorized(): ApiError {
    return new ApiError(status(401, 'Unauthorized', 'Unauthorized'));
  },
  forbidden(message: string): ApiError {
    return new ApiError(status(403, 'Forbidden', message));
  },
  methodNotAllowed(message: string): ApiError {
    return new ApiError(status(405, 'MethodNotAllowed', message));
  },
  notAcceptable(message: string): ApiError {
    return new ApiError(status(406, 'NotAcceptable', message));
  },
  expired(message: string): ApiError {
    return new ApiError(status(410, 'Expired', message));
  },
  tooLarge(message: string): ApiError {
    return new ApiError(status(413, 'RequestEntityTooLarge', message));
  },
  /** 415, listing what the endpoint takes (object bodies by default, or the patch types). */
  unsupportedMediaType(accepted: string[] = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf']): ApiError {
    return new ApiError(status(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`));
  },
  pathNotFound(path: string): ApiError {
    return new ApiError(status(404, 'NotFound', `the server could not find the requested resource (${path})`));
  },
  internal(message: string): ApiError {
    return new ApiError(status(500, 'InternalError', `Internal error occurred: ${message}`));
  },
  unavailable(message: string): ApiError {
    return new ApiError(status(503, 'ServiceUnavailable', message));
  },
  /** 429; a cause of type `causeType` carries the why (e.g. a disruption budget's numbers). */
  tooManyRequests(message: string, retryAfterSeconds: number, cause?: { type: string; message: string }): ApiError {
    const d: NonNullable<Status['details']> = {};
    if (cause) d.causes = [{ reason: cause.type, message: cause.message }];
    if (retryAfterSeconds > 0) d.retryAfterSeconds = retryAfterSeconds;
    return new ApiError(status(429, 'TooManyRequests', message, d));
  },
};

export function isNotFound(err: unknown): boolean {
  return err instanceof ApiError && err.code === 404;
}
export function isConflict(err: unknown): boolean {
  return err instanceof ApiError && err.code === 409 && err.reason === 'Conflict';
}
export function isAlreadyExists(err: unknown): boolean {
  return err instanceof ApiError && err.reason === 'AlreadyExists';
}
export function isExpired(err: unknown): boolean {
  return err instanceof ApiError && (err.code === 410 || err.reason === 'Expired' || err.reason === 'Gone');
}
