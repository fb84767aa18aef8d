// The reply bodies of the public API, one shape per operation (docs/protocol.md lists them).

import { ZkError } from '../../storage/errors.js';
import type { DataTree } from '../../storage/data-tree.js';
import type { TxnResult } from '../../storage/txn.js';
import type { ClientOp, ReadOp } from '../../transport/ops.js';

export function readReply(tree: DataTree, op: ReadOp): object {
  switch (op.op) {
    case 'getData': return tree.getData(op.path);
    case 'exists': return { stat: tree.exists(op.path) };
    case 'getChildren': return tree.getChildren(op.path);
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
