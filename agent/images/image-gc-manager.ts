// Image garbage collection, the kubelet's way (pkg/kubelet/images image_gc_manager.go):
// every period, statfs the filesystem holding the runtime's images; at or over the high
// threshold (85 %), delete unused images least recently used first until usage is back at
// the low threshold (80 %). An image is in use while any container on the runtime uses it
// (running or not, sandboxes included, whoever made it) and the sandbox image always is;
// an image seen for less than the minimum age (2 m) is kept (it was probably just pulled
// for a container about to start). "Last used" is the last time a GC pass saw a container
// on it or the puller started one from it; images never used go first, oldest first.
// Records live in memory, as the kubelet's do: after a restart every image is new again
// and so protected for the minimum age.

import { statfs } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { Image, ImageService } from '../runtime/runtime.js';

export interface ImageGCPolicy {
  /** Usage (percent of the image filesystem) at which GC runs; 100 disables it. */
  highThresholdPercent: number;
  /** Usage GC frees down to. */
  lowThresholdPercent: number;
  /** Images seen for less than this are never deleted. */
  minAgeMs: number;
  /** How often GC runs (the kubelet: 5 minutes). */
  periodMs: number;
}

export const DEFAULT_IMAGE_GC_POLICY: ImageGCPolicy = { highThresholdPercent: 85, lowThresholdPercent: 80, minAgeMs: 120_000, periodMs: 300_000 };

/** The kubelet's checks of --image-gc-high-threshold / --image-gc-low-threshold; a message, or undefined when valid. */
export function validateImageGCPolicy(p: ImageGCPolicy): string | undefined {
  const pct = (v: number) => Number.isInteger(v) && v >= 0 && v <= 100;
  if (!pct(p.highThresholdPercent)) return `--image-gc-high-threshold ${p.highThresholdPercent}: must be a whole number between 0 and 100`;
  if (!pct(p.lowThresholdPercent)) return `--image-gc-low-threshold ${p.lowThresholdPercent}: must be a whole number between 0 and 100`;
  if (p.lowThresholdPercent > p.highThresholdPercent) return `--image-gc-low-threshold (${p.lowThresholdPercent}) must be less than or equal to --image-gc-high-threshold (${p.highThresholdPercent})`;
  if (p.minAgeMs < 0) return '--minimum-image-ttl-duration must not be negative';
  if (p.periodMs < 1000) return '--image-gc-period: at least 1s';
  return undefined;
}

export interface ImageFsStats {
  capacityBytes: number;
  availableBytes: number;
}

export type NodeEventRecorder = (type: 'Normal' | 'Warning', reason: string, message: string) => void;

export interface ImageGCManagerOptions {
  runtime: Pick<ImageService, 'listImages' | 'removeImage' | 'imageFsInfo' | 'imagesInUse'>;
  policy: ImageGCPolicy;
  /** Events on the Node (FreeDiskSpaceFailed, ImageGCFailed). */
  record: NodeEventRecorder;
  logger: Logger;
  /** Capacity and availability of the filesystem holding mountpoint; default statfs. */
  fsStats?: (mountpoint: string) => Promise<ImageFsStats>;
  now?: () => number;
}

interface ImageRecord {
  firstDetected: number;
  /** 0: never seen in use. */
  lastUsed: number;
  size: number;
  names: string[];
}

export interface GCResult {
  usagePercent: number;
  /** Bytes GC set out to free (0 below the high threshold). */
  amountToFree: number;
  freedBytes: number;
  /** Image ids deleted, in order. */
  deleted: string[];
}

async function statfsStats(mountpoint: string): Promise<ImageFsStats> {
  const s = await statfs(mountpoint);
  return { capacityBytes: s.blocks * s.bsize, availableBytes: s.bavail * s.bsize };
}

export class ImageGCManager {
  private readonly records = new Map<string, ImageRecord>();
  private running: Promise<GCResult> | undefined;

  constructor(private readonly o: ImageGCManagerOptions) {}

  private now(): number {
    return this.o.now?.() ?? Date.now();
  }

  get enabled(): boolean {
    return this.o.policy.highThresholdPercent < 100;
  }

  /** The puller is about to start a container from this image. */
  markUsed(imageId: string): void {
    const now = this.now();
    const r = this.records.get(imageId);
    if (r) r.lastUsed = now;
    else this.records.set(imageId, { firstDetected: now, lastUsed: now, size: 0, names: [] });
  }

  /** Refreshes the records from the runtime; returns the ids in use now. */
  async detectImages(detectTime: number): Promise<{ images: Image[]; inUse: Set<string> }> {
    const [images, inUse] = await Promise.all([this.o.runtime.listImages(), this.o.runtime.imagesInUse()]);
    const now = this.now();
    const present = new Set<string>();
    for (const image of images) {
      present.add(image.id);
      let r = this.records.get(image.id);
      if (!r) {
        r = { firstDetected: detectTime, lastUsed: 0, size: 0, names: [] };
        this.records.set(image.id, r);
      }
      if (inUse.has(image.id)) r.lastUsed = now;
      r.size = image.size;
      r.names = image.repoTags;
    }
    for (const id of this.records.keys()) if (!present.has(id)) this.records.delete(id);
    return { images, inUse };
  }

  /** One GC pass (never two at once). Rejects when it could not free enough, after recording why. */
  garbageCollect(): Promise<GCResult> {
    this.running ??= this.collect().finally(() => (this.running = undefined));
    return this.running;
  }

  private async collect(): Promise<GCResult> {
    const fs = await this.o.runtime.imageFsInfo();
    const stats = await (this.o.fsStats ?? statfsStats)(fs.mountpoint);
    const capacity = stats.capacityBytes;
    const available = Math.min(stats.availableBytes, capacity);
    if (capacity <= 0) {
      const message = `invalid capacity ${capacity} on image filesystem ${fs.mountpoint}`;
      this.o.record('Warning', 'InvalidDiskCapacity', message);
      throw new Error(message);
    }
    const usagePercent = 100 - Math.floor((available * 100) / capacity);
    const freeTime = this.now();
    if (usagePercent < this.o.policy.highThresholdPercent) {
      // Still look, so "last used" stays true between passes that delete nothing.
      await this.detectImages(freeTime);
      return { usagePercent, amountToFree: 0, freedBytes: 0, deleted: [] };
    }
    const amountToFree = Math.floor((capacity * (100 - this.o.policy.lowThresholdPercent)) / 100) - available;
    this.o.logger.info({ mountpoint: fs.mountpoint, usagePercent, highThreshold: this.o.policy.highThresholdPercent, amountToFree, lowThreshold: this.o.policy.lowThresholdPercent }, 'disk usage on image filesystem is over the high threshold, trying to free bytes down to the low threshold');
    const { freed, deleted, errors } = await this.freeSpace(amountToFree, freeTime);
    if (errors.length) throw new Error(`image deletion failed: ${errors.length === 1 ? errors[0] : `[${errors.join(', ')}]`}`);
    if (freed < amountToFree) {
      const message = `Failed to garbage collect required amount of images. Attempted to free ${amountToFree} bytes, but only found ${freed} bytes eligible to free.`;
      this.o.record('Warning', 'FreeDiskSpaceFailed', message);
      throw new Error(message);
    }
    return { usagePercent, amountToFree, freedBytes: freed, deleted };
  }

  private async freeSpace(bytesToFree: number, freeTime: number): Promise<{ freed: number; deleted: string[]; errors: string[] }> {
    const { inUse } = await this.detectImages(freeTime);
    const candidates = [...this.records.entries()]
      .filter(([id]) => !inUse.has(id))
      .sort(([, a], [, b]) => (a.lastUsed !== b.lastUsed ? a.lastUsed - b.lastUsed : a.firstDetected - b.firstDetected));
    let freed = 0;
    const deleted: string[] = [];
    const errors: string[] = [];
    for (const [id, r] of candidates) {
      if (freed >= bytesToFree) break;
      // Used during this pass (the puller marked it after detection): not a candidate any more.
      if (r.lastUsed >= freeTime) continue;
      if (freeTime - r.firstDetected < this.o.policy.minAgeMs) continue;
      this.o.logger.info({ image: id, names: r.names, size: r.size }, 'removing image to free bytes');
      try {
        await this.o.runtime.removeImage(id);
      } catch (err) {
        errors.push((err as Error).message);
        continue;
      }
      this.records.delete(id);
      freed += r.size;
      deleted.push(id);
    }
    return { freed, deleted, errors };
  }

  /** Runs GC every period until signal aborts; an event only for failures twice in a row, as the kubelet. */
  async run(signal: AbortSignal): Promise<void> {
    if (!this.enabled) {
      this.o.logger.info('image garbage collection disabled (--image-gc-high-threshold 100)');
      return;
    }
    let previousFailed = false;
    while (!signal.aborted) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.o.policy.periodMs);
        signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
      });
      if (signal.aborted) break;
      try {
        const r = await this.garbageCollect();
        if (r.deleted.length) this.o.logger.info({ freedBytes: r.freedBytes, deleted: r.deleted.length, usagePercent: r.usagePercent }, 'image garbage collection freed space');
        previousFailed = false;
      } catch (err) {
        const message = (err as Error).message;
        if (previousFailed) this.o.record('Warning', 'ImageGCFailed', message);
        this.o.logger.warn({ err: message, again: previousFailed }, 'image garbage collection failed');
        previousFailed = true;
      }
    }
  }
}
