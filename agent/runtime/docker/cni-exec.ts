// Runs a CNI network configuration list the way libcni does, without a Go library: each
// plugin is an executable found in the plugin directory, given its command and the
// container in CNI_* environment variables and its configuration on stdin, and answers a
// JSON result (or a JSON error) on stdout. ADD runs the plugins in order, each seeing the
// previous one's result; DEL runs them in reverse and must succeed even when the network
// namespace is already gone (the CNI specification requires plugins to tolerate that).

import { execFile } from 'node:child_process';
import { RuntimeError } from '../errors.js';

export const DEFAULT_CNI_BIN_DIR = '/usr/lib/cni';

export interface CniPluginConf {
  type: string;
  /** Runtime-supplied settings this plugin accepts (e.g. portMappings for portmap). */
  capabilities?: Record<string, boolean>;
  [key: string]: unknown;
}

export interface CniConfList {
  cniVersion: string;
  name: string;
  plugins: CniPluginConf[];
}

export interface CniRuntimeArgs {
  containerId: string;
  /** Path to the network namespace; '' on DEL once it is gone. */
  netns: string;
  ifName: string;
  /** Capability arguments, passed only to plugins that declare the capability. */
  runtimeConfig?: Record<string, unknown>;
}

/** The parts of a CNI result the runtime reads (the full result is kept as given). */
export interface CniResult {
  cniVersion?: string;
  interfaces?: { name: string; mac?: string; sandbox?: string }[];
  ips?: { address: string; gateway?: string; interface?: number }[];
  [key: string]: unknown;
}

const PLUGIN_TIMEOUT_MS = 30_000;

function pluginStdin(list: CniConfList, plugin: CniPluginConf, args: CniRuntimeArgs, prevResult: CniResult | undefined): string {
  const conf: Record<string, unknown> = { ...plugin, cniVersion: list.cniVersion, name: list.name };
  const wanted = Object.entries(plugin.capabilities ?? {}).filter(([, on]) => on).map(([k]) => k);
  const runtimeConfig: Record<string, unknown> = {};
  for (const k of wanted) if (args.runtimeConfig?.[k] !== undefined) runtimeConfig[k] = args.runtimeConfig[k];
  if (Object.keys(runtimeConfig).length > 0) conf['runtimeConfig'] = runtimeConfig;
  if (prevResult) conf['prevResult'] = prevResult;
  return JSON.stringify(conf);
}

function runPlugin(binDir: string, command: 'ADD' | 'DEL', plugin: CniPluginConf, args: CniRuntimeArgs, stdin: string): Promise<string> {
  const env = {
    // The plugins run iptables and ip themselves: they need a PATH.
    PATH: process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin',
    CNI_COMMAND: command,
    CNI_CONTAINERID: args.containerId,
    CNI_NETNS: args.netns,
    CNI_IFNAME: args.ifName,
    CNI_PATH: binDir,
  };
  return new Promise((resolve, reject) => {
    const child = execFile(`${binDir}/${plugin.type}`, [], { env, timeout: PLUGIN_TIMEOUT_MS, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (!err) return resolve(stdout);
      reject(new RuntimeError('CreateFailed', `CNI plugin ${plugin.type} ${command} failed: ${pluginError(stdout, stderr, err)}`));
    });
    child.stdin?.end(stdin);
  });
}

/** The plugin's own error object ({code, msg, details}) when it printed one. */
function pluginError(stdout: string, stderr: string, err: Error & { code?: unknown }): string {
  try {
    const e = JSON.parse(stdout) as { msg?: string; details?: string };
    if (e.msg) return e.details ? `${e.msg}: ${e.details}` : e.msg;
  } catch {
    // not JSON: fall through
  }
  if (err.code === 'ENOENT') return 'plugin binary not found (Debian: apt-get install -y containernetworking-plugins)';
  return (stderr.trim() || err.message).split('\n')[0]!;
}

/** Attaches the container to the network; returns the last plugin's result. */
export async function cniAdd(binDir: string, list: CniConfList, args: CniRuntimeArgs): Promise<CniResult> {
  let prev: CniResult | undefined;
  for (const plugin of list.plugins) {
    const out = await runPlugin(binDir, 'ADD', plugin, args, pluginStdin(list, plugin, args, prev));
    try {
      prev = JSON.parse(out) as CniResult;
    } catch {
      throw new RuntimeError('CreateFailed', `CNI plugin ${plugin.type} ADD answered something that is not JSON`);
    }
  }
  return prev ?? {};
}

/**
 * Detaches the container, plugins in reverse order. Every plugin is run even when one
 * fails, so one broken plugin does not leak what the others hold; the first error is thrown.
 */
export async function cniDel(binDir: string, list: CniConfList, args: CniRuntimeArgs, prevResult: CniResult | undefined): Promise<void> {
  let first: unknown;
  for (const plugin of [...list.plugins].reverse()) {
    try {
      await runPlugin(binDir, 'DEL', plugin, args, pluginStdin(list, plugin, args, prevResult));
    } catch (err) {
      first ??= err;
    }
  }
  if (first) throw first;
}

/** The first IPv4 address of a result, without its prefix length. */
export function ipv4Of(result: CniResult): string {
  for (const ip of result.ips ?? []) {
    const addr = ip.address.split('/')[0] ?? '';
    if (/^\d+\.\d+\.\d+\.\d+$/.test(addr)) return addr;
  }
  return '';
}
