// The reply bodies of the public API, one shape per operation (docs/protocol.md lists them).

import { checkAcl, Perms, permits, redactAcl, type Identity } from '../../storage/acl.js';
import { ZkError } from '../../storage/errors.js';
import type { DataTree } from '../../storage/data-tree.js';
import type { TxnResult } from '../../storage/txn.js';
import type { ClientOp, ReadOp } from '../../transport/ops.js';

/**
 * A read's reply, from the tree as it is; sessionId 0 is a sessionless request. ACLs are
 * checked as ZooKeeper's FinalRequestProcessor checks them: NONODE first, then READ on the
 * node (exists and getEphemerals need nothing; getACL needs READ or ADMIN).
 */
export function readReply(tree: DataTree, op: ReadOp, sessionId: number, identities: readonly Identity[] = []): object {
  const read = (path: string) => checkAcl(tree.aclOf(path), Perms.READ, identities, path);
  switch (op.op) {
    case 'getData': read(op.path); return tree.getData(op.path);
    case 'exists': return { stat: tree.exists(op.path) };
    case 'getChildren': read(op.path); return tree.getChildren(op.path);
    case 'getAllChildrenNumber': read(op.path); return { count: tree.descendantCount(op.path) };
    case 'getACL': {
      const { acl, stat } = tree.getACL(op.path);
      checkAcl(acl, Perms.READ | Perms.ADMIN, identities, op.path);
      // A reader without ADMIN sees who, not the digests' hashes (ZooKeeper 3.8).
      return { acl: permits(acl, Perms.ADMIN, identities) ? acl : redactAcl(acl), stat };
    }
    case 'getEphemerals':
      if (sessionId === 0) throw new ZkError('BADARGUMENTS', 'getEphemerals lists a session\'s own ephemeral nodes; it needs a session');
      return { paths: tree.ephemeralsOf(sessionId).filter((p) => p.startsWith(op.prefix)) };
    case 'multiRead':
      return {
        results: op.ops.map((sub) => {
          try {
            if (sub.op === 'getData') {
              const got = tree.getData(sub.path);
              read(sub.path);
              return { type: 'getData', ...got };
            }
            const { children } = tree.getChildren(sub.path);
            read(sub.path);
            return { type: 'getChildren', children };
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
    case 'setData':
    case 'setACL':
      return { stat: result.stat };
    case 'delete':
    case 'check':
      return {};
    case 'sync': return { path: 'path' in op ? op.path : '/' };
    case 'multi': return { results: result.results.map((r) => ({ type: r.type, ...writeReply(op, r) })) };
    default:
      throw new ZkError('SYSTEMERROR', `unexpected result ${result.type} for ${op.op}`);
  }
}
