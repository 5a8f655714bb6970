// `skiff agent` flags for image garbage collection and pull progress (the kubelet's
// --image-gc-high-threshold, --image-gc-low-threshold, --minimum-image-ttl-duration, and
// two of Skiff's own: how often GC runs and how often a long pull's progress is written).

import { validateImageGCPolicy } from '../../agent/images/image-gc-manager.js';
import type { ImageOptions } from '../../agent/images/images.js';
import { parseDuration, required, UsageError, type FlagSpec, type ParsedFlags } from '../cli-flags.js';

export const imageFlags: FlagSpec[] = [
  { name: 'image-gc-high-threshold', description: 'Percent of the image filesystem in use at which unused images are deleted (100 disables image GC)', default: '85', placeholder: 'PERCENT' },
  { name: 'image-gc-low-threshold', description: 'Percent of the image filesystem in use that image GC frees down to', default: '80', placeholder: 'PERCENT' },
  { name: 'minimum-image-ttl-duration', description: 'Unused images younger than this are never deleted', default: '2m', placeholder: 'DURATION' },
  { name: 'image-gc-period', description: 'How often image GC checks the image filesystem', default: '5m', placeholder: 'DURATION' },
  { name: 'image-pull-progress-period', description: 'Least time between two updates of a long pull\'s PullProgress event', default: '5s', placeholder: 'DURATION' },
];

function percent(flags: ParsedFlags, name: string): number {
  const raw = required(flags, name);
  const v = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || v > 100) throw new UsageError(`--${name} ${raw}: a whole number from 0 to 100`);
  return v;
}

export function imageOptions(flags: ParsedFlags): ImageOptions {
  const gc = {
    highThresholdPercent: percent(flags, 'image-gc-high-threshold'),
    lowThresholdPercent: percent(flags, 'image-gc-low-threshold'),
    minAgeMs: parseDuration(required(flags, 'minimum-image-ttl-duration'), 'minimum-image-ttl-duration'),
    periodMs: parseDuration(required(flags, 'image-gc-period'), 'image-gc-period'),
  };
  const invalid = validateImageGCPolicy(gc);
  if (invalid) throw new UsageError(invalid);
  const pullProgressIntervalMs = parseDuration(required(flags, 'image-pull-progress-period'), 'image-pull-progress-period');
  if (pullProgressIntervalMs < 100) throw new UsageError('--image-pull-progress-period: at least 100ms');
  return { gc, pullProgressIntervalMs };
}
