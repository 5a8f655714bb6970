// Typed runtime errors with stable codes; the kubelet turns them into container reasons.

export type RuntimeErrorCode = 'NotFound' | 'ImageNotFound' | 'PullFailed' | 'CreateFailed' | 'Unavailable';

export class RuntimeError extends Error {
  constructor(
    readonly code: RuntimeErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'RuntimeError';
  }
}

export class RuntimeNotFoundError extends RuntimeError {
  constructor(what: string) {
    super('NotFound', `${what} not found`);
  }
}

export class ImageNotFoundError extends RuntimeError {
  constructor(readonly image: string) {
    super('ImageNotFound', `image ${image} not found`);
  }
}

export class ImagePullError extends RuntimeError {
  constructor(
    readonly image: string,
    /** What the registry or runtime said, without the "failed to pull image" prefix. */
    readonly detail: string,
  ) {
    super('PullFailed', `failed to pull image "${image}": ${detail}`);
  }
}

export class RuntimeUnavailableError extends RuntimeError {
  constructor(detail: string) {
    super('Unavailable', detail);
  }
}
