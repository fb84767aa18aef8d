// The watches of a session actor's sessions, and the events each committed transaction
// fires, as ZooKeeper's WatchManager does: one-shot data, exists and child watches are
// consumed when they fire; persistent ones stay; persistent-recursive ones see every node
// below their path but no child events. A session hears each event once, however many of
// its watches match it.

import type { DataTree } from '../../storage/data-tree.js';
import { parentOf } from '../../storage/paths.js';
import type { Txn, TxnResult } from '../../storage/txn.js';
import {
  kindsRemovedBy, WATCH_KINDS, type RemovableWatch, type WatchEvent, type WatchEventType, type WatchKind, type WatchSet,
} from '../../transport/ops.js';

type Change = { type: WatchEventType; path: string };

export class WatchRegistry {
  private readonly watchers = new Map<WatchKind, Map<string, Set<number>>>(WATCH_KINDS.map((k) => [k, new Map()]));
  /** persistent-recursive watches held: while none, a change need not look at its ancestors */
  private recursive = 0;

  add(session: number, kind: WatchKind, path: string): void {
    const byPath = this.watchers.get(kind)!;
    let set = byPath.get(path);
    if (!set) byPath.set(path, (set = new Set()));
    if (!set.has(session) && kind === 'persistentRecursive') this.recursive++;
    set.add(session);
  }

  /** Removes a session's watches of the given type on path; false when it had none. */
  remove(session: number, path: string, type: RemovableWatch): boolean {
    let removed = false;
    for (const kind of kindsRemovedBy(type)) removed = this.take(kind, path, session) || removed;
    return removed;
  }

  /** Whether a session holds a watch of the given type on path (ZooKeeper's checkWatches). */
  has(session: number, path: string, type: RemovableWatch): boolean {
    return kindsRemovedBy(type).some((kind) => this.watchers.get(kind)!.get(path)?.has(session) === true);
  }

  /** Watches held and the paths they are on, for wchs and metrics. */
  summary(): { watches: number; paths: number; sessions: number } {
    let watches = 0;
    const paths = new Set<string>();
    const sessions = new Set<number>();
    for (const byPath of this.watchers.values()) {
      for (const [path, set] of byPath) {
        watches += set.size;
        paths.add(path);
        for (const s of set) sessions.add(s);
      }
    }
    return { watches, paths: paths.size, sessions: sessions.size };
  }

  dropSession(session: number): void {
    for (const kind of WATCH_KINDS) for (const path of [...this.watchers.get(kind)!.keys()]) this.take(kind, path, session);
  }

  /** The events one committed transaction fires, by session, in the order ZooKeeper fires them. */
  fire(txn: Txn, result: TxnResult, zxid: number): ReadonlyMap<number, WatchEvent[]> {
    // Every committed transaction passes here: with no watch held, it costs nothing.
    if (this.isEmpty()) return NO_EVENTS;
    const out = new Map<number, WatchEvent[]>();
    for (const change of changesOf(txn, result)) {
      let heard: Set<number> | undefined;
      if (change.type === 'NodeChildrenChanged') {
        heard = this.consume('child', change.path, heard);
      } else {
        heard = this.consume('data', change.path, heard);
        heard = this.consume('exist', change.path, heard);
        if (change.type === 'NodeDeleted') heard = this.consume('child', change.path, heard);
        if (this.recursive > 0) for (const p of selfAndAncestors(change.path)) heard = joined(heard, this.watchers.get('persistentRecursive')!.get(p));
      }
      heard = joined(heard, this.watchers.get('persistent')!.get(change.path));
      if (!heard) continue;
      for (const s of heard) {
        let list = out.get(s);
        if (!list) out.set(s, (list = []));
        list.push({ ...change, zxid });
      }
    }
    return out;
  }

  /**
   * Re-registers the watches a client held on another actor, firing at once what changed
   * since the last zxid it saw (ZooKeeper's setWatches): a watched node that is gone, or
   * changed, or a watched absent node that now exists.
   */
  restore(session: number, watches: WatchSet, lastZxid: number, tree: DataTree): WatchEvent[] {
    const events: WatchEvent[] = [];
    const now = tree.lastAppliedZxid;
    for (const path of watches.data ?? []) {
      const stat = tree.exists(path);
      if (!stat) events.push({ type: 'NodeDeleted', path, zxid: now });
      else if (stat.mzxid > lastZxid) events.push({ type: 'NodeDataChanged', path, zxid: stat.mzxid });
      else this.add(session, 'data', path);
    }
    for (const path of watches.exist ?? []) {
      const stat = tree.exists(path);
      if (stat) events.push({ type: 'NodeCreated', path, zxid: stat.czxid });
      else this.add(session, 'exist', path);
    }
    for (const path of watches.child ?? []) {
      const stat = tree.exists(path);
      if (!stat) events.push({ type: 'NodeDeleted', path, zxid: now });
      else if (stat.pzxid > lastZxid) events.push({ type: 'NodeChildrenChanged', path, zxid: stat.pzxid });
      else this.add(session, 'child', path);
    }
    // Persistent watches stay, and hear what changed meanwhile, several changes of one kind
    // to one node told as one event (the tree keeps no record of each, nor of a node that
    // came and went, so a deletion while away goes untold).
    for (const path of watches.persistent ?? []) {
      this.add(session, 'persistent', path);
      events.push(...changedSince(tree, path, lastZxid, true));
    }
    for (const path of watches.persistentRecursive ?? []) {
      this.add(session, 'persistentRecursive', path);
      for (const p of subtree(tree, path)) events.push(...changedSince(tree, p, lastZxid, false));
    }
    return events;
  }

  private take(kind: WatchKind, path: string, session: number): boolean {
    const byPath = this.watchers.get(kind)!;
    const set = byPath.get(path);
    if (!set?.delete(session)) return false;
    if (kind === 'persistentRecursive') this.recursive--;
    if (set.size === 0) byPath.delete(path);
    return true;
  }

  /** One-shot watches fire once: all of them on path go, their sessions joined to heard. */
  private consume(kind: 'data' | 'exist' | 'child', path: string, heard: Set<number> | undefined): Set<number> | undefined {
    const byPath = this.watchers.get(kind)!;
    const set = byPath.get(path);
    if (!set) return heard;
    byPath.delete(path);
    return joined(heard, set);
  }

  private isEmpty(): boolean {
    for (const byPath of this.watchers.values()) if (byPath.size > 0) return false;
    return true;
  }
}

const NO_EVENTS: ReadonlyMap<number, WatchEvent[]> = new Map();

/** heard with the sessions of set added; a set of its own, never one the registry holds. */
function joined(heard: Set<number> | undefined, set: ReadonlySet<number> | undefined): Set<number> | undefined {
  if (!set || set.size === 0) return heard;
  if (!heard) return new Set(set);
  for (const s of set) heard.add(s);
  return heard;
}

function changesOf(txn: Txn, result: TxnResult): Change[] {
  switch (txn.type) {
    case 'create':
      return [{ type: 'NodeCreated', path: txn.path }, { type: 'NodeChildrenChanged', path: parentOf(txn.path) }];
    case 'delete':
      return [{ type: 'NodeDeleted', path: txn.path }, { type: 'NodeChildrenChanged', path: parentOf(txn.path) }];
    case 'setData':
      return [{ type: 'NodeDataChanged', path: txn.path }];
    case 'multi': {
      const results = result.type === 'multi' ? result.results : [];
      return txn.txns.flatMap((t, i) => changesOf(t, results[i] ?? result));
    }
    case 'closeSession':
      return result.type === 'closeSession'
        ? result.deleted.flatMap((path) => [{ type: 'NodeDeleted' as const, path }, { type: 'NodeChildrenChanged' as const, path: parentOf(path) }])
        : [];
    default:
      return [];
  }
}

function changedSince(tree: DataTree, path: string, lastZxid: number, children: boolean): WatchEvent[] {
  const stat = tree.exists(path);
  if (!stat) return [];
  const out: WatchEvent[] = [];
  if (stat.czxid > lastZxid) out.push({ type: 'NodeCreated', path, zxid: stat.czxid });
  else if (stat.mzxid > lastZxid) out.push({ type: 'NodeDataChanged', path, zxid: stat.mzxid });
  if (children && stat.pzxid > lastZxid && stat.pzxid !== stat.czxid) out.push({ type: 'NodeChildrenChanged', path, zxid: stat.pzxid });
  return out;
}

function* subtree(tree: DataTree, path: string): Generator<string> {
  if (!tree.exists(path)) return;
  yield path;
  for (const child of tree.getChildren(path).children) yield* subtree(tree, path === '/' ? `/${child}` : `${path}/${child}`);
}

function* selfAndAncestors(path: string): Generator<string> {
  let p = path;
  for (;;) {
    yield p;
    if (p === '/') return;
    p = parentOf(p);
  }
}
