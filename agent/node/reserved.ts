// --system-reserved / --kube-reserved as the kubelet takes them: "cpu=100m,memory=256Mi,
// ephemeral-storage=1Gi". Both are kept out of the node's allocatable, so they add up.

import { milliValue, parseQuantity, value } from '../../api/quantity.js';
import type { Reserved } from './system-info.js';

export function parseReserved(text: string, flag: string): Reserved {
  const out: Reserved = {};
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    const name = eq > 0 ? part.slice(0, eq) : '';
    let q;
    try {
      q = parseQuantity(part.slice(eq + 1));
    } catch {
      throw new Error(`--${flag} ${part}: expected RESOURCE=QUANTITY such as cpu=100m or memory=256Mi`);
    }
    if (name === 'cpu') out.cpuMillis = milliValue(q);
    else if (name === 'memory') out.memoryBytes = Number(value(q));
    else if (name === 'ephemeral-storage') out.ephemeralStorageBytes = Number(value(q));
    else throw new Error(`--${flag} ${part}: unknown resource "${name}" (cpu, memory, ephemeral-storage)`);
  }
  return out;
}

export function addReserved(a: Reserved, b: Reserved): Reserved {
  const sum = (x?: number, y?: number) => (x === undefined && y === undefined ? undefined : (x ?? 0) + (y ?? 0));
  const out: Reserved = {};
  const cpu = sum(a.cpuMillis, b.cpuMillis);
  const memory = sum(a.memoryBytes, b.memoryBytes);
  const storage = sum(a.ephemeralStorageBytes, b.ephemeralStorageBytes);
  if (cpu !== undefined) out.cpuMillis = cpu;
  if (memory !== undefined) out.memoryBytes = memory;
  if (storage !== undefined) out.ephemeralStorageBytes = storage;
  return out;
}
