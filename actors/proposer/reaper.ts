// Which container and TTL nodes the leader removes, as ZooKeeper's ContainerManager decides:
// a container once it has no children and has had one (cversion > 0); a TTL node once it has
// no children and has not changed for longer than its TTL. The removal is an ordinary delete
// at the node's current version, so a change that races it makes it fail harmlessly.

import type { DataTree } from '../../storage/data-tree.js';
import type { DeleteOp } from '../../transport/ops.js';

export function reapable(tree: DataTree, now: number, limit: number): DeleteOp[] {
  const out: DeleteOp[] = [];
  for (const n of tree.removableNodes()) {
    if (out.length >= limit) break;
    if (n.stat.numChildren > 0) continue;
    const due = n.kind === 'container' ? n.stat.cversion > 0 : now - n.stat.mtime > n.ttlMs;
    if (due) out.push({ op: 'delete', path: n.path, version: n.stat.version });
  }
  return out;
}
