// follower-sync's shell: leader messages off NATS into the machine; each storage output is
// performed on LMDB and reported back only once it is durable.

import { DataTree } from '../../storage/data-tree.js';
import type { Store } from '../../storage/store.js';
import { NoRespondersError, type Bus, type Subscription } from '../../transport/bus.js';
import { decodeKeepingItems, encode } from '../../transport/codec.js';
import { LEADER_PROBE, parsePeerMessage, type LeaderMessage } from '../../transport/messages.js';
import type { Subjects } from '../../transport/subjects.js';
import type { LogEntry } from '../../storage/txn.js';
import type { Clock } from '../clock.js';
import { applyLog } from '../server/restore.js';
import { Follower, type FollowerInput, type FollowerOutput } from './machine.js';

export interface FollowerHost {
  readonly store: Store;
  tree: DataTree;
  log(message: string): void;
  /** The leader is gone or refused us. */
  lost(reason: string): void;
  /** count more transactions are committed here (snapshots are taken every N) */
  committed(count: number): void;
}

/**
 * How often per tick the leader's subject is probed while writes flow: a dead leader is found
 * within a quarter tick. An idle follower probes once a tick: every probe wakes the leader and
 * nats-server, and with no writes nobody is waiting on the leader. Idle, the probe rides on
 * the answer to the leader's ping where it can, so that a tick costs one message, not two.
 */
const PROBES_PER_TICK = 4;
/**
 * Idle, in ticks since the last probe: a message to the leader carries one after RIDE_AFTER,
 * and the follower sends one of its own only after PROBE_AFTER, late enough that the answer to
 * a ping the leader sends every tick goes first.
 */
const RIDE_AFTER = 0.75;
const PROBE_AFTER = 1.125;
/** Ticks without a proposal after which a follower counts the ensemble idle. */
const IDLE_AFTER_TICKS = 10;
const MAX_KEPT_FOR_APPLY = 100_000;

export class FollowerShell {
  private readonly machine: Follower;
  private readonly subs: Subscription[] = [];
  private cancelTick?: () => void;
  private stopped = false;
  private snapChunks: Uint8Array[] = [];
  private leaderGone = false;
  private lastProposalAt = -Infinity;
  /** When a message last went to the leader in a form NATS refuses once the leader's process is gone. */
  private lastProbeAt = -Infinity;
  /**
   * Entries this shell logged, durably, and has not applied yet, in log order: a commit applies
   * them from here rather than reading back and decoding what the proposal already gave us.
   * The log stays the authority: a truncation or a snapshot empties this, and whenever these do
   * not follow on from the tree, the commit is applied from the log.
   */
  private loggedUnapplied: LogEntry[] = [];
  /** The highest zxid whose append is durable and not yet told to the machine. */
  private durableThrough = 0;

  constructor(
    private readonly bus: Bus,
    private readonly subjects: Subjects,
    private readonly selfId: number,
    readonly leaderId: number,
    private readonly host: FollowerHost,
    syncLimitTicks: number,
    private readonly tickMs: number,
    private readonly clock: Clock,
  ) {
    this.machine = new Follower({ selfId, syncLimitTicks });
  }

  get epoch(): number { return this.machine.epoch; }
  get phase(): string { return this.machine.phase; }

  start(): void {
    const { store, tree } = this.host;
    this.subs.push(this.bus.subscribe(this.subjects.peerServer(this.selfId), (m) => this.onMessage(m.data)));
    let quarters = 0;
    this.cancelTick = this.clock.every(this.tickMs / PROBES_PER_TICK, () => {
      const tick = ++quarters % PROBES_PER_TICK === 0;
      // A follower that became one a moment before its leader started to lead says hello again
      // within a quarter tick, not a tick.
      this.feed({ kind: tick ? 'tick' : 'resend' });
      const due = this.busy() ? 0 : PROBE_AFTER * this.tickMs;
      if (this.probing && this.clock.now() - this.lastProbeAt >= due) this.probeLeader(LEADER_PROBE);
    });
    this.feed({
      kind: 'start', leader: this.leaderId, acceptedEpoch: store.acceptedEpoch, currentEpoch: store.currentEpoch,
      lastLoggedZxid: store.lastLoggedZxid(), lastCommittedZxid: tree.lastAppliedZxid,
    });
  }

  /**
   * A leader whose process died has no subscription left on NATS, and NATS says so at once
   * ("no responders") instead of leaving us to count syncLimit ticks of silence. The probe is
   * a request the leader never answers (an empty one, or a message of ours sent as a request);
   * only NATS's refusal counts, so a slow leader is never given up on this way.
   */
  private probeLeader(data: Uint8Array): void {
    this.lastProbeAt = this.clock.now();
    this.bus.request(this.subjects.peerServer(this.leaderId), data, this.tickMs / PROBES_PER_TICK).catch((err) => {
      if (!(err instanceof NoRespondersError) || this.stopped || this.leaderGone) return;
      this.leaderGone = true;
      this.host.lost(`leader ${this.leaderId} is gone: nothing on NATS serves its subject any more`);
    });
  }

  /** Only once the leader has spoken (NEWEPOCH): before that it may not have started leading yet. */
  private get probing(): boolean {
    return this.machine.phase === 'sync' || this.machine.phase === 'broadcast';
  }

  private busy(): boolean {
    return this.clock.now() - this.lastProposalAt < IDLE_AFTER_TICKS * this.tickMs;
  }

  private sendToLeader(data: Uint8Array): void {
    // As a request the message is also a probe: the leader ignores its reply subject.
    if (this.probing && !this.busy() && this.clock.now() - this.lastProbeAt >= RIDE_AFTER * this.tickMs) this.probeLeader(data);
    else this.bus.publish(this.subjects.peerServer(this.leaderId), data);
  }

  private onMessage(data: Uint8Array): void {
    let msg;
    try {
      // Proposals' and DIFFs' entries keep the bytes the leader encoded them in: they are logged as they came.
      msg = parsePeerMessage(decodeKeepingItems(data, 'entries'));
    } catch {
      return;
    }
    if (!('epoch' in msg) || 'from' in msg) return;
    const leaderMsg = msg as LeaderMessage;
    if (leaderMsg.type === 'proposal') this.lastProposalAt = this.clock.now();
    if (leaderMsg.type === 'snapChunk') {
      if (leaderMsg.index === 0) this.snapChunks = [];
      this.snapChunks[leaderMsg.index] = leaderMsg.chunk;
      if (leaderMsg.index + 1 < leaderMsg.total) return;
      const chunks = this.snapChunks;
      this.snapChunks = [];
      // A chunk was lost: join again, which starts the sync over.
      if (chunks.length !== leaderMsg.total || chunks.some((c) => !c)) return this.host.lost('a snapshot chunk from the leader was lost');
      return this.feed({ kind: 'message', msg: { type: 'snap', epoch: leaderMsg.epoch, zxid: leaderMsg.zxid, chunks } });
    }
    this.feed({ kind: 'message', msg: leaderMsg });
  }

  private feed(input: FollowerInput): void {
    if (this.stopped) return;
    this.perform(this.machine.step(input));
  }

  private perform(outputs: FollowerOutput[]): void {
    const { store } = this.host;
    for (const o of outputs) {
      switch (o.kind) {
        case 'send':
          this.sendToLeader(encode(o.msg));
          break;
        case 'persistAcceptedEpoch':
          this.durably(store.setAcceptedEpoch(o.epoch), { kind: 'acceptedEpochPersisted', epoch: o.epoch });
          break;
        case 'persistCurrentEpoch':
          this.durably(store.setCurrentEpoch(o.epoch), { kind: 'currentEpochPersisted', epoch: o.epoch });
          break;
        case 'truncate':
          this.host.log(`truncating the uncommitted log after 0x${o.zxid.toString(16)}`);
          this.durably(store.truncateLogAfter(o.zxid).then(() => { this.loggedUnapplied = []; }), { kind: 'truncated', zxid: o.zxid });
          break;
        case 'installSnapshot': {
          this.host.log(`installing the leader's snapshot at 0x${o.zxid.toString(16)} (${o.chunks.length} chunks)`);
          const tree = DataTree.fromChunks(o.chunks);
          this.durably(store.installSnapshot(o.zxid, o.chunks).then(() => { this.host.tree = tree; this.loggedUnapplied = []; }), { kind: 'snapshotInstalled', zxid: o.zxid });
          break;
        }
        case 'appendLog': {
          const last = o.entries[o.entries.length - 1]!.zxid;
          const entries = o.entries;
          store.appendLog(entries).then(() => {
            this.keepForApply(entries);
            this.noteDurable(last);
          }, (err: Error) => this.host.lost(`storage failed: ${err.message}`));
          break;
        }
        case 'applyCommitted':
          this.applyUpTo(o.zxid);
          break;
        case 'lookForLeader':
          this.host.lost(o.reason);
          break;
      }
    }
  }

  private durably(write: Promise<unknown>, then: FollowerInput): void {
    write.then(() => this.feed(then), (err: Error) => this.host.lost(`storage failed: ${err.message}`));
  }

  /**
   * Appends made durable by one LMDB commit resolve one after another: the machine hears of
   * them once, after the last, so the leader gets one ack per commit, not one per proposal.
   */
  private noteDurable(zxid: number): void {
    if (this.durableThrough === 0) {
      queueMicrotask(() => {
        const through = this.durableThrough;
        this.durableThrough = 0;
        this.feed({ kind: 'logged', zxid: through });
      });
    }
    this.durableThrough = Math.max(this.durableThrough, zxid);
  }

  private keepForApply(entries: LogEntry[]): void {
    // A follower that hears no commits for long falls back on its log rather than hoard these.
    if (this.loggedUnapplied.length > MAX_KEPT_FOR_APPLY) this.loggedUnapplied = [];
    else this.loggedUnapplied.push(...entries);
  }

  private applyUpTo(zxid: number): void {
    const { tree, store } = this.host;
    const kept = this.loggedUnapplied;
    let i = 0;
    while (i < kept.length && kept[i]!.zxid <= tree.lastAppliedZxid) i++;
    let applied = 0;
    const next = kept[i];
    // Only where the next logged entry after the tree is the first one kept.
    if (next && next.zxid <= zxid && store.hasEntry(next.zxid) && store.floorZxid(next.zxid - 1) <= tree.lastAppliedZxid) {
      for (; i < kept.length && kept[i]!.zxid <= zxid; i++, applied++) tree.apply(kept[i]!);
    }
    this.loggedUnapplied = i === 0 ? kept : kept.slice(i);
    applied += applyLog(store, tree, zxid);
    store.noteCommitted(tree.lastAppliedZxid);
    this.host.committed(applied);
  }

  stop(): void {
    this.stopped = true;
    this.cancelTick?.();
    for (const s of this.subs) s.unsubscribe();
  }
}
