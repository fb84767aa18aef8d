// The replicated transactions: what the proposer derives from a client request against its
// view of the tree, what the log stores, and what every replica applies. A transaction is
// fully determined (paths resolved, versions computed), so applying it never needs a choice.

import type { Acl } from './acl.js';
import type { Zxid } from './zxid.js';

/** ZooKeeper's Stat, field for field. */
export interface Stat {
  czxid: Zxid;
  mzxid: Zxid;
  ctime: number;
  mtime: number;
  version: number;
  cversion: number;
  aversion: number;
  ephemeralOwner: number;
  dataLength: number;
  numChildren: number;
  pzxid: Zxid;
}

export const STAT_FIELDS: readonly (keyof Stat)[] = [
  'czxid', 'mzxid', 'ctime', 'mtime', 'version', 'cversion', 'aversion',
  'ephemeralOwner', 'dataLength', 'numChildren', 'pzxid',
];

/** How a node lives and dies; 'sequential' is only a naming rule and resolved before a txn exists. */
export type NodeKind = 'persistent' | 'ephemeral' | 'container' | 'ttl';

/** ZooKeeper's CreateMode numbers, as they travel on the wire. */
export const CreateMode = {
  PERSISTENT: 0,
  EPHEMERAL: 1,
  PERSISTENT_SEQUENTIAL: 2,
  EPHEMERAL_SEQUENTIAL: 3,
  CONTAINER: 4,
  PERSISTENT_WITH_TTL: 5,
  PERSISTENT_SEQUENTIAL_WITH_TTL: 6,
} as const;
export type CreateModeValue = (typeof CreateMode)[keyof typeof CreateMode];

export function modeKind(mode: CreateModeValue): NodeKind {
  switch (mode) {
    case 1: case 3: return 'ephemeral';
    case 4: return 'container';
    case 5: case 6: return 'ttl';
    default: return 'persistent';
  }
}

export function modeIsSequential(mode: CreateModeValue): boolean {
  return mode === 2 || mode === 3 || mode === 6;
}

export type Txn =
  /** secretHash: sha-256 of the session's secret, so any session actor can let its holder resume it */
  | { type: 'createSession'; sessionId: number; timeoutMs: number; secretHash: string }
  /** Deletes every ephemeral node of the session, in path order, then forgets the session. */
  | { type: 'closeSession'; sessionId: number }
  | {
      type: 'create';
      path: string;
      data: Uint8Array;
      kind: NodeKind;
      /** session id for ephemeral nodes, 0 otherwise */
      ephemeralOwner: number;
      /** 0 unless kind is 'ttl' */
      ttlMs: number;
      /** the parent's cversion after this create (parent's cversion + 1 at prepare time) */
      parentCVersion: number;
      /** the node's ACL, fixed up ('auth' expanded); absent in logs older than ACLs: world:anyone:cdrwa */
      acl?: Acl[];
    }
  | { type: 'delete'; path: string }
  /** version is the node's version after this write */
  | { type: 'setData'; path: string; data: Uint8Array; version: number }
  /** aversion is the node's ACL version after this write */
  | { type: 'setACL'; path: string; acl: Acl[]; aversion: number }
  /** only inside a multi: a version check that succeeded when prepared; applies nothing */
  | { type: 'check'; path: string; version: number }
  | { type: 'multi'; txns: Txn[] };

/** One entry of the replicated log. time is the leader's clock when it proposed (ctime/mtime). */
export interface LogEntry {
  zxid: Zxid;
  time: number;
  /** the session that asked for it; 0 for the leader's own housekeeping (expiry, container cleanup) */
  sessionId: number;
  txn: Txn;
}

/** What applying one transaction produced: the reply a client gets for a successful write. */
export type TxnResult =
  | { type: 'createSession'; sessionId: number; timeoutMs: number }
  | { type: 'closeSession'; deleted: string[] }
  | { type: 'create'; path: string; stat: Stat }
  | { type: 'delete'; path: string }
  | { type: 'setData'; path: string; stat: Stat }
  | { type: 'setACL'; path: string; stat: Stat }
  | { type: 'check'; path: string }
  | { type: 'multi'; results: TxnResult[] };

/** A failed multi reports, per operation: OK before the failing one, its code, RUNTIMEINCONSISTENCY after. */
export interface MultiErrorResult { type: 'error'; code: number }
