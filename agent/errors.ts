// Errors the agent reports to the user as one line (no stack trace): setup mistakes.

export type AgentErrorCode = 'NoRuntime' | 'NoCA' | 'NoNodeIP' | 'BadFlag';

export class AgentError extends Error {
  constructor(
    readonly code: AgentErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'AgentError';
  }
}
