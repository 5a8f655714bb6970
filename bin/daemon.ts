// What every long-running skiff command shares: a pino logger on stdout (journald keeps
// it), one AbortController aborted by SIGTERM/SIGINT (a second signal exits at once), and
// user mistakes reported as one line without a stack trace.

import { setMaxListeners } from 'node:events';
import { readFileSync } from 'node:fs';
import { pino, type Logger } from 'pino';
import { UsageError } from './cli-flags.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'];

export function skiffVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    return pkg.version;
  } catch {
    return '0.0.0';
  }
}

export function createLogger(level: string | undefined, name: string): Logger {
  const l = level ?? 'info';
  if (!LOG_LEVELS.includes(l)) throw new UsageError(`--log-level ${l}: expected one of ${LOG_LEVELS.join(', ')}`);
  // Logs go through process.stdout rather than pino's own file writer: when whatever reads
  // our stdout goes away (journald restarting, a parent that died), that writer retries the
  // broken pipe forever and the daemon can no longer even shut down. A lost log reader must
  // cost logs, never the process.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE' && err.code !== 'ECONNRESET') throw err;
  });
  return pino({ level: l, base: { name } }, process.stdout);
}

/**
 * Aborted on the first SIGTERM/SIGINT; the second one exits immediately.
 * @param extraMs added to the 20 s a stop may take (the agent's node shutdown grace period)
 */
export function shutdownSignal(logger: Logger, extraMs = 0): AbortSignal {
  const controller = new AbortController();
  // Every informer, watch and loop of a process listens on this one signal, on purpose.
  setMaxListeners(200, controller.signal);
  const onSignal = (sig: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      logger.warn({ signal: sig }, 'second signal, exiting now');
      process.exit(1);
    }
    logger.info({ signal: sig }, 'shutting down');
    controller.abort();
    // A hung component must not keep a systemd stop (or Ctrl-C) waiting forever.
    setTimeout(() => {
      logger.error('shutdown deadline passed, exiting');
      process.exit(1);
    }, 20_000 + extraMs).unref();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return controller.signal;
}

/**
 * Error classes whose messages are the user's to fix. Matched by name, not instanceof, so
 * that this file (loaded by every command) does not pull in the control server's PKI code
 * or the agent's modules; each of these classes sets its `name`.
 */
const USER_ERRORS = new Set(['UsageError', 'AgentError', 'JoinTokenError', 'PkiError']);

/** Errors that are the user's to fix: one line on stderr. */
export function isUserError(err: unknown): boolean {
  if (err instanceof UsageError || (err instanceof Error && USER_ERRORS.has(err.name))) return true;
  const code = (err as { code?: string }).code;
  return code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL' || code === 'ECONNREFUSED' || code === 'ENOTFOUND';
}

export function describeError(err: unknown): string {
  const e = err as { code?: string; message?: string; address?: string; port?: number };
  if (e.code === 'EADDRINUSE') return `cannot listen on ${e.address ?? ''}:${e.port ?? ''}: the address is already in use (is another skiff control running?)`;
  if (e.code === 'EADDRNOTAVAIL') return `cannot listen on ${e.address ?? ''}: no such address on this host`;
  if (e.code === 'ECONNREFUSED') return `cannot reach the control server (${e.address ?? ''}:${e.port ?? ''}): connection refused`;
  return e.message ?? String(err);
}
