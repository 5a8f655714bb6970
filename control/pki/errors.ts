// Typed PKI errors with stable codes. These stop the control server at start-up: each
// message says which file is wrong and what to do, since guessing (for example generating
// a fresh CA) would silently cut off every agent that already joined.

export type PkiErrorCode = 'CAIncomplete' | 'CAKeyMismatch' | 'CAExpired' | 'InvalidHost' | 'InvalidTokenFile';

export class PkiError extends Error {
  constructor(
    readonly code: PkiErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'PkiError';
  }
}
