// The static pod file source (the kubelet's --pod-manifest-path): every file in the
// directory (or the one file the path names) holds one pod. Changes are seen through
// fs.watch (inotify), coalesced so an editor's burst of writes and renames is read once,
// and through a full re-read every 20 s (the kubelet's --file-check-frequency) that
// catches whatever the watch missed, such as a directory created after the agent started.
// Each read yields the whole set of static pods (the kubelet's SET update).
//
// Files whose name starts with a dot are ignored (editors' swap files), as are
// subdirectories. A file that cannot be used is logged and reported once per distinct
// error; if it held a good pod before, that pod is kept rather than killed because of a
// half-written save.

import { watch, type FSWatcher } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Logger } from 'pino';
import type { Pod } from '../../../api/types.js';
import { CONFIG_SEEN_ANNOTATION, decodeStaticPod, podFullName } from './static-pod.js';

export const DEFAULT_POD_MANIFEST_PATH = '/etc/skiff/manifests';
export const FILE_CHECK_FREQUENCY_MS = 20_000;
/** Quiet time after the last change event before the directory is read. */
const DEBOUNCE_MS = 150;

export interface FileSourceOptions {
  path: string;
  nodeName: string;
  logger: Logger;
  /** A manifest that cannot be used (reported once per distinct message). */
  onInvalid?: (file: string, message: string) => void;
  periodMs?: number;
  debounceMs?: number;
}

export class FileSource {
  private readonly listeners: ((pods: Pod[]) => void)[] = [];
  /** The last good pod of each file. */
  private readonly good = new Map<string, Pod>();
  private readonly reported = new Map<string, string>();
  /** When each pod (by uid) was first seen: the config.seen annotation. */
  private readonly seen = new Map<string, string>();
  private last: string | undefined;
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private reading: Promise<void> = Promise.resolve();
  private missingLogged = false;

  constructor(private readonly o: FileSourceOptions) {}

  onUpdate(fn: (pods: Pod[]) => void): void {
    this.listeners.push(fn);
  }

  /** Reads the manifests now and tells the listeners if the set changed. */
  sync(): Promise<void> {
    this.reading = this.reading.then(() => this.read()).catch((err) => this.o.logger.warn({ path: this.o.path, err: (err as Error).message }, 'reading static pod manifests failed'));
    return this.reading;
  }

  /** The first read has happened when this resolves; then it keeps watching until aborted. */
  async start(signal: AbortSignal): Promise<{ done: Promise<void> }> {
    await this.sync();
    this.ensureWatch(signal);
    const done = new Promise<void>((resolve) => {
      const period = setInterval(() => {
        this.ensureWatch(signal);
        void this.sync();
      }, this.o.periodMs ?? FILE_CHECK_FREQUENCY_MS);
      period.unref();
      signal.addEventListener(
        'abort',
        () => {
          clearInterval(period);
          if (this.timer) clearTimeout(this.timer);
          this.watcher?.close();
          this.watcher = undefined;
          void this.reading.then(() => resolve());
        },
        { once: true },
      );
    });
    return { done };
  }

  /** fs.watch fails on a path that does not exist yet; the periodic re-read tries again. */
  private ensureWatch(signal: AbortSignal): void {
    if (this.watcher || signal.aborted) return;
    try {
      this.watcher = watch(this.o.path, { persistent: false }, (_event, name) => {
        if (name && basename(name.toString()).startsWith('.')) return;
        this.schedule();
      });
      this.watcher.on('error', () => {
        // The directory was removed or replaced: watch it again on the next period.
        this.watcher?.close();
        this.watcher = undefined;
        this.schedule();
      });
    } catch {
      this.watcher = undefined;
    }
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.sync();
    }, this.o.debounceMs ?? DEBOUNCE_MS);
    this.timer.unref();
  }

  private async files(): Promise<string[]> {
    let info;
    try {
      info = await stat(this.o.path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      // A watch on a removed directory sees nothing of the one made in its place.
      this.watcher?.close();
      this.watcher = undefined;
      if (!this.missingLogged) this.o.logger.info({ path: this.o.path }, 'static pod manifest path does not exist, watching for it');
      this.missingLogged = true;
      return [];
    }
    this.missingLogged = false;
    if (info.isFile()) return [this.o.path];
    if (!info.isDirectory()) throw new Error(`${this.o.path} is not a directory or file`);
    const out: string[] = [];
    for (const entry of (await readdir(this.o.path, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (entry.name.startsWith('.')) continue;
      const file = join(this.o.path, entry.name);
      // Symlinks are followed, as the kubelet's os.Stat does.
      const st = await stat(file).catch(() => undefined);
      if (st?.isFile()) out.push(file);
      else if (st?.isDirectory()) this.report(file, 'not recursing into manifest path');
    }
    return out;
  }

  private async read(): Promise<void> {
    const files = await this.files();
    const pods: Pod[] = [];
    const names = new Set<string>();
    for (const file of files) {
      let pod: Pod | undefined;
      try {
        const text = await readFile(file, 'utf8');
        const decoded = decodeStaticPod(text, file, this.o.nodeName);
        pod = decoded.pod;
        if (decoded.ignoredDocuments > 0) this.report(file, `only the first of ${decoded.ignoredDocuments + 1} documents is read: one pod per manifest file`, 'warn');
        else this.reported.delete(file);
        this.good.set(file, pod);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; // removed while we read
        this.report(file, (err as Error).message);
        pod = this.good.get(file);
      }
      if (!pod) continue;
      if (names.has(podFullName(pod))) {
        this.report(file, `pod ${podFullName(pod)} is already defined by another manifest file, ignoring this one`);
        continue;
      }
      names.add(podFullName(pod));
      pods.push(pod);
    }
    for (const file of [...this.good.keys()]) if (!files.includes(file)) this.good.delete(file);
    for (const file of [...this.reported.keys()]) if (!files.includes(file)) this.reported.delete(file);

    const key = JSON.stringify([...pods].sort((a, b) => (a.metadata.uid! < b.metadata.uid! ? -1 : 1)));
    if (key === this.last) return;
    this.last = key;
    const now = new Date().toISOString();
    const uids = new Set(pods.map((p) => p.metadata.uid!));
    for (const uid of [...this.seen.keys()]) if (!uids.has(uid)) this.seen.delete(uid);
    const out = pods.map((p) => {
      const uid = p.metadata.uid!;
      if (!this.seen.has(uid)) this.seen.set(uid, now);
      const copy = structuredClone(p);
      copy.metadata.annotations![CONFIG_SEEN_ANNOTATION] = this.seen.get(uid)!;
      return copy;
    });
    this.o.logger.info({ path: this.o.path, pods: out.map(podFullName) }, 'static pods read');
    for (const l of this.listeners) l(out);
  }

  private report(file: string, message: string, level: 'warn' | 'error' = 'error'): void {
    if (this.reported.get(file) === message) return;
    this.reported.set(file, message);
    this.o.logger[level]({ file, err: message }, 'could not process manifest file');
    this.o.onInvalid?.(file, message);
  }
}
