// What the node reports about its host: the facts in Node.status.nodeInfo, the InternalIP
// address, and capacity/allocatable as the kubelet computes them. Read from the same
// places the kubelet (through cadvisor) reads them — /proc/meminfo, /etc/os-release,
// /etc/machine-id, DMI, statfs of its root dir — so `kubectl describe node` shows the
// numbers a Kubernetes user expects. Everything here is a few small file reads, cheap
// enough to repeat; systeminformation is only a fallback for odd hosts, loaded on demand
// because it is large and mostly shells out.

import { readFile, statfs } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import { dirname } from 'node:path';

export interface SystemInfo {
  cpuCores: number;
  /** MemTotal: what the kubelet reports as memory capacity. */
  memoryBytes: number;
  /** PRETTY_NAME from os-release, e.g. "Debian GNU/Linux 12 (bookworm)". */
  osImage: string;
  /** `uname -r`. */
  kernelVersion: string;
  /** Go's GOARCH names (amd64, arm64, arm, …): the values of the kubernetes.io/arch label. */
  architecture: string;
  operatingSystem: 'linux';
  machineID: string;
  /** DMI product UUID; empty where the hardware has none (Raspberry Pi), as on a kubelet. */
  systemUUID: string;
  bootID: string;
  /** Lower-cased, as the kubelet uses it. */
  hostname: string;
  /** IPv4 of the default-route interface, else the first non-internal IPv4. */
  internalIP: string | undefined;
  /** Size of the filesystem holding the agent's data: the node's ephemeral-storage capacity. */
  ephemeralStorageBytes?: number;
}

export interface CollectOptions {
  /** Directory whose filesystem holds pod data (the kubelet's root dir). Default /var/lib/skiff. */
  rootDir?: string;
}

export const DEFAULT_ROOT_DIR = '/var/lib/skiff';

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** First readable, non-empty file among `paths`, trimmed (device-tree strings end in NUL). */
async function firstLine(...paths: string[]): Promise<string> {
  for (const p of paths) {
    const text = (await readText(p))?.replace(/\0/g, '').trim();
    if (text) return text;
  }
  return '';
}

// ---- memory ------------------------------------------------------------------------------

export interface MemInfo {
  totalBytes: number;
  availableBytes: number;
}

/** Parses /proc/meminfo (values in kB, which the kernel means as KiB). */
export function parseMemInfo(text: string): MemInfo | undefined {
  const kb = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^(\w+):\s+(\d+)/.exec(line);
    if (m) kb.set(m[1]!, Number(m[2]));
  }
  const total = kb.get('MemTotal');
  if (total === undefined) return undefined;
  // MemAvailable exists since Linux 3.14; older kernels get the classic estimate.
  const available = kb.get('MemAvailable') ?? (kb.get('MemFree') ?? 0) + (kb.get('Buffers') ?? 0) + (kb.get('Cached') ?? 0);
  return { totalBytes: total * 1024, availableBytes: available * 1024 };
}

export async function readMemInfo(): Promise<MemInfo> {
  const parsed = parseMemInfo((await readText('/proc/meminfo')) ?? '');
  return parsed ?? { totalBytes: os.totalmem(), availableBytes: os.freemem() };
}

/** Bytes of memory available for new work: the cheap 10-second probe. */
export async function readMemoryAvailable(): Promise<number> {
  return (await readMemInfo()).availableBytes;
}

// ---- OS, architecture --------------------------------------------------------------------

/** KEY=value lines with optional shell quoting (os-release(5)). */
export function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Z0-9_]+)=(.*)$/.exec(line);
    if (!m) continue;
    let v = m[2]!.trim();
    if ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'"))) v = v.slice(1, -1);
    out[m[1]!] = v.replace(/\\(["'$`\\])/g, '$1');
  }
  return out;
}

async function osImage(): Promise<string> {
  const text = (await readText('/etc/os-release')) ?? (await readText('/usr/lib/os-release'));
  const pretty = text ? parseOsRelease(text)['PRETTY_NAME'] : undefined;
  if (pretty) return pretty;
  try {
    const si = await import('systeminformation');
    const info = await si.osInfo();
    if (info.distro && info.distro !== 'unknown') return [info.distro, info.release].filter((s) => s && s !== 'unknown').join(' ');
  } catch {
    // fall through to the kubelet's own default
  }
  return 'Linux';
}

/** Node's process.arch → Go's GOARCH, which is what kubernetes.io/arch and images use. */
export function goArch(arch: string = process.arch, endianness: 'BE' | 'LE' = os.endianness()): string {
  switch (arch) {
    case 'x64':
      return 'amd64';
    case 'ia32':
      return '386';
    case 'ppc64':
      return endianness === 'LE' ? 'ppc64le' : 'ppc64';
    case 'mipsel':
      return 'mipsle';
    default:
      return arch; // arm64, arm, s390x, riscv64, loong64, mips already match
  }
}

// ---- addresses ---------------------------------------------------------------------------

/** The interface of the lowest-metric default route in /proc/net/route, if any. */
export function defaultRouteInterface(routeTable: string): string | undefined {
  let best: { iface: string; metric: number } | undefined;
  for (const line of routeTable.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8) continue;
    const [iface, destination, , flags, , , metric, mask] = f;
    const up = (parseInt(flags!, 16) & 0x1) !== 0;
    if (!up || destination !== '00000000' || mask !== '00000000') continue;
    const m = Number(metric);
    if (!best || m < best.metric) best = { iface: iface!, metric: m };
  }
  return best?.iface;
}

type Interfaces = NodeJS.Dict<os.NetworkInterfaceInfo[]>;

// Bridges and tunnels the container runtime and CNIs create: their addresses are not how
// other nodes reach this one.
const VIRTUAL_INTERFACE = /^(docker|br-|veth|cni|flannel|cali|vxlan|kube-|virbr|tun|tap|skiff)/;

function usableIPv4(addresses: os.NetworkInterfaceInfo[] | undefined): string | undefined {
  return addresses?.find((a) => a.family === 'IPv4' && !a.internal && !a.address.startsWith('169.254.'))?.address;
}

/** IPv4 of the default-route interface; otherwise the first non-internal one, physical first. */
export function chooseInternalIP(interfaces: Interfaces, defaultInterface: string | undefined): string | undefined {
  if (defaultInterface) {
    const ip = usableIPv4(interfaces[defaultInterface]);
    if (ip) return ip;
  }
  const names = Object.keys(interfaces);
  for (const name of [...names.filter((n) => !VIRTUAL_INTERFACE.test(n)), ...names.filter((n) => VIRTUAL_INTERFACE.test(n))]) {
    const ip = usableIPv4(interfaces[name]);
    if (ip) return ip;
  }
  return undefined;
}

async function internalIP(): Promise<string | undefined> {
  const routes = await readText('/proc/net/route');
  return chooseInternalIP(os.networkInterfaces(), routes ? defaultRouteInterface(routes) : undefined);
}

// ---- storage -----------------------------------------------------------------------------

/** Total size of the filesystem holding `dir` (or its nearest existing parent). */
export async function filesystemSize(dir: string): Promise<number | undefined> {
  let path = dir;
  while (!existsSync(path) && dirname(path) !== path) path = dirname(path);
  try {
    const s = await statfs(path);
    return s.blocks * s.bsize;
  } catch {
    return undefined;
  }
}

// ---- all of it ---------------------------------------------------------------------------

export async function collectSystemInfo(options: CollectOptions = {}): Promise<SystemInfo> {
  const [mem, image, machineID, systemUUID, bootID, ip, storage] = await Promise.all([
    readMemInfo(),
    osImage(),
    firstLine('/etc/machine-id', '/var/lib/dbus/machine-id'),
    // DMI on PCs and VMs; device tree on POWER; nothing on a Raspberry Pi.
    firstLine('/sys/class/dmi/id/product_uuid', '/proc/device-tree/system-id', '/proc/device-tree/vm,uuid'),
    firstLine('/proc/sys/kernel/random/boot_id'),
    internalIP(),
    filesystemSize(options.rootDir ?? DEFAULT_ROOT_DIR),
  ]);
  const info: SystemInfo = {
    cpuCores: os.cpus().length || os.availableParallelism(),
    memoryBytes: mem.totalBytes,
    osImage: image,
    kernelVersion: os.release(),
    architecture: goArch(),
    operatingSystem: 'linux',
    machineID,
    systemUUID,
    bootID,
    hostname: os.hostname().trim().toLowerCase(),
    internalIP: ip,
  };
  if (storage !== undefined) info.ephemeralStorageBytes = storage;
  return info;
}

// ---- capacity and allocatable ------------------------------------------------------------

/** cpu as Kubernetes prints it: whole cores as "2", anything else in millicores "1900m". */
export function formatCPU(millis: number): string {
  return millis % 1000 === 0 ? String(millis / 1000) : `${millis}m`;
}

const BINARY_SUFFIXES = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];

/**
 * Bytes in Kubernetes' canonical binary-SI form: the largest power of 1024 that divides the
 * value exactly ("24684084Ki", "4Gi"), plain digits when none does or below 1024.
 */
export function formatBytes(bytes: number): string {
  let n = Math.trunc(bytes);
  if (Math.abs(n) < 1024) return String(n);
  let exp = 0;
  while (n % 1024 === 0 && exp < BINARY_SUFFIXES.length - 1) {
    n /= 1024;
    exp++;
  }
  return `${n}${BINARY_SUFFIXES[exp]}`;
}

export interface Reserved {
  cpuMillis?: number;
  memoryBytes?: number;
  ephemeralStorageBytes?: number;
}

export interface CapacityOptions {
  maxPods?: number;
  /** kube-reserved + system-reserved. */
  reserved?: Reserved;
  /**
   * Hard eviction thresholds, which the kubelet also keeps out of allocatable. Defaults are
   * the kubelet's: memory.available<100Mi, nodefs.available<10%.
   */
  evictionHard?: { memoryBytes?: number; ephemeralStorageFraction?: number };
}

export const DEFAULT_MAX_PODS = 110;
export const DEFAULT_EVICTION_HARD_MEMORY_BYTES = 100 * 1024 * 1024;
export const DEFAULT_EVICTION_HARD_NODEFS_FRACTION = 0.1;

/**
 * Node.status.capacity and .allocatable, as the kubelet computes them:
 * allocatable = capacity − reserved − hard eviction threshold, never below zero.
 */
export function nodeCapacity(info: SystemInfo, options: CapacityOptions = {}): { capacity: Record<string, string>; allocatable: Record<string, string> } {
  const maxPods = options.maxPods ?? DEFAULT_MAX_PODS;
  const reserved = options.reserved ?? {};
  const evictMemory = options.evictionHard?.memoryBytes ?? DEFAULT_EVICTION_HARD_MEMORY_BYTES;
  const evictFraction = options.evictionHard?.ephemeralStorageFraction ?? DEFAULT_EVICTION_HARD_NODEFS_FRACTION;
  const cpuMillis = info.cpuCores * 1000;

  const capacity: Record<string, string> = {
    cpu: formatCPU(cpuMillis),
    memory: formatBytes(info.memoryBytes),
    pods: String(maxPods),
  };
  const allocatable: Record<string, string> = {
    cpu: formatCPU(Math.max(0, cpuMillis - (reserved.cpuMillis ?? 0))),
    memory: formatBytes(Math.max(0, info.memoryBytes - (reserved.memoryBytes ?? 0) - evictMemory)),
    pods: String(maxPods),
  };
  if (info.ephemeralStorageBytes !== undefined) {
    const total = info.ephemeralStorageBytes;
    capacity['ephemeral-storage'] = formatBytes(total);
    allocatable['ephemeral-storage'] = formatBytes(Math.max(0, total - (reserved.ephemeralStorageBytes ?? 0) - Math.trunc(total * evictFraction)));
  }
  return { capacity, allocatable };
}
