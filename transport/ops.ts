// The operations a client asks for. Validation of their wire form lives in messages.ts; these
// are the shapes after validation, shared by the session actor, the proposer and the client.

import type { Acl } from '../storage/acl.js';
import type { CreateModeValue } from '../storage/txn.js';

/** acl: as the client gave it (the leader fixes it up); absent: world:anyone:cdrwa, as ZooKeeper's clients default */
export type CreateOp = { op: 'create'; path: string; data: Uint8Array; mode: CreateModeValue; ttlMs: number; acl?: Acl[] };
export type DeleteOp = { op: 'delete'; path: string; version: number };
export type SetDataOp = { op: 'setData'; path: string; data: Uint8Array; version: number };
export type CheckOp = { op: 'check'; path: string; version: number };
export type MultiSubOp = CreateOp | DeleteOp | SetDataOp | CheckOp;

/** Operations that change state: they go to the leader and become transactions. */
/** version is checked against the node's aversion; not allowed in a multi, as in ZooKeeper */
export type SetAclOp = { op: 'setACL'; path: string; acl: Acl[]; version: number };

export type WriteOp =
  | MultiSubOp
  | SetAclOp
  | { op: 'multi'; ops: MultiSubOp[] }
  | { op: 'createSession'; timeoutMs: number; secretHash: string }
  | { op: 'closeSession' };

/** Operations served from a session actor's replica; `watch` leaves a one-shot watch (sessions only). */
export type ReadOp =
  | { op: 'getData'; path: string; watch: boolean }
  | { op: 'exists'; path: string; watch: boolean }
  | { op: 'getChildren'; path: string; watch: boolean }
  | { op: 'getAllChildrenNumber'; path: string }
  | { op: 'getACL'; path: string }
  | { op: 'getEphemerals'; prefix: string }
  | { op: 'multiRead'; ops: MultiReadSubOp[] }
  | { op: 'sync'; path: string };

/** multiRead: reads taken from one state of the tree, each failing alone (ZooKeeper's multiRead). */
export type MultiReadSubOp = { op: 'getData'; path: string } | { op: 'getChildren'; path: string };

/**
 * Watches as ZooKeeper has them: one-shot data, exists (on an absent node) and child
 * watches, and persistent ones (recursive: the whole subtree, without child events).
 */
export type WatchKind = 'data' | 'exist' | 'child' | 'persistent' | 'persistentRecursive';
export const WATCH_KINDS: readonly WatchKind[] = ['data', 'exist', 'child', 'persistent', 'persistentRecursive'];
/** A session's watches by kind, as a client re-registers them on another actor. */
export type WatchSet = Partial<Record<WatchKind, string[]>>;
/** What removeWatches names: ZooKeeper's WatcherType. */
export type RemovableWatch = 'data' | 'children' | 'any' | 'persistent' | 'persistentRecursive';
export type WatchEventType = 'NodeCreated' | 'NodeDeleted' | 'NodeDataChanged' | 'NodeChildrenChanged';
export interface WatchEvent { type: WatchEventType; path: string; zxid: number }

/** The kinds of watch a removeWatches of this type removes. */
export function kindsRemovedBy(type: RemovableWatch): readonly WatchKind[] {
  return type === 'data' ? ['data', 'exist'] : type === 'children' ? ['child'] : type === 'any' ? WATCH_KINDS : [type];
}

/** Operations on a session's own watches, which live on its session actor. */
export type WatchOp =
  | { op: 'addWatch'; path: string; mode: 'persistent' | 'persistentRecursive' }
  | { op: 'removeWatches'; path: string; type: RemovableWatch };

export type ClientOp = WriteOp | ReadOp | WatchOp;

/** A session authenticates (ZooKeeper's addAuth): the identities it gains belong to its connection to its actor. */
export type AddAuthOp = { op: 'addAuth'; scheme: string; auth: string };

const LOCAL_OPS = new Set<string>(['getData', 'exists', 'getChildren', 'getAllChildrenNumber', 'getACL', 'getEphemerals', 'multiRead', 'addWatch', 'removeWatches']);

/** Reads and watch changes: a session actor answers them from its replica, never asking the leader. */
export function isSessionActorOp(op: { op: string }): op is Exclude<ReadOp, { op: 'sync' }> | WatchOp {
  return LOCAL_OPS.has(op.op);
}

/** What a session actor forwards to the leader: writes, and sync barriers. */
export type LeaderOp = WriteOp | { op: 'sync'; path: string };

/** -1 in a version field means "any version", as in ZooKeeper. */
export const ANY_VERSION = -1;
