// Restart = newest snapshot + replay of the log after it. Shows progress, since a large
// database takes a while and an operator should see it moving.

import { DataTree } from '../../storage/data-tree.js';
import type { Store } from '../../storage/store.js';

export type Progress = (message: string) => void;

const REPLAY_PAGE = 5000;

/** Rebuilds the tree up to `upTo` (inclusive): the committed position, or everything logged. */
export function restoreTree(store: Store, upTo: number, progress: Progress): DataTree {
  const snap = store.latestSnapshot();
  let tree: DataTree;
  if (snap) {
    const started = Date.now();
    tree = DataTree.fromChunks(store.readSnapshotChunks(snap.zxid));
    progress(`loaded snapshot 0x${snap.zxid.toString(16)}: ${tree.nodeCount} znodes, ${snap.bytes} bytes in ${Date.now() - started} ms`);
  } else {
    tree = new DataTree();
  }
  const replayed = applyLog(store, tree, upTo, (n) => progress(`replayed ${n} log entries`));
  if (replayed > 0) progress(`replayed ${replayed} log entries, now at 0x${tree.lastAppliedZxid.toString(16)}`);
  return tree;
}

/**
 * Applies the logged entries after the tree's last zxid, up to `upTo`, in pages; returns how
 * many. Restart, a leader taking office and a follower applying commits all go through here.
 */
export function applyLog(store: Store, tree: DataTree, upTo: number, progress?: (applied: number) => void): number {
  let applied = 0;
  for (;;) {
    const page = store.readLog(tree.lastAppliedZxid, upTo, REPLAY_PAGE);
    for (const entry of page) tree.apply(entry);
    applied += page.length;
    if (page.length < REPLAY_PAGE) return applied;
    if (applied % 50_000 === 0) progress?.(applied);
  }
}
