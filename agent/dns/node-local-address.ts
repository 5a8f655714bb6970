// The cluster DNS address on this node, so the server can bind it and pods' queries to it
// are delivered here (NodeLocal DNSCache's idea). It goes on the loopback device with a
// label of our own, `lo:skiff-dns`, rather than on a dummy device: some kernels (the
// development VMs among them) have no dummy driver, and for local delivery an address on
// lo is the same. The label is how we find our addresses again: nothing else is touched.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const exec = promisify(execFile);
export const DNS_ADDRESS_LABEL = 'lo:skiff-dns';

/** The addresses carrying our label. */
export async function nodeLocalAddresses(): Promise<string[]> {
  const { stdout } = await exec('ip', ['-4', '-o', 'addr', 'show', 'dev', 'lo', 'label', DNS_ADDRESS_LABEL]);
  return [...stdout.matchAll(/inet (\d+\.\d+\.\d+\.\d+)\/32/g)].map((m) => m[1]!);
}

/**
 * Puts ip/32 on lo under our label. Other addresses of ours are left alone: they may be
 * another agent's in this netns (tests); --cleanup-proxy removes them all.
 */
export async function ensureNodeLocalAddress(ip: string): Promise<void> {
  await exec('ip', ['addr', 'replace', `${ip}/32`, 'dev', 'lo', 'label', DNS_ADDRESS_LABEL]);
}

/** Removes every address of ours (skiff agent --cleanup-proxy, tests). Returns what it removed. */
export async function removeNodeLocalAddresses(): Promise<string[]> {
  const ips = await nodeLocalAddresses();
  for (const ip of ips) await exec('ip', ['addr', 'del', `${ip}/32`, 'dev', 'lo']);
  return ips;
}
