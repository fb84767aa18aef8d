// follower-sync as a pure state machine: joins the prospective leader (FOLLOWERINFO,
// ACKEPOCH), takes its DIFF/TRUNC/SNAP, acknowledges NEWLEADER only once the synced history
// is on disk and currentEpoch is persisted after it, then logs, flushes and acknowledges
// proposals in log order and applies commits in order. The shell performs each storage
// output and reports back when it is durable; nothing is acknowledged before that.

import type { LogEntry } from '../../storage/txn.js';
import type { FollowerMessage, LeaderMessage } from '../../transport/messages.js';

export type FollowerInput =
  | { kind: 'start'; leader: number; acceptedEpoch: number; currentEpoch: number; lastLoggedZxid: number; lastCommittedZxid: number }
  | { kind: 'message'; msg: LeaderMessage }
  | { kind: 'acceptedEpochPersisted'; epoch: number }
  | { kind: 'currentEpochPersisted'; epoch: number }
  | { kind: 'truncated'; zxid: number }
  | { kind: 'snapshotInstalled'; zxid: number }
  /** the log is durable up to zxid */
  | { kind: 'logged'; zxid: number }
  /** a tick of the leader's silence */
  | { kind: 'tick' }
  /** between ticks: say again what the leader may not have heard (it was not listening yet) */
  | { kind: 'resend' };

export type FollowerOutput =
  | { kind: 'send'; msg: FollowerMessage }
  | { kind: 'persistAcceptedEpoch'; epoch: number }
  | { kind: 'persistCurrentEpoch'; epoch: number }
  | { kind: 'truncate'; zxid: number }
  | { kind: 'installSnapshot'; zxid: number; chunks: Uint8Array[] }
  | { kind: 'appendLog'; entries: LogEntry[] }
  /** apply committed entries to the tree, in order, up to zxid */
  | { kind: 'applyCommitted'; zxid: number }
  /** the leader is gone or refused us: back to election */
  | { kind: 'lookForLeader'; reason: string };

type Phase = 'idle' | 'discovery' | 'sync' | 'broadcast' | 'stopped';

export interface FollowerConfig {
  selfId: number;
  /** ticks without a word from the leader before it is given up (syncLimit) */
  syncLimitTicks: number;
}

export class Follower {
  phase: Phase = 'idle';
  leader = 0;
  epoch = 0;
  private acceptedEpoch = 0;
  private currentEpoch = 0;
  /** last zxid handed to the log (queued, maybe not yet durable) */
  private lastQueued = 0;
  /** last zxid durable in the log */
  private lastDurable = 0;
  /** highest zxid the leader said is committed */
  private leaderCommitted = 0;
  private lastApplied = 0;
  /** NEWLEADER received and waiting for the synced history to be durable */
  private newLeaderZxid?: number;
  private newLeaderAcked = false;
  /** a storage step (truncate, snapshot) is in progress: everything after it waits */
  private blocked = false;
  private readonly waiting: LeaderMessage[] = [];
  private silentTicks = 0;
  /** the leader has begun to stream our sync: ACKEPOCH arrived */
  private syncStarted = false;

  constructor(private readonly config: FollowerConfig) {}

  step(input: FollowerInput): FollowerOutput[] {
    if (this.phase === 'stopped' && input.kind !== 'start') return [];
    switch (input.kind) {
      case 'start': return this.start(input);
      case 'message': return this.onMessage(input.msg);
      case 'acceptedEpochPersisted': return this.onAcceptedEpochPersisted(input.epoch);
      case 'currentEpochPersisted': return this.onCurrentEpochPersisted(input.epoch);
      case 'truncated':
        this.lastQueued = this.lastDurable = input.zxid;
        return this.unblock();
      case 'snapshotInstalled':
        this.lastQueued = this.lastDurable = this.lastApplied = input.zxid;
        return this.unblock();
      case 'logged': return this.onLogged(input.zxid);
      case 'tick': return this.onTick();
      case 'resend': return this.resend();
    }
  }

  private start(s: Extract<FollowerInput, { kind: 'start' }>): FollowerOutput[] {
    Object.assign(this, {
      phase: 'discovery', leader: s.leader, epoch: 0, acceptedEpoch: s.acceptedEpoch, currentEpoch: s.currentEpoch,
      lastQueued: s.lastLoggedZxid, lastDurable: s.lastLoggedZxid, leaderCommitted: s.lastCommittedZxid, lastApplied: s.lastCommittedZxid,
      newLeaderZxid: undefined, newLeaderAcked: false, blocked: false, silentTicks: 0, syncStarted: false,
    });
    this.waiting.length = 0;
    return [this.send({ type: 'followerInfo', from: this.config.selfId, acceptedEpoch: s.acceptedEpoch, lastZxid: s.lastLoggedZxid })];
  }

  private send(msg: FollowerMessage): FollowerOutput {
    return { kind: 'send', msg };
  }

  private giveUp(reason: string): FollowerOutput[] {
    this.phase = 'stopped';
    return [{ kind: 'lookForLeader', reason }];
  }

  private onMessage(msg: LeaderMessage): FollowerOutput[] {
    if (msg.type === 'newEpoch') {
      if (this.phase !== 'discovery') return [];
      this.silentTicks = 0;
      // Zab: never accept an epoch below one already accepted.
      if (msg.epoch < this.acceptedEpoch) return this.giveUp(`leader proposed epoch ${msg.epoch} below accepted ${this.acceptedEpoch}`);
      this.epoch = msg.epoch;
      if (msg.epoch === this.acceptedEpoch) return this.onAcceptedEpochPersisted(msg.epoch);
      return [{ kind: 'persistAcceptedEpoch', epoch: msg.epoch }];
    }
    // Only our leader's word keeps it alive here: a deposed leader may still be talking to us.
    if (msg.epoch !== this.epoch || this.phase === 'discovery' || this.phase === 'idle') return [];
    this.silentTicks = 0;
    // Storage steps complete in order: what comes behind a truncate or snapshot waits for it.
    if (this.blocked) {
      this.waiting.push(msg);
      return [];
    }
    return this.handle(msg);
  }

  private handle(msg: LeaderMessage): FollowerOutput[] {
    this.syncStarted = true;
    switch (msg.type) {
      case 'trunc':
        if (this.staleSync(msg.zxid)) return [];
        if (msg.zxid < this.lastApplied) return this.giveUp(`leader asked to truncate below applied 0x${this.lastApplied.toString(16)}`);
        this.blocked = true;
        return [{ kind: 'truncate', zxid: msg.zxid }];
      case 'snap':
        if (this.staleSync(msg.zxid)) return [];
        this.blocked = true;
        return [{ kind: 'installSnapshot', zxid: msg.zxid, chunks: msg.chunks }];
      case 'diff':
      case 'proposal': {
        // What does not extend what we hold is a gap: never log with a hole.
        if (msg.prevZxid > this.lastQueued) return [this.resync()];
        const fresh = msg.entries.filter((e) => e.zxid > this.lastQueued);
        // The new entries must follow on from the last one logged here: in the leader's history
        // the entry before them is the last this message repeats, or its prevZxid. Anything
        // else means this log holds entries the leader's history lacks (a TRUNC was lost):
        // logging after them would keep them (ZOOKEEPER-1154), so ask to be synced again.
        const repeated = msg.entries.filter((e) => e.zxid <= this.lastQueued);
        const before = repeated.length > 0 ? repeated[repeated.length - 1]!.zxid : msg.prevZxid;
        if (fresh.length > 0 && before !== this.lastQueued) return [this.resync()];
        const out: FollowerOutput[] = [];
        if (fresh.length > 0) {
          this.lastQueued = fresh[fresh.length - 1]!.zxid;
          out.push({ kind: 'appendLog', entries: fresh });
        }
        return msg.type === 'proposal' ? [...out, ...this.advanceCommit(msg.committedZxid)] : out;
      }
      case 'newLeader':
        this.newLeaderZxid = msg.zxid;
        return this.maybeAckNewLeader();
      case 'upToDate':
        this.phase = 'broadcast';
        return this.advanceCommit(this.newLeaderZxid ?? this.lastDurable);
      case 'commit':
        return this.advanceCommit(msg.zxid);
      case 'ping': {
        const out: FollowerOutput[] = [this.send({ type: 'ack', from: this.config.selfId, epoch: this.epoch, zxid: this.lastDurable })];
        // The last proposals were lost and nothing after them revealed the gap, or NEWLEADER
        // itself was lost: ask again.
        if ((this.newLeaderAcked && msg.lastZxid > this.lastQueued) || this.newLeaderZxid === undefined) out.push(this.resync());
        return [...out, ...this.advanceCommit(msg.committedZxid)];
      }
      case 'leaving':
        return this.giveUp(`leader ${this.leader} is stepping down`);
      default:
        return [];
    }
  }

  private resync(): FollowerOutput {
    return this.send({ type: 'resync', from: this.config.selfId, epoch: this.epoch, lastZxid: this.lastDurable });
  }

  /**
   * Once NEWLEADER is acknowledged, this log is a prefix of the leader's history, which only
   * grows within its epoch: a TRUNC or SNAP that would take the log back below what is logged
   * here answers a resync request that an earlier sync already served (NATS delivered an old
   * one late, or twice). Obeying it would drop entries this follower acknowledged.
   */
  private staleSync(zxid: number): boolean {
    return this.newLeaderAcked && zxid < this.lastQueued;
  }

  private onAcceptedEpochPersisted(epoch: number): FollowerOutput[] {
    if (this.phase !== 'discovery' || epoch !== this.epoch) return [];
    this.acceptedEpoch = epoch;
    this.phase = 'sync';
    return [this.send({ type: 'ackEpoch', from: this.config.selfId, epoch, currentEpoch: this.currentEpoch, lastZxid: this.lastDurable })];
  }

  /** NEWLEADER is acknowledged only once the synced history is durable and currentEpoch follows it. */
  private maybeAckNewLeader(): FollowerOutput[] {
    if (this.newLeaderZxid === undefined || this.newLeaderAcked || this.lastDurable < this.newLeaderZxid || this.blocked) return [];
    if (this.currentEpoch === this.epoch) return this.onCurrentEpochPersisted(this.epoch);
    this.blocked = true;
    return [{ kind: 'persistCurrentEpoch', epoch: this.epoch }];
  }

  private onCurrentEpochPersisted(epoch: number): FollowerOutput[] {
    if (epoch !== this.epoch) return [];
    this.currentEpoch = epoch;
    this.newLeaderAcked = true;
    const out: FollowerOutput[] = [this.send({ type: 'ackNewLeader', from: this.config.selfId, epoch })];
    // Proposals logged after NEWLEADER are acknowledged behind it, in log order.
    if (this.lastDurable > (this.newLeaderZxid ?? 0)) out.push(this.send({ type: 'ack', from: this.config.selfId, epoch, zxid: this.lastDurable }));
    return [...out, ...this.unblock()];
  }

  private onLogged(zxid: number): FollowerOutput[] {
    if (zxid <= this.lastDurable) return [];
    this.lastDurable = zxid;
    const out: FollowerOutput[] = [];
    if (this.newLeaderAcked) out.push(this.send({ type: 'ack', from: this.config.selfId, epoch: this.epoch, zxid }));
    return [...out, ...this.maybeAckNewLeader(), ...this.advanceCommit(this.leaderCommitted)];
  }

  /** Applies what the leader committed and this follower holds durably, in order. */
  private advanceCommit(committed: number): FollowerOutput[] {
    if (committed > this.leaderCommitted) this.leaderCommitted = committed;
    // Before NEWLEADER is acknowledged, the synced history is not yet known committed.
    if (!this.newLeaderAcked) return [];
    const upTo = Math.min(this.leaderCommitted, this.lastDurable);
    if (upTo <= this.lastApplied) return [];
    this.lastApplied = upTo;
    return [{ kind: 'applyCommitted', zxid: upTo }];
  }

  private unblock(): FollowerOutput[] {
    this.blocked = false;
    const out: FollowerOutput[] = [];
    while (this.waiting.length > 0 && !this.blocked) out.push(...this.handle(this.waiting.shift()!));
    return [...out, ...this.maybeAckNewLeader()];
  }

  private onTick(): FollowerOutput[] {
    if (this.phase === 'idle' || this.phase === 'stopped') return [];
    if (++this.silentTicks > this.config.syncLimitTicks) return this.giveUp(`no word from leader ${this.leader} within ${this.config.syncLimitTicks} ticks`);
    return this.resend();
  }

  private resend(): FollowerOutput[] {
    // NATS may have dropped our hello (or the leader was not listening yet): say it again.
    if (this.phase === 'discovery') {
      return [this.send({ type: 'followerInfo', from: this.config.selfId, acceptedEpoch: this.acceptedEpoch, lastZxid: this.lastDurable })];
    }
    if (this.phase === 'sync' && !this.syncStarted) {
      return [this.send({ type: 'ackEpoch', from: this.config.selfId, epoch: this.epoch, currentEpoch: this.currentEpoch, lastZxid: this.lastDurable })];
    }
    return [];
  }
}
