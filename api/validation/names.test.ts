import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  inclusiveRangeError,
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isEnvVarName,
  isRelaxedEnvVarName,
  isValidPortName,
  isValidPortNum,
  nameIsDNSLabel,
  nameIsDNSSubdomain,
  regexError,
} from './names.js';

const SUBDOMAIN =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const DNS1035 =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

describe('DNS names', () => {
  const subdomains: [string, string[]][] = [
    ['example.com', []],
    ['a', []],
    ['web-1', []],
    ['Web', [SUBDOMAIN]],
    ['-web', [SUBDOMAIN]],
    ['web.', [SUBDOMAIN]],
    ['', [SUBDOMAIN]],
    ['a'.repeat(253), []],
    ['a'.repeat(254), ['must be no more than 253 characters']],
  ];
  for (const [v, want] of subdomains) it(`subdomain ${JSON.stringify(v.slice(0, 16))}`, () => assert.deepEqual(isDNS1123Subdomain(v), want));

  const labels: [string, string[]][] = [
    ['my-name', []],
    ['123-abc', []],
    ['a.b', ['must not contain dots']],
    ['My_Name', [LABEL]],
    ['a'.repeat(64), ['must be no more than 63 characters']],
    ['A'.repeat(64), ['must be no more than 63 characters', LABEL]],
  ];
  for (const [v, want] of labels) it(`label ${JSON.stringify(v.slice(0, 16))}`, () => assert.deepEqual(isDNS1123Label(v), want));

  it('DNS-1035 labels start with a letter', () => {
    assert.deepEqual(isDNS1035Label('svc'), []);
    assert.deepEqual(isDNS1035Label('1svc'), [DNS1035]);
  });

  const generated: [string, boolean, string[]][] = [
    ['web-', true, []],
    ['web-', false, [SUBDOMAIN]],
    ['Web-', true, [SUBDOMAIN]],
    ['-', true, [SUBDOMAIN]],
  ];
  for (const [v, prefix, want] of generated) {
    it(`generateName ${JSON.stringify(v)} prefix=${prefix}`, () => assert.deepEqual(nameIsDNSSubdomain(v, prefix), want));
  }
  it('namespace names are labels', () => assert.deepEqual(nameIsDNSLabel('kube.system', false), ['must not contain dots']));
});

describe('ports and env names', () => {
  const ports: [number, string[]][] = [
    [1, []],
    [65535, []],
    [0, [inclusiveRangeError(1, 65535)]],
    [70000, ['must be between 1 and 65535, inclusive']],
  ];
  for (const [p, want] of ports) it(`port ${p}`, () => assert.deepEqual(isValidPortNum(p), want));

  const names: [string, string[]][] = [
    ['http', []],
    ['http-alt', []],
    ['a'.repeat(16), ['must be no more than 15 characters']],
    ['HTTP', ['must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)', 'must contain at least one letter (a-z)']],
    ['8080', ['must contain at least one letter (a-z)']],
    ['a--b', ['must not contain consecutive hyphens']],
    ['-ab', ['must not begin or end with a hyphen']],
  ];
  for (const [n, want] of names) it(`port name ${JSON.stringify(n)}`, () => assert.deepEqual(isValidPortName(n), want));

  const relaxed: [string, string[]][] = [
    ['PATH', []],
    ['my var.1', []],
    ['1ST', []],
    ['A=B', ["a valid environment variable name must consist only of printable ASCII characters other than '='"]],
    ['é', ["a valid environment variable name must consist only of printable ASCII characters other than '='"]],
    ['', ['environment variable name must be non-empty']],
  ];
  for (const [n, want] of relaxed) it(`relaxed env name ${JSON.stringify(n)}`, () => assert.deepEqual(isRelaxedEnvVarName(n), want));

  it('strict env names (pre-1.32 rule)', () => {
    assert.deepEqual(isEnvVarName('MY_ENV.NAME'), []);
    assert.deepEqual(isEnvVarName('..a'), ["must not start with '..'"]);
    assert.equal(isEnvVarName('1A').length, 1);
  });
  it('regexError wording', () => {
    assert.equal(regexError('m', 'f'), "m (regex used for validation is 'f')");
    assert.equal(regexError('m', 'f', 'a', 'b'), "m (e.g. 'a',  or 'b', regex used for validation is 'f')");
  });
});
