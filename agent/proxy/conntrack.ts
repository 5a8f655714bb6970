// The proxy's door to the kernel's connection tracking table, for UDP only: a UDP "flow"
// stays pinned to the endpoint its first packet was DNATed to for as long as packets keep
// coming (DNS clients reuse their source port), so when that endpoint goes away, or when a
// Service that had none gets one, kube-proxy deletes the flows by hand. TCP needs none of
// this: a dead endpoint resets or times out the connection and the client reconnects.
//
// Done with the `conntrack` binary (Debian package `conntrack`), as kube-proxy did before
// it spoke netlink itself. A missing binary is logged once and leaves the proxy working.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ProxyError } from './errors.js';

const execFileP = promisify(execFile);

/** Which flows to delete: every field given must match. */
export interface FlowFilter {
  protocol: 'UDP';
  /** The destination the client sent to (cluster IP, external IP, node IP). */
  origDst?: string;
  /** The destination port the client sent to (node ports). */
  origPortDst?: number;
  /** The endpoint the flow was DNATed to. */
  dstNat?: string;
}

export interface Conntrack {
  /** Deletes the matching flows; none matching is not an error. Returns how many went. */
  deleteFlows(filter: FlowFilter): Promise<number>;
}

export function conntrackArgs(f: FlowFilter): string[] {
  const args = ['-D', '-p', f.protocol.toLowerCase()];
  if (f.origDst) args.push('--orig-dst', f.origDst);
  if (f.origPortDst) args.push('--orig-port-dst', String(f.origPortDst));
  if (f.dstNat) args.push('--dst-nat', f.dstNat);
  return args;
}

/** "N flow entries have been deleted." — conntrack prints it on stderr, and exits 1 for N = 0. */
export function parseDeleted(stderr: string): number | undefined {
  const m = /(\d+) flow entries have been deleted/.exec(stderr);
  return m ? Number(m[1]) : undefined;
}

export class ExecConntrack implements Conntrack {
  /** @param netns run inside this named network namespace (tests) */
  constructor(private readonly netns?: string) {}

  async deleteFlows(filter: FlowFilter): Promise<number> {
    const args = conntrackArgs(filter);
    const [file, argv] = this.netns ? ['ip', ['netns', 'exec', this.netns, 'conntrack', ...args]] : ['conntrack', args];
    try {
      const r = await execFileP(file, argv);
      return parseDeleted(r.stderr) ?? 0;
    } catch (err) {
      const e = err as NodeJS.ErrnoException & { stderr?: string };
      const deleted = parseDeleted(e.stderr ?? '');
      if (deleted !== undefined) return deleted;
      if (e.code === 'ENOENT' || /No such file|not found/.test(e.stderr ?? '')) {
        throw new ProxyError('ConntrackUnavailable', 'the conntrack binary is missing (Debian: apt-get install -y conntrack): stale UDP flows to removed endpoints are left to time out');
      }
      throw new ProxyError('ConntrackFailed', `conntrack ${args.join(' ')}: ${(e.stderr || e.message).trim()}`);
    }
  }
}
