// The proposer on the serving leader (Zab broadcast): turns batches of client writes into
// transactions against the leader's view of the tree, assigns zxids, and commits strictly in
// zxid order once a quorum (the leader's own flushed log included) has acknowledged.
// Pure: inputs in, outputs out; the shell does the NATS and LMDB work.

import { SUPER, type Identity } from '../../storage/acl.js';
import { ZkError } from '../../storage/errors.js';
import type { DataTree } from '../../storage/data-tree.js';
import type { LogEntry, TxnResult } from '../../storage/txn.js';
import { makeZxid, MAX_COUNTER, counterOf, epochOf, type Zxid } from '../../storage/zxid.js';
import type { LeaderOp } from '../../transport/ops.js';
import { errorReply, type WriteOutcome } from '../../transport/messages.js';
import { PendingView } from './prepare.js';
import { reapable } from './reaper.js';
import { SessionTracker } from './session-tracker.js';

/** Where an answer goes; opaque to the machine. */
export type Target = unknown;

export interface ProposerWrite {
  sessionId: number;
  op: LeaderOp;
  target: Target;
  /** the identities the session holds, for ACL checks; absent: none (world only) */
  auth?: readonly Identity[];
}

/** The leader's own housekeeping (expiry, container and TTL removal) is not subject to ACLs, as in ZooKeeper. */
const HOUSEKEEPING: readonly Identity[] = [SUPER];

export type ProposerInput =
  | { kind: 'writes'; writes: ProposerWrite[]; now: number }
  /** The leader's own log is durable up to zxid. */
  | { kind: 'logged'; zxid: Zxid }
  /** A follower has logged (durably) everything up to zxid. */
  | { kind: 'ack'; from: number; zxid: Zxid }
  /** Session actors vouch that these sessions' clients are still there. */
  | { kind: 'touch'; sessionIds: number[]; now: number }
  /** Time passes: sessions past their timeout are expired. */
  | { kind: 'tick'; now: number };

export type ProposerOutput =
  /** Append durably to the leader's log, then feed { kind: 'logged' }. */
  | { kind: 'log'; entries: LogEntry[] }
  /** Send to the followers; prevZxid lets them detect a gap; the commit point rides along. */
  | { kind: 'propose'; prevZxid: Zxid; committedZxid: Zxid; entries: LogEntry[] }
  /**
   * Entries the tree has now applied, in order: publish them to replicas, record the commit
   * point. drained: nothing proposed is left uncommitted, so no later proposal or commit would
   * carry this commit point to the followers soon: it must go on its own.
   */
  | { kind: 'commit'; prevZxid: Zxid; entries: LogEntry[]; drained: boolean }
  | { kind: 'answer'; target: Target; outcome: WriteOutcome }
  /** The 32-bit zxid counter is about to roll over: a new epoch is needed. */
  | { kind: 'stepDown'; reason: string };

export interface ProposerConfig {
  selfId: number;
  voters: readonly number[];
  epoch: number;
  maxDataBytes: number;
  /** When this leader started serving: every session's timeout restarts from here. */
  now: number;
  /** How often empty containers and expired TTL nodes are looked for (ms). */
  reapEveryMs?: number;
}

/** At most this many container/TTL removals per check, as ZooKeeper's maxPerMinute bounds them. */
const REAP_LIMIT = 10_000;

interface Inflight {
  entry: LogEntry;
  target: Target;
}

/** An answer that may only be given once everything proposed before it has committed. */
interface Barrier {
  zxid: Zxid;
  target: Target;
  outcome: WriteOutcome;
}

export class Proposer {
  private readonly view: PendingView;
  private readonly quorum: number;
  private lastProposed: Zxid;
  private lastCommitted: Zxid;
  private readonly inflight: Inflight[] = [];
  private readonly barriers: Barrier[] = [];
  /** Highest zxid each voter (the leader included) has durably logged. */
  private readonly acked = new Map<number, Zxid>();
  private readonly sessions = new SessionTracker();
  private steppingDown = false;
  private nextReap: number;

  constructor(private readonly config: ProposerConfig, private readonly tree: DataTree) {
    this.view = new PendingView(tree, config.maxDataBytes);
    this.quorum = Math.floor(config.voters.length / 2) + 1;
    this.lastProposed = tree.lastAppliedZxid;
    this.lastCommitted = tree.lastAppliedZxid;
    if (epochOf(this.lastProposed) > config.epoch) throw new Error('proposer epoch is behind the tree');
    for (const id of config.voters) this.acked.set(id, this.lastCommitted);
    this.sessions.reset(tree.sessions, config.now);
    this.nextReap = config.now + (config.reapEveryMs ?? 10_000);
  }

  get lastProposedZxid(): Zxid { return this.lastProposed; }
  get lastCommittedZxid(): Zxid { return this.lastCommitted; }
  get outstanding(): number { return this.inflight.length; }
  ackedZxids(): ReadonlyMap<number, Zxid> { return this.acked; }

  step(input: ProposerInput): ProposerOutput[] {
    switch (input.kind) {
      case 'writes': return this.onWrites(input.writes, input.now);
      case 'logged': return this.onAck(this.config.selfId, input.zxid);
      case 'ack': return this.onAck(input.from, input.zxid);
      case 'touch':
        for (const id of input.sessionIds) this.sessions.touch(id, input.now);
        return [];
      case 'tick': {
        // The leader's own writes: session expiries, then due container and TTL removals.
        const own: ProposerWrite[] = this.sessions.takeExpired(input.now).map((sessionId) => ({ sessionId, op: { op: 'closeSession' }, target: undefined, auth: HOUSEKEEPING }));
        if (input.now >= this.nextReap) {
          this.nextReap = input.now + (this.config.reapEveryMs ?? 10_000);
          for (const op of reapable(this.tree, input.now, REAP_LIMIT)) own.push({ sessionId: 0, op, target: undefined, auth: HOUSEKEEPING });
        }
        return own.length > 0 ? this.onWrites(own, input.now) : [];
      }
    }
  }

  private onWrites(writes: ProposerWrite[], now: number): ProposerOutput[] {
    const out: ProposerOutput[] = [];
    const entries: LogEntry[] = [];
    const prevZxid = this.lastProposed;
    for (const w of writes) {
      this.sessions.touch(w.sessionId, now);
      if (w.op.op === 'sync' || this.steppingDown) {
        const outcome: WriteOutcome = this.steppingDown
          ? errorReply(new ZkError('CONNECTIONLOSS', 'leader is stepping down; retry'))
          : { zxid: this.lastProposed, result: { type: 'sync' } };
        this.barriers.push({ zxid: this.lastProposed, target: w.target, outcome });
        continue;
      }
      const sameEpoch = epochOf(this.lastProposed) === this.config.epoch;
      if (sameEpoch && counterOf(this.lastProposed) >= MAX_COUNTER - 1) {
        this.steppingDown = true;
        out.push({ kind: 'stepDown', reason: 'zxid counter exhausted; a new epoch is needed' });
        this.barriers.push({ zxid: this.lastProposed, target: w.target, outcome: errorReply(new ZkError('CONNECTIONLOSS', 'leader is changing epoch; retry')) });
        continue;
      }
      const zxid = sameEpoch ? this.lastProposed + 1 : makeZxid(this.config.epoch, 1);
      const prepared = this.view.prepare(w.op, { zxid, time: now, sessionId: w.sessionId, identities: w.auth ?? [] });
      if ('error' in prepared) {
        // Answered only once what it was checked against has committed: an error that
        // depended on a write lost with this leader must never reach a client.
        this.barriers.push({ zxid: this.lastProposed, target: w.target, outcome: errorReply(prepared.error) });
        continue;
      }
      const entry: LogEntry = { zxid, time: now, sessionId: w.sessionId, txn: prepared.txn };
      this.lastProposed = zxid;
      entries.push(entry);
      this.inflight.push({ entry, target: w.target });
    }
    if (entries.length > 0) {
      // Proposals first: the followers' log writes run while the leader's own does.
      if (this.config.voters.length > 1) out.push({ kind: 'propose', prevZxid, committedZxid: this.lastCommitted, entries });
      out.push({ kind: 'log', entries });
    }
    this.releaseBarriers(out);
    return out;
  }

  private onAck(from: number, zxid: Zxid): ProposerOutput[] {
    if (!this.acked.has(from)) return [];
    if (zxid > (this.acked.get(from) ?? 0)) this.acked.set(from, Math.min(zxid, this.lastProposed));
    const out: ProposerOutput[] = [];
    const target = this.quorumZxid();
    if (target > this.lastCommitted) {
      const prevZxid = this.lastCommitted;
      const committed: LogEntry[] = [];
      while (this.inflight.length > 0 && this.inflight[0]!.entry.zxid <= target) {
        const { entry, target: to } = this.inflight.shift()!;
        const result = this.apply(entry);
        committed.push(entry);
        out.push({ kind: 'answer', target: to, outcome: result });
      }
      this.lastCommitted = target;
      this.view.committed(target);
      // The commit goes out before the answers, so a replica can apply before its client hears.
      out.unshift({ kind: 'commit', prevZxid, entries: committed, drained: this.inflight.length === 0 });
    }
    this.releaseBarriers(out);
    return out;
  }

  private apply(entry: LogEntry): WriteOutcome {
    let result: TxnResult;
    try {
      result = this.tree.apply(entry);
      if (entry.txn.type === 'createSession') this.sessions.add(entry.txn.sessionId, entry.txn.timeoutMs, entry.time);
      if (entry.txn.type === 'closeSession') this.sessions.remove(entry.txn.sessionId);
    } catch (err) {
      // A prepared transaction that fails to apply means the view and the tree disagree.
      return errorReply(err);
    }
    return { zxid: entry.zxid, result };
  }

  /** The highest zxid a quorum has durably logged. */
  private quorumZxid(): Zxid {
    const sorted = [...this.acked.values()].sort((a, b) => b - a);
    return sorted[this.quorum - 1] ?? 0;
  }

  private releaseBarriers(out: ProposerOutput[]): void {
    while (this.barriers.length > 0 && this.barriers[0]!.zxid <= this.lastCommitted) {
      const b = this.barriers.shift()!;
      out.push({ kind: 'answer', target: b.target, outcome: b.outcome });
    }
  }

  /** Proposed entries after zxid not yet committed, for a follower joining mid-broadcast. */
  inflightAfter(zxid: Zxid): LogEntry[] {
    return this.inflight.filter((i) => i.entry.zxid > zxid).map((i) => i.entry);
  }

  /**
   * Everything not yet answered, for when leadership ends: the clients must hear CONNECTIONLOSS.
   * The leader's own expiries have nobody waiting.
   */
  abandon(): Target[] {
    const targets = [...this.inflight.map((i) => i.target), ...this.barriers.map((b) => b.target)].filter((t) => t !== undefined);
    this.inflight.length = 0;
    this.barriers.length = 0;
    this.view.clear();
    return targets;
  }
}
