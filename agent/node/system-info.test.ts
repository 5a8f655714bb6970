import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import {
  chooseInternalIP,
  collectSystemInfo,
  defaultRouteInterface,
  formatBytes,
  formatCPU,
  goArch,
  nodeCapacity,
  parseMemInfo,
  parseOsRelease,
  readMemoryAvailable,
  type SystemInfo,
} from './system-info.js';

// ---- pure parts, table-driven ----

test('parseMemInfo', () => {
  const cases: { name: string; text: string; want: ReturnType<typeof parseMemInfo> }[] = [
    {
      name: 'modern kernel',
      text: 'MemTotal:       24684084 kB\nMemFree:         1000 kB\nMemAvailable:   20000000 kB\nBuffers:  10 kB\n',
      want: { totalBytes: 24684084 * 1024, availableBytes: 20000000 * 1024 },
    },
    {
      name: 'before MemAvailable existed',
      text: 'MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 20 kB\nCached: 300 kB\n',
      want: { totalBytes: 1000 * 1024, availableBytes: 420 * 1024 },
    },
    { name: 'garbage', text: 'nothing here', want: undefined },
  ];
  for (const c of cases) assert.deepEqual(parseMemInfo(c.text), c.want, c.name);
});

test('parseOsRelease', () => {
  const text = '# comment\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME=\'Debian\'\nID=debian\nVERSION="say \\"hi\\""\n\n';
  assert.deepEqual(parseOsRelease(text), { PRETTY_NAME: 'Debian GNU/Linux 12 (bookworm)', NAME: 'Debian', ID: 'debian', VERSION: 'say "hi"' });
});

test('goArch maps Node names to GOARCH', () => {
  const cases: [arch: string, endian: 'BE' | 'LE', want: string][] = [
    ['x64', 'LE', 'amd64'],
    ['arm64', 'LE', 'arm64'],
    ['arm', 'LE', 'arm'],
    ['ia32', 'LE', '386'],
    ['ppc64', 'LE', 'ppc64le'],
    ['ppc64', 'BE', 'ppc64'],
    ['s390x', 'BE', 's390x'],
    ['riscv64', 'LE', 'riscv64'],
  ];
  for (const [arch, endian, want] of cases) assert.equal(goArch(arch, endian), want, arch);
});

test('defaultRouteInterface picks the lowest-metric up default route', () => {
  const header = 'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n';
  const cases: { name: string; rows: string[]; want: string | undefined }[] = [
    { name: 'one default', rows: ['eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0', 'docker0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0'], want: 'eth0' },
    {
      name: 'wifi and wired: lower metric wins',
      rows: ['wlan0\t00000000\t0101A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0', 'eth0\t00000000\t0101A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0'],
      want: 'eth0',
    },
    { name: 'route down', rows: ['eth0\t00000000\t010200C0\t0002\t0\t0\t0\t00000000\t0\t0\t0'], want: undefined },
    { name: 'no default', rows: ['eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0'], want: undefined },
  ];
  for (const c of cases) assert.equal(defaultRouteInterface(header + c.rows.join('\n')), c.want, c.name);
});

test('chooseInternalIP', () => {
  const v4 = (address: string, internal = false): os.NetworkInterfaceInfo => ({ address, netmask: '255.255.255.0', family: 'IPv4', mac: '00:00:00:00:00:00', internal, cidr: `${address}/24` });
  const v6 = (address: string): os.NetworkInterfaceInfo => ({ address, netmask: 'ffff::', family: 'IPv6', mac: '00:00:00:00:00:00', internal: false, cidr: `${address}/64`, scopeid: 0 });
  const cases: { name: string; ifaces: NodeJS.Dict<os.NetworkInterfaceInfo[]>; dflt: string | undefined; want: string | undefined }[] = [
    { name: 'default-route interface', ifaces: { lo: [v4('127.0.0.1', true)], docker0: [v4('172.17.0.1')], eth0: [v6('fd00::2'), v4('192.168.1.20')] }, dflt: 'eth0', want: '192.168.1.20' },
    { name: 'no default route: first physical', ifaces: { lo: [v4('127.0.0.1', true)], docker0: [v4('172.17.0.1')], wlan0: [v4('10.0.0.7')] }, dflt: undefined, want: '10.0.0.7' },
    { name: 'default interface has only IPv6', ifaces: { eth0: [v6('fd00::2')], eth1: [v4('10.1.1.1')] }, dflt: 'eth0', want: '10.1.1.1' },
    { name: 'link-local skipped', ifaces: { eth0: [v4('169.254.3.4')], docker0: [v4('172.17.0.1')] }, dflt: 'eth0', want: '172.17.0.1' },
    { name: 'nothing usable', ifaces: { lo: [v4('127.0.0.1', true)], eth0: [v6('fd00::2')] }, dflt: 'eth0', want: undefined },
  ];
  for (const c of cases) assert.equal(chooseInternalIP(c.ifaces, c.dflt), c.want, c.name);
});

test('formatCPU and formatBytes print canonical Kubernetes quantities', () => {
  const cpu: [number, string][] = [[2000, '2'], [1900, '1900m'], [0, '0'], [250, '250m']];
  for (const [m, want] of cpu) assert.equal(formatCPU(m), want);
  const bytes: [number, string][] = [
    [24684084 * 1024, '24684084Ki'],
    [24576 * 2 ** 20, '24Gi'],
    [4 * 2 ** 30, '4Gi'],
    [1536 * 2 ** 20, '1536Mi'],
    [243497856615, '243497856615'],
    [512, '512'],
    [1024, '1Ki'],
    [0, '0'],
  ];
  for (const [b, want] of bytes) assert.equal(formatBytes(b), want, String(b));
});

const sample: SystemInfo = {
  cpuCores: 4,
  memoryBytes: 8029468 * 1024,
  osImage: 'Debian GNU/Linux 12 (bookworm)',
  kernelVersion: '6.1.0',
  architecture: 'arm64',
  operatingSystem: 'linux',
  machineID: 'm',
  systemUUID: '',
  bootID: 'b',
  hostname: 'pi',
  internalIP: '192.168.1.20',
  ephemeralStorageBytes: 61255492 * 1024,
};

const { ephemeralStorageBytes: _unused, ...withoutStorage } = sample;

test('nodeCapacity', () => {
  const cases: { name: string; info: SystemInfo; options: Parameters<typeof nodeCapacity>[1]; want: ReturnType<typeof nodeCapacity> }[] = [
    {
      name: 'kubelet defaults: 110 pods, hard eviction 100Mi memory and 10% nodefs',
      info: sample,
      options: {},
      want: {
        capacity: { cpu: '4', memory: '8029468Ki', pods: '110', 'ephemeral-storage': '61255492Ki' },
        allocatable: { cpu: '4', memory: '7927068Ki', pods: '110', 'ephemeral-storage': '56453061428' },
      },
    },
    {
      name: 'reserved cpu and memory, no eviction thresholds, custom maxPods',
      info: sample,
      options: { maxPods: 32, reserved: { cpuMillis: 100, memoryBytes: 256 * 2 ** 20 }, evictionHard: { memoryBytes: 0, ephemeralStorageFraction: 0 } },
      want: {
        capacity: { cpu: '4', memory: '8029468Ki', pods: '32', 'ephemeral-storage': '61255492Ki' },
        allocatable: { cpu: '3900m', memory: '7767324Ki', pods: '32', 'ephemeral-storage': '61255492Ki' },
      },
    },
    {
      name: 'no ephemeral storage known; reservations larger than the node clamp to zero',
      info: withoutStorage,
      options: { reserved: { cpuMillis: 8000, memoryBytes: 64 * 2 ** 30 } },
      want: { capacity: { cpu: '4', memory: '8029468Ki', pods: '110' }, allocatable: { cpu: '0', memory: '0', pods: '110' } },
    },
  ];
  for (const c of cases) assert.deepEqual(nodeCapacity(c.info, c.options), c.want, c.name);
});

// ---- this machine ----

test('collectSystemInfo on this machine', async (t) => {
  const started = process.hrtime.bigint();
  const info = await collectSystemInfo();
  const firstMs = Number(process.hrtime.bigint() - started) / 1e6;
  const again = process.hrtime.bigint();
  await collectSystemInfo();
  const secondMs = Number(process.hrtime.bigint() - again) / 1e6;
  t.diagnostic(`collectSystemInfo: first ${firstMs.toFixed(1)} ms, again ${secondMs.toFixed(1)} ms`);
  t.diagnostic(JSON.stringify(info));

  assert.equal(info.cpuCores, os.cpus().length);
  assert.ok(Math.abs(info.memoryBytes - os.totalmem()) / os.totalmem() < 0.01, `${info.memoryBytes} vs ${os.totalmem()}`);
  assert.equal(info.operatingSystem, 'linux');
  assert.ok(['amd64', 'arm64', 'arm', '386', 'ppc64le', 's390x', 'riscv64'].includes(info.architecture), info.architecture);
  assert.equal(info.kernelVersion, os.release());
  assert.ok(info.osImage.length > 0);
  const pretty = parseOsRelease(readFileSync('/etc/os-release', 'utf8'))['PRETTY_NAME'];
  if (pretty) assert.equal(info.osImage, pretty);
  assert.match(info.bootID, /^[0-9a-f-]{36}$/);
  assert.equal(info.bootID, readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim());
  assert.match(info.machineID, /^[0-9a-f]{32}$/);
  assert.equal(info.hostname, os.hostname().toLowerCase());
  if (info.internalIP !== undefined) {
    assert.match(info.internalIP, /^\d+\.\d+\.\d+\.\d+$/);
    const all = Object.values(os.networkInterfaces()).flat().map((a) => a?.address);
    assert.ok(all.includes(info.internalIP), 'an address of this host');
  }
  assert.ok(info.ephemeralStorageBytes === undefined || info.ephemeralStorageBytes > 0);

  const { capacity, allocatable } = nodeCapacity(info);
  assert.equal(capacity['cpu'], String(os.cpus().length));
  assert.match(capacity['memory']!, /^\d+Ki$/, 'MemTotal is whole KiB');
  assert.match(allocatable['memory']!, /^\d+(Ki)?$/);
  t.diagnostic(`capacity ${JSON.stringify(capacity)} allocatable ${JSON.stringify(allocatable)}`);
});

test('readMemoryAvailable is cheap and sane', async (t) => {
  const rounds = 200;
  const started = process.hrtime.bigint();
  let available = 0;
  for (let i = 0; i < rounds; i++) available = await readMemoryAvailable();
  const usEach = Number(process.hrtime.bigint() - started) / 1e3 / rounds;
  t.diagnostic(`readMemoryAvailable: ${usEach.toFixed(0)} µs per call, ${available} bytes available`);
  assert.ok(available > 0 && available <= os.totalmem(), String(available));
});
