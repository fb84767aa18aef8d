// The reply bodies of the public API, one shape per operation (docs/protocol.md lists them).

import { ZkError } from '../../storage/errors.js';
import type { DataTree } from '../../storage/data-tree.js';
import type { TxnResult } from '../../storage/txn.js';
import type { ClientOp, ReadOp } from '../../transport/ops.js';

/** A read's reply, from the tree as it is; sessionId 0 is a sessionless request. */
export function readReply(tree: DataTree, op: ReadOp, sessionId: number): object {
  switch (op.op) {
    case 'getData': return tree.getData(op.path);
    case 'exists': return { stat: tree.exists(op.path) };
    case 'getChildren': return tree.getChildren(op.path);
    case 'getAllChildrenNumber': return { count: tree.descendantCount(op.path) };
    case 'getEphemerals':
      if (sessionId === 0) throw new ZkError('BADARGUMENTS', 'getEphemerals lists a session\'s own ephemeral nodes; it needs a session');
      return { paths: tree.ephemeralsOf(sessionId).filter((p) => p.startsWith(op.prefix)) };
    case 'multiRead':
      return {
        results: op.ops.map((sub) => {
          try {
            return sub.op === 'getData' ? { type: 'getData', ...tree.getData(sub.path) } : { type: 'getChildren', children: tree.getChildren(sub.path).children };
          } catch (err) {
            if (!(err instanceof ZkError)) throw err;
            return { type: 'error', code: err.code };
          }
        }),
      };
    case 'sync': return { path: op.path };
  }
}

type Result = TxnResult | { type: 'sync' } | { type: 'error'; code: number };

export function writeReply(op: ClientOp, result: Result): object {
  switch (result.type) {
    case 'create': return { path: result.path, stat: result.stat };
    case 'setData': return { stat: result.stat };
    case 'delete':
    case 'check':
      return {};
    case 'sync': return { path: 'path' in op ? op.path : '/' };
    case 'multi': return { results: result.results.map((r) => ({ type: r.type, ...writeReply(op, r) })) };
    default:
      throw new ZkError('SYSTEMERROR', `unexpected result ${result.type} for ${op.op}`);
  }
}
