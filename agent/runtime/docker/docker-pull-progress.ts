// Docker's pull stream, one JSON message per step of each layer ("Pulling fs layer",
// "Downloading" with current/total bytes, "Download complete", "Extracting", "Pull complete",
// "Already exists"), folded into one running total for the whole image.

import type { PullProgress } from '../runtime.js';

interface PullMessage {
  id?: string;
  status?: string;
  progressDetail?: { current?: number; total?: number };
}

interface Layer {
  downloaded: number;
  total: number;
  done: boolean;
}

export class DockerPullProgress {
  private readonly layers = new Map<string, Layer>();

  /** Folds one message in; returns the new totals when it changed them. */
  update(message: unknown): PullProgress | undefined {
    const m = message as PullMessage;
    if (typeof m !== 'object' || m === null || typeof m.id !== 'string' || typeof m.status !== 'string') return undefined;
    const layer = this.layers.get(m.id);
    switch (m.status) {
      case 'Pulling fs layer':
      case 'Waiting':
        if (!layer) this.layers.set(m.id, { downloaded: 0, total: 0, done: false });
        break;
      case 'Downloading': {
        const l = layer ?? { downloaded: 0, total: 0, done: false };
        l.downloaded = m.progressDetail?.current ?? l.downloaded;
        l.total = m.progressDetail?.total ?? l.total;
        this.layers.set(m.id, l);
        break;
      }
      case 'Download complete':
      case 'Verifying Checksum':
      case 'Extracting':
      case 'Pull complete':
      case 'Already exists': {
        const l = layer ?? { downloaded: 0, total: 0, done: false };
        if (m.status === 'Extracting' && !l.total) l.total = m.progressDetail?.total ?? 0;
        l.downloaded = l.total;
        l.done = true;
        this.layers.set(m.id, l);
        break;
      }
      default:
        return undefined;
    }
    return this.current();
  }

  current(): PullProgress {
    let downloadedBytes = 0;
    let totalBytes = 0;
    let layersDone = 0;
    for (const l of this.layers.values()) {
      downloadedBytes += l.downloaded;
      totalBytes += l.total;
      if (l.done) layersDone++;
    }
    return { downloadedBytes, totalBytes, layers: this.layers.size, layersDone };
  }
}
