// Errors of the service proxy, with a stable code the agent and the tests can match on.

export type ProxyErrorCode = 'IptablesUnavailable' | 'IptablesFailed' | 'NetnsFailed' | 'ConntrackUnavailable' | 'ConntrackFailed';

export class ProxyError extends Error {
  constructor(
    readonly code: ProxyErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ProxyError';
  }
}
