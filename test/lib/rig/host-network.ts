// The rig's wiring in the kernel: a bridge in the root netns, one network namespace per
// host joined to it by a veth pair, and a guard in the root netns' FORWARD chain so that
// nothing from the rig is ever routed off the machine (and nothing from elsewhere into it).
// Each host's only routes are its rig subnet and a default route via the bridge, so every
// packet not for another rig host reaches the guard. The guard counts what it drops:
// guardDrops() must be 0 after a test.

import { bridgeIP, bridgeName, guardComment, hostIP, netnsName, rigSubnet, sinkIP, sinkName, sinkProbeIP, vethName } from './names.js';
import { inNetns, sh, shQuiet } from './sh.js';

/** The guard, in FORWARD order: rig ↔ rig is accepted, anything else in or out is dropped. */
function guardRules(n: number): string[][] {
  const br = bridgeName(n);
  const c = ['-m', 'comment', '--comment', guardComment(n)];
  return [
    ['-i', br, '-o', br, ...c, '-j', 'ACCEPT'],
    ['-i', br, ...c, '-j', 'DROP'],
    ['-o', br, ...c, '-j', 'DROP'],
  ];
}

export async function createBridge(n: number): Promise<void> {
  const br = bridgeName(n);
  await sh('ip', ['link', 'add', br, 'type', 'bridge']);
  await sh('ip', ['addr', 'add', `${bridgeIP(n)}/24`, 'dev', br]);
  await sh('ip', ['link', 'set', br, 'up']);
  // Inserted in reverse so the ACCEPT ends up first; position 1 puts the guard ahead of
  // Docker's own FORWARD rules.
  for (const r of [...guardRules(n)].reverse()) await sh('iptables', ['-w', '5', '-I', 'FORWARD', '1', ...r]);
  await sh('ip', ['link', 'add', sinkName(n), 'type', 'bridge']);
  await sh('ip', ['addr', 'add', `${sinkIP(n)}/24`, 'dev', sinkName(n)]);
  await sh('ip', ['link', 'set', sinkName(n), 'up']);
}

/**
 * Sends `count` pings from a host to the sink (names.ts): the root netns would forward them
 * to the sink bridge, so each one must show up as a guard drop.
 */
export async function probeGuard(n: number, host: string, count: number): Promise<void> {
  await inNetns(netnsName(n, host), '/bin/busybox', ['ping', '-c', String(count), '-W', '1', sinkProbeIP(n)]).catch(() => undefined);
}

export async function createHost(n: number, host: string, i: number): Promise<void> {
  const ns = netnsName(n, host);
  const veth = vethName(n, host);
  await sh('ip', ['netns', 'add', ns]);
  await sh('ip', ['link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
  await sh('ip', ['link', 'set', veth, 'master', bridgeName(n), 'up']);
  await sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  await sh('ip', ['-n', ns, 'addr', 'add', `${hostIP(n, i)}/24`, 'dev', 'eth0']);
  await sh('ip', ['-n', ns, 'link', 'set', 'eth0', 'up']);
  await sh('ip', ['-n', ns, 'route', 'add', 'default', 'via', bridgeIP(n)]);
  // Pods' traffic is routed by the host: forwarding on, as on any node.
  await inNetns(ns, 'sysctl', ['-q', '-w', 'net.ipv4.ip_forward=1']);
}

/** Packets the guard dropped so far (rig → elsewhere, elsewhere → rig). */
export async function guardDrops(n: number): Promise<{ present: number; dropped: number }> {
  const out = await sh('iptables', ['-w', '5', '-L', 'FORWARD', '-v', '-x', '-n']);
  const lines = out.split('\n').filter((l) => l.includes(`/* ${guardComment(n)} */`));
  let dropped = 0;
  for (const l of lines) if (/\bDROP\b/.test(l)) dropped += Number(l.trim().split(/\s+/)[0]);
  return { present: lines.length, dropped };
}

/** The routes of a host before any agent added its own: what the isolation argument rests on. */
export async function hostRoutes(n: number, host: string): Promise<string[]> {
  const out = await sh('ip', ['-n', netnsName(n, host), '-4', 'route', 'show']);
  return out.split('\n').map((l) => l.trim()).filter(Boolean);
}

export const expectedBaseRoutes = (n: number, i: number) => [`default via ${bridgeIP(n)} dev eth0`, `${rigSubnet(n)} dev eth0 proto kernel scope link src ${hostIP(n, i)}`];

/** Removes the guard rules of rig n (by their comment, whatever their spec). */
export async function removeGuard(n: number): Promise<void> {
  const out = await shQuiet('iptables', ['-w', '5', '-S', 'FORWARD']);
  for (const line of out.split('\n')) {
    if (!line.startsWith('-A FORWARD ') || !line.includes(`--comment "${guardComment(n)}"`)) continue;
    const spec = line.slice('-A FORWARD '.length).match(/"[^"]*"|\S+/g)!.map((w) => w.replace(/^"|"$/g, ''));
    await shQuiet('iptables', ['-w', '5', '-D', 'FORWARD', ...spec]);
  }
}

export async function removeHost(n: number, host: string): Promise<void> {
  await shQuiet('ip', ['netns', 'del', netnsName(n, host)]);
  await shQuiet('ip', ['link', 'del', vethName(n, host)]);
}

export async function removeBridge(n: number): Promise<void> {
  await removeGuard(n);
  await shQuiet('ip', ['link', 'del', bridgeName(n)]);
  await shQuiet('ip', ['link', 'del', sinkName(n)]);
}
