#!/usr/bin/env node
// The skiff command: dispatches to control / agent / up.
//
// Each command's module is imported only when that command runs: an agent never loads the
// API server, the store or the PKI code (about 25 MiB of RSS it would otherwise carry).

import './v8-flags.js';
import { UsageError } from './cli-flags.js';
import { describeError, isUserError, skiffVersion } from './daemon.js';

type Run = (argv: string[]) => Promise<void>;

const commands: Record<string, { load: () => Promise<Run>; summary: string }> = {
  up: { load: () => import('./commands/up.js').then((m) => m.upCommand), summary: 'Start a one-node cluster on this host (control server + agent)' },
  control: { load: () => import('./commands/control.js').then((m) => m.controlCommand), summary: 'Run the control server (API, store, scheduler, controllers)' },
  agent: { load: () => import('./commands/agent.js').then((m) => m.agentCommand), summary: 'Run the node agent on this host' },
  token: { load: () => import('./commands/token.js').then((m) => m.tokenCommand), summary: 'Create, list and delete bootstrap tokens for joining hosts' },
};

function help(): string {
  const lines = ['Usage: skiff <command> [flags]', '', 'A small Kubernetes-compatible cluster for home labs, driven by the stock kubectl.', '', 'Commands:'];
  for (const [name, c] of Object.entries(commands)) lines.push(`  ${name.padEnd(10)}${c.summary}`);
  lines.push(`  ${'version'.padEnd(10)}Print the version`, '', 'Run `skiff <command> --help` for its flags. Every flag can also be set as SKIFF_<FLAG> in the environment.');
  return lines.join('\n');
}

async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') return console.log(help());
  if (name === 'version' || name === '--version') return console.log(skiffVersion());
  const command = commands[name];
  if (!command) throw new UsageError(`unknown command "${name}"; run skiff --help`);
  const run = await command.load();
  await run(rest);
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (err: unknown) => {
    if (isUserError(err)) {
      process.stderr.write(`skiff: ${describeError(err)}\n`);
    } else {
      process.stderr.write(`skiff: unexpected error: ${describeError(err)}\n${(err as Error).stack ?? ''}\n`);
    }
    process.exit(1);
  },
);
