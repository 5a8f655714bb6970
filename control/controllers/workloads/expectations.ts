// Controller expectations, as Kubernetes keeps them: after a sync asks the API server for
// creates or deletes, the informer has not yet seen them, so a second sync would count the
// old pods and act again. The controller records what it expects to see and does not
// manage replicas for that key until the informer has observed all of it — or until the
// expectation is old enough that an event must have been lost. Deletions are tracked by
// pod key, because a graceful delete is seen twice (deletionTimestamp set, then gone).

export const EXPECTATIONS_TTL_MS = 5 * 60_000;

interface Expectation {
  adds: number;
  dels: Set<string>;
  at: number;
}

export class ControllerExpectations {
  private readonly map = new Map<string, Expectation>();

  constructor(private readonly now: () => number = Date.now, private readonly ttlMs = EXPECTATIONS_TTL_MS) {}

  expectCreations(key: string, adds: number): void {
    this.map.set(key, { adds, dels: new Set(), at: this.now() });
  }

  expectDeletions(key: string, podKeys: string[]): void {
    this.map.set(key, { adds: 0, dels: new Set(podKeys), at: this.now() });
  }

  /** Creations and deletions at once, for a controller (DaemonSet) whose sync does both. */
  expect(key: string, adds: number, podKeys: string[]): void {
    this.map.set(key, { adds, dels: new Set(podKeys), at: this.now() });
  }

  /** The informer saw one of our creates (or a create failed and will never be seen). */
  creationObserved(key: string): void {
    const e = this.map.get(key);
    if (e && e.adds > 0) e.adds--;
  }

  deletionObserved(key: string, podKey: string): void {
    this.map.get(key)?.dels.delete(podKey);
  }

  /** True when the key may be synced: nothing pending, or what is pending has expired. */
  satisfied(key: string): boolean {
    const e = this.map.get(key);
    if (!e) return true;
    if (e.adds <= 0 && e.dels.size === 0) return true;
    return this.now() - e.at > this.ttlMs;
  }

  delete(key: string): void {
    this.map.delete(key);
  }
}
