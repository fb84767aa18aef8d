// How the leader brings one follower to its history: DIFF, TRUNC + DIFF, or SNAP.
// TRUNC goes only back to the last zxid both sides must share: the leader's last entry in
// the same epoch as the follower's last zxid (within an epoch both logs are prefixes of one
// leader's proposals). Across an epoch boundary the leader cannot vouch for, only SNAP is safe.

import { epochOf } from '../../storage/zxid.js';

export interface LeaderHistory {
  /** the leader's last zxid (its whole history, committed or about to be) */
  lastZxid: number;
  /** the oldest zxid after which the leader still holds every entry (its log start) */
  logStartZxid: number;
  /** whether zxid is an entry of the leader's history (within the log it holds) */
  has(zxid: number): boolean;
  /** the leader's last entry at or below zxid, within the log it holds; 0 if none */
  floor(zxid: number): number;
}

export type SyncPlan =
  | { kind: 'diff'; after: number }
  | { kind: 'trunc'; to: number }
  | { kind: 'snap' };

export function planSync(followerLastZxid: number, leader: LeaderHistory): SyncPlan {
  const z = followerLastZxid;
  if (z === leader.lastZxid) return { kind: 'diff', after: z };
  if (z < leader.logStartZxid) return { kind: 'snap' };
  if (z === leader.logStartZxid || leader.has(z)) return { kind: 'diff', after: z };
  const shared = leader.floor(z);
  if (shared >= leader.logStartZxid && shared > 0 && epochOf(shared) === epochOf(z)) return { kind: 'trunc', to: shared };
  return { kind: 'snap' };
}
