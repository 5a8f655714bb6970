import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fieldErrorString } from './field-error.js';
import { validateHostAliases, validatePodDNSConfig } from './pod-dns.js';

const msgs = (errs: ReturnType<typeof validatePodDNSConfig>) => errs.map(fieldErrorString);

test('dnsConfig: nameserver count and IPs, search count, length and names, option names', () => {
  assert.deepEqual(msgs(validatePodDNSConfig({ nameservers: ['1.1.1.1'], searches: ['a.example.', 'b'], options: [{ name: 'ndots', value: '2' }] }, 'spec.dnsConfig')), []);
  assert.deepEqual(msgs(validatePodDNSConfig({ nameservers: ['1.1.1.1', '2.2.2.2', '3.3.3.3', 'x'] }, 'spec.dnsConfig')), [
    'spec.dnsConfig.nameservers: Invalid value: []string{"1.1.1.1", "2.2.2.2", "3.3.3.3", "x"}: must not have more than 3 nameservers',
    'spec.dnsConfig.nameservers[3]: Invalid value: "x": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
  ]);
  const many = Array.from({ length: 33 }, (_, i) => `d${i}`);
  assert.deepEqual(msgs(validatePodDNSConfig({ searches: many }, 'spec.dnsConfig')), [`spec.dnsConfig.searches: Invalid value: []string{${many.map((s) => `"${s}"`).join(', ')}}: must not have more than 32 search paths`]);
  const long = ['a'.repeat(200), ...Array.from({ length: 10 }, () => 'b'.repeat(200))];
  assert.match(msgs(validatePodDNSConfig({ searches: long }, 'spec.dnsConfig'))[0]!, /must not have more than 2048 characters \(including spaces\) in the search list$/);
  assert.deepEqual(msgs(validatePodDNSConfig({ searches: ['Bad_Domain'], options: [{ value: 'x' }] }, 'spec.dnsConfig')), [
    'spec.dnsConfig.searches[0]: Invalid value: "Bad_Domain": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, \'-\' or \'.\', and must start and end with an alphanumeric character (e.g. \'example.com\', regex used for validation is \'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\')',
    'spec.dnsConfig.options[0]: Required value: must not be empty',
  ]);
});

test('hostAliases: an IP and DNS-subdomain hostnames', () => {
  assert.deepEqual(validateHostAliases([{ ip: '10.1.2.3', hostnames: ['foo.local'] }], 'spec.hostAliases'), []);
  assert.deepEqual(msgs(validateHostAliases([{ ip: 'nope', hostnames: ['ok', 'NOT OK'] }, { hostnames: [] }], 'spec.hostAliases')), [
    'spec.hostAliases[0].ip: Invalid value: "nope": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
    'spec.hostAliases[0].hostnames[1]: Invalid value: "NOT OK": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, \'-\' or \'.\', and must start and end with an alphanumeric character (e.g. \'example.com\', regex used for validation is \'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\')',
    'spec.hostAliases[1].ip: Invalid value: "": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
  ]);
});
