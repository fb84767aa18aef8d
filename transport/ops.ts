// The operations a client asks for. Validation of their wire form lives in messages.ts; these
// are the shapes after validation, shared by the session actor, the proposer and the client.

import type { CreateModeValue } from '../storage/txn.js';

export type CreateOp = { op: 'create'; path: string; data: Uint8Array; mode: CreateModeValue; ttlMs: number };
export type DeleteOp = { op: 'delete'; path: string; version: number };
export type SetDataOp = { op: 'setData'; path: string; data: Uint8Array; version: number };
export type CheckOp = { op: 'check'; path: string; version: number };
export type MultiSubOp = CreateOp | DeleteOp | SetDataOp | CheckOp;

/** Operations that change state: they go to the leader and become transactions. */
export type WriteOp =
  | MultiSubOp
  | { op: 'multi'; ops: MultiSubOp[] }
  | { op: 'createSession'; timeoutMs: number; secretHash: string }
  | { op: 'closeSession' };

/** Operations served from a session actor's replica; `watch` leaves a one-shot watch (sessions only). */
export type ReadOp =
  | { op: 'getData'; path: string; watch: boolean }
  | { op: 'exists'; path: string; watch: boolean }
  | { op: 'getChildren'; path: string; watch: boolean }
  | { op: 'sync'; path: string };

/** Operations on a session's own watches, which live on its session actor. */
export type WatchOp =
  | { op: 'addWatch'; path: string; mode: 'persistent' | 'persistentRecursive' }
  | { op: 'removeWatches'; path: string; type: 'data' | 'children' | 'any' | 'persistent' | 'persistentRecursive' };

export type ClientOp = WriteOp | ReadOp | WatchOp;

/** What a session actor forwards to the leader: writes, and sync barriers. */
export type LeaderOp = WriteOp | { op: 'sync'; path: string };

/** -1 in a version field means "any version", as in ZooKeeper. */
export const ANY_VERSION = -1;
