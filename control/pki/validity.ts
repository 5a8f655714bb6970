// Certificate lifetimes and serial numbers.

import { randomBytes } from 'node:crypto';

export const DAY_MS = 24 * 60 * 60 * 1000;
export const CA_VALIDITY_DAYS = 3650;
export const SERVING_VALIDITY_DAYS = 365;
/** A serving certificate closer than this to its end is re-issued at start-up. */
export const SERVING_RENEW_BEFORE_DAYS = 30;

// Raspberry Pis have no battery-backed clock and boot with a stale time until NTP catches
// up; back-dating notBefore keeps a certificate issued right after boot valid for peers
// whose clocks are a little behind.
const BACKDATE_MS = 60 * 60 * 1000;

export function validity(now: Date, days: number, notAfterCap?: Date): { notBefore: Date; notAfter: Date } {
  const notBefore = new Date(now.getTime() - BACKDATE_MS);
  let notAfter = new Date(now.getTime() + days * DAY_MS);
  if (notAfterCap && notAfterCap < notAfter) notAfter = notAfterCap;
  return { notBefore, notAfter };
}

/** 16 random bytes, top bit clear so the DER INTEGER stays positive (RFC 5280 §4.1.2.2). */
export function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x01; // and non-zero, so the length stays 16 bytes
  return bytes.toString('hex');
}
