// The client's side of watches: callbacks by kind and path, fired by the events its session
// actor pushes, and the list of what is still armed, which a resumed session re-registers.

import { kindsRemovedBy, WATCH_KINDS, type RemovableWatch, type WatchEvent, type WatchKind, type WatchSet } from '../transport/ops.js';

export type Watcher = (event: WatchEvent) => void;

export class Watchers {
  private readonly byKind = new Map<WatchKind, Map<string, Set<Watcher>>>(WATCH_KINDS.map((k) => [k, new Map()]));

  add(kind: WatchKind, path: string, watcher: Watcher): void {
    const byPath = this.byKind.get(kind)!;
    let set = byPath.get(path);
    if (!set) byPath.set(path, (set = new Set()));
    set.add(watcher);
  }

  delete(kind: WatchKind, path: string, watcher: Watcher): void {
    const set = this.byKind.get(kind)!.get(path);
    set?.delete(watcher);
    if (set?.size === 0) this.byKind.get(kind)!.delete(path);
  }

  /** An exists watch on a node that turned out to exist waits for data changes, as ZooKeeper's does. */
  move(from: WatchKind, to: WatchKind, path: string, watcher: Watcher): void {
    this.delete(from, path, watcher);
    this.add(to, path, watcher);
  }

  removeAll(path: string, type: RemovableWatch): void {
    for (const k of kindsRemovedBy(type)) this.byKind.get(k)!.delete(path);
  }

  /** Paths with a watch armed, by kind: what a resumed session asks its new actor to keep. */
  armed(): WatchSet {
    const out: WatchSet = {};
    for (const k of WATCH_KINDS) {
      const paths = [...this.byKind.get(k)!.keys()];
      if (paths.length > 0) out[k] = paths;
    }
    return out;
  }

  /** Calls every watcher the event concerns, each once; one-shot ones are disarmed first. */
  dispatch(event: WatchEvent): void {
    const called = new Set<Watcher>();
    const oneShot = (k: WatchKind) => {
      const set = this.byKind.get(k)!.get(event.path);
      if (!set) return;
      this.byKind.get(k)!.delete(event.path);
      for (const w of set) called.add(w);
    };
    if (event.type === 'NodeChildrenChanged') {
      oneShot('child');
    } else {
      oneShot('data');
      oneShot('exist');
      if (event.type === 'NodeDeleted') oneShot('child');
      for (const [path, set] of this.byKind.get('persistentRecursive')!) {
        if (path === event.path || path === '/' || event.path.startsWith(`${path}/`)) for (const w of set) called.add(w);
      }
    }
    for (const w of this.byKind.get('persistent')!.get(event.path) ?? []) called.add(w);
    for (const w of called) {
      try {
        w(event);
      } catch {
        // A watcher's own failure is its business; the others still hear the event.
      }
    }
  }
}
