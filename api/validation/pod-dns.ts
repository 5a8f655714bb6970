// The parts of a PodSpec that make a pod's name resolution, validated as Kubernetes'
// validatePodDNSConfig and ValidateHostAliases do (pkg/apis/core/validation): at most 3
// nameservers, each an IP; at most 32 search domains in 2048 characters, each a DNS
// subdomain (a trailing dot allowed); options with names; host aliases with an IP and
// DNS-subdomain hostnames.

import { isIP } from 'node:net';
import { GoStringSlice, invalid, required, type FieldError } from './field-error.js';
import { isDNS1123Subdomain } from './names.js';

export const MAX_DNS_NAMESERVERS = 3;
export const MAX_DNS_SEARCH_PATHS = 32;
export const MAX_DNS_SEARCH_LIST_CHARS = 2048;
const INVALID_IP = 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)';

export interface PodDNSConfigSpec {
  nameservers?: string[] | null;
  searches?: string[] | null;
  options?: Array<{ name?: string; value?: string } | null> | null;
}

export interface HostAliasSpec {
  ip?: string;
  hostnames?: string[] | null;
}

function ipErrors(field: string, value: unknown): FieldError[] {
  return typeof value === 'string' && isIP(value) !== 0 ? [] : [invalid(field, value ?? '', INVALID_IP)];
}

function subdomainErrors(field: string, value: string): FieldError[] {
  return isDNS1123Subdomain(value).map((msg) => invalid(field, value, msg));
}

export function validatePodDNSConfig(config: PodDNSConfigSpec | null | undefined, field: string): FieldError[] {
  if (!config) return [];
  const errs: FieldError[] = [];
  const nameservers = config.nameservers ?? [];
  if (nameservers.length > MAX_DNS_NAMESERVERS) {
    errs.push(invalid(`${field}.nameservers`, new GoStringSlice(nameservers), `must not have more than ${MAX_DNS_NAMESERVERS} nameservers`));
  }
  nameservers.forEach((ns, i) => errs.push(...ipErrors(`${field}.nameservers[${i}]`, ns)));
  const searches = config.searches ?? [];
  if (searches.length > MAX_DNS_SEARCH_PATHS) {
    errs.push(invalid(`${field}.searches`, new GoStringSlice(searches), `must not have more than ${MAX_DNS_SEARCH_PATHS} search paths`));
  }
  if (searches.join(' ').length > MAX_DNS_SEARCH_LIST_CHARS) {
    errs.push(invalid(`${field}.searches`, new GoStringSlice(searches), `must not have more than ${MAX_DNS_SEARCH_LIST_CHARS} characters (including spaces) in the search list`));
  }
  searches.forEach((s, i) => {
    // A trailing dot is fine.
    errs.push(...subdomainErrors(`${field}.searches[${i}]`, String(s ?? '').replace(/\.$/, '')));
  });
  (config.options ?? []).forEach((o, i) => {
    if (!o?.name) errs.push(required(`${field}.options[${i}]`, 'must not be empty'));
  });
  return errs;
}

export function validateHostAliases(aliases: Array<HostAliasSpec | null> | null | undefined, field: string): FieldError[] {
  const errs: FieldError[] = [];
  (aliases ?? []).forEach((a, i) => {
    errs.push(...ipErrors(`${field}[${i}].ip`, a?.ip));
    (a?.hostnames ?? []).forEach((h, j) => errs.push(...subdomainErrors(`${field}[${i}].hostnames[${j}]`, String(h ?? ''))));
  });
  return errs;
}
