// `skiff agent`: the node agent.

import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { runAgent } from '../../agent/agent.js';
import { parseFlags, required, str, usage, UsageError, type FlagSpec } from '../cli-flags.js';
import { createLogger, shutdownSignal, skiffVersion } from '../daemon.js';

export const agentFlags: FlagSpec[] = [
  { name: 'server', description: 'URL of the control server, e.g. https://10.0.0.2:6443', placeholder: 'URL' },
  { name: 'token', description: 'Join token (the content of the control server\'s node-token file)', placeholder: 'TOKEN' },
  { name: 'token-file', description: 'File holding the join token', placeholder: 'FILE' },
  { name: 'node-name', description: 'Name of this node', default: hostname().toLowerCase(), placeholder: 'NAME' },
  { name: 'data-dir', description: 'Where the agent keeps its state', default: '/var/lib/skiff/agent', placeholder: 'DIR' },
  { name: 'runtime', description: 'Container runtime: docker or auto', default: 'auto', placeholder: 'NAME' },
  { name: 'runtime-endpoint', description: 'Socket of the container runtime', default: '/var/run/docker.sock', placeholder: 'PATH' },
  { name: 'node-ip', description: 'IPv4 address other nodes reach this one on (default: the default route\'s)', placeholder: 'IP' },
  { name: 'log-level', description: 'fatal, error, warn, info, debug or trace', default: 'info', placeholder: 'LEVEL' },
];

export const agentSummary = 'Runs the node agent: registers this host as a Node and runs the pods bound to it in real containers.';

export function readToken(flags: Parameters<typeof str>[0]): string {
  const token = str(flags, 'token');
  const file = str(flags, 'token-file');
  if (token && file) throw new UsageError('give either --token or --token-file, not both');
  if (token) return token.trim();
  if (!file) throw new UsageError('--token or --token-file is required (or set SKIFF_TOKEN / SKIFF_TOKEN_FILE)');
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (err) {
    throw new UsageError(`cannot read --token-file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

export function runtimeFlag(value: string): 'docker' | 'auto' {
  if (value === 'docker' || value === 'auto') return value;
  throw new UsageError(`--runtime ${value}: expected docker or auto`);
}

export async function agentCommand(argv: string[]): Promise<void> {
  const flags = parseFlags(argv, agentFlags);
  if (flags['help']) return console.log(usage('agent', agentSummary, agentFlags));
  const logger = createLogger(str(flags, 'log-level'), 'skiff-agent');
  const server = required(flags, 'server');
  if (!/^https:\/\/[^/]+/.test(server)) throw new UsageError(`--server ${server}: expected an https:// URL, e.g. https://10.0.0.2:6443`);
  const options = {
    server,
    token: readToken(flags),
    nodeName: required(flags, 'node-name'),
    dataDir: required(flags, 'data-dir'),
    runtime: runtimeFlag(required(flags, 'runtime')),
    runtimeEndpoint: str(flags, 'runtime-endpoint'),
    nodeIP: str(flags, 'node-ip'),
    logger,
    version: skiffVersion(),
  };
  const signal = shutdownSignal(logger);
  await runAgent(options, signal);
}
