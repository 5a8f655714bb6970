// Typed store errors with stable codes; the API server maps them to Kubernetes Status.

export type StoreErrorCode = 'KeyExists' | 'NotFound' | 'Conflict' | 'Expired' | 'Closed';

export class StoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'StoreError';
  }
}

export class StoreKeyExistsError extends StoreError {
  constructor(readonly key: string) {
    super('KeyExists', `key ${key} already exists`);
  }
}

export class StoreNotFoundError extends StoreError {
  constructor(readonly key: string) {
    super('NotFound', `key ${key} not found`);
  }
}

export class StoreConflictError extends StoreError {
  constructor(
    readonly key: string,
    readonly expected: number,
    readonly actual: number,
  ) {
    super('Conflict', `key ${key} is at revision ${actual}, not ${expected}`);
  }
}

export class StoreExpiredError extends StoreError {
  constructor(
    readonly requested: number,
    readonly compacted: number,
  ) {
    super('Expired', `revision ${requested} is older than the compacted revision ${compacted}`);
  }
}

export class StoreClosedError extends StoreError {
  constructor() {
    super('Closed', 'store is closed');
  }
}
