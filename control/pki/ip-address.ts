// IP addresses in one canonical spelling, so SANs read back from a certificate compare
// equal to the ones we asked for ("::1" vs "0:0:0:0:0:0:0:1"). Also sidesteps a quirk:
// @peculiar/x509 mis-encodes IPv6 written with an embedded dotted quad ("::ffff:1.2.3.4"),
// so we only ever hand it the plain eight-group form.

import { isIPv4, isIPv6 } from 'node:net';

function ipv4Bytes(ip: string): number[] {
  return ip.split('.').map((part) => Number(part));
}

function ipv6Bytes(ip: string): number[] {
  let text = ip;
  const tail: number[] = [];
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted?.[1]) {
    tail.push(...ipv4Bytes(dotted[1]));
    text = text.slice(0, -dotted[1].length) + '0:0';
  }
  const [head = '', rest] = text.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const restGroups = rest === undefined || rest === '' ? [] : rest.split(':');
  const zeros = rest === undefined ? 0 : 8 - headGroups.length - restGroups.length;
  const groups = [...headGroups, ...Array<string>(zeros).fill('0'), ...restGroups].map((g) => parseInt(g, 16));
  const bytes = groups.flatMap((g) => [g >> 8, g & 0xff]);
  if (tail.length) bytes.splice(12, 4, ...tail);
  return bytes;
}

/** Canonical text of an IP address (IPv4 dotted, IPv6 as eight lower-case groups), or undefined when `text` is not an IP. Zone ids ("%eth0") are dropped. */
export function canonicalIp(text: string): string | undefined {
  const ip = text.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (isIPv4(ip)) return ipv4Bytes(ip).join('.');
  if (!isIPv6(ip)) return undefined;
  const b = ipv6Bytes(ip);
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((((b[i] ?? 0) << 8) | (b[i + 1] ?? 0)).toString(16));
  return groups.join(':');
}
