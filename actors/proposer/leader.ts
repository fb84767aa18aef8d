// The leader's shell: discovery and synchronization of followers (Discovery machine plus
// the DIFF/TRUNC/SNAP stream), then broadcast (Proposer machine and its shell), with pings
// that carry the commit point and a step-down when a quorum falls silent.

import type { DataTree } from '../../storage/data-tree.js';
import type { Store } from '../../storage/store.js';
import type { LogEntry } from '../../storage/txn.js';
import type { Bus, Subscription } from '../../transport/bus.js';
import { decode, encode, encodeWithItems } from '../../transport/codec.js';
import { encodeEntry } from '../../transport/log-entry.js';
import { isLeaderProbe, parsePeerMessage, type FollowerMessage, type LeaderMessage } from '../../transport/messages.js';
import type { Subjects } from '../../transport/subjects.js';
import type { Clock } from '../clock.js';
import { chunkEntries } from '../server/chunking.js';
import { applyLog } from '../server/restore.js';
import { Discovery, type DiscoveryInput, type DiscoveryOutput } from './discovery.js';
import { Proposer } from './machine.js';
import { ProposerShell } from './shell.js';
import { planSync, type LeaderHistory } from './sync-plan.js';

export interface LeaderHost {
  readonly store: Store;
  readonly tree: DataTree;
  log(message: string): void;
  /** Leadership ended (a quorum went silent, or discovery failed). */
  lost(reason: string): void;
  /** count more transactions are committed here (snapshots are taken every N) */
  committed(count: number): void;
  /** A proposal reached a quorum's logs this long after it was sent (ZooKeeper's quorum_ack_latency). */
  quorumAcked(seconds: number): void;
}

export interface LeaderOptions {
  selfId: number;
  voters: readonly number[];
  peerTickMs: number;
  syncLimitTicks: number;
  initLimitTicks: number;
  maxDataBytes: number;
  /** how often empty containers and expired TTL nodes are removed (ms) */
  reapEveryMs?: number;
}

const DIFF_PAGE = 5000;

export class LeaderShell {
  private readonly discovery: Discovery;
  private machine?: Proposer;
  private proposer?: ProposerShell;
  /** Followers that receive the broadcast: synced, or being synced while it runs. */
  private readonly forwarding = new Set<number>();
  private readonly lastHeard = new Map<number, number>();
  private readonly subs: Subscription[] = [];
  private cancelTick?: () => void;
  private stopped = false;
  /** Proposals sent and not yet committed: the last zxid of each, and when it went out. */
  private proposedAt: { zxid: number; at: number }[] = [];

  constructor(
    private readonly bus: Bus,
    private readonly subjects: Subjects,
    private readonly opts: LeaderOptions,
    private readonly host: LeaderHost,
    private readonly clock: Clock,
  ) {
    const { store } = host;
    this.discovery = new Discovery({
      selfId: opts.selfId, voters: opts.voters, acceptedEpoch: store.acceptedEpoch, currentEpoch: store.currentEpoch,
      lastZxid: store.lastLoggedZxid(), initLimitTicks: opts.initLimitTicks,
    });
  }

  get epoch(): number { return this.discovery.epoch; }
  get serving(): boolean { return this.machine !== undefined; }
  ackedZxids(): ReadonlyMap<number, number> | undefined { return this.machine?.ackedZxids(); }

  start(): void {
    this.subs.push(this.bus.subscribe(this.subjects.peerServer(this.opts.selfId), (m) => this.onMessage(m.data)));
    this.cancelTick = this.clock.every(this.opts.peerTickMs, () => this.tick());
    this.perform(this.discovery.start());
  }

  private onMessage(data: Uint8Array): void {
    if (isLeaderProbe(data)) return;
    let msg;
    try {
      msg = parsePeerMessage(decode(data));
    } catch {
      return;
    }
    if (!('from' in msg) || msg.type === 'vote') return;
    const m = msg as FollowerMessage;
    this.lastHeard.set(m.from, this.clock.now());
    switch (m.type) {
      case 'followerInfo':
        this.forwarding.delete(m.from);
        return this.feed({ kind: 'followerInfo', from: m.from, acceptedEpoch: m.acceptedEpoch, lastZxid: m.lastZxid });
      case 'ackEpoch':
        return this.feed({ kind: 'ackEpoch', from: m.from, epoch: m.epoch, currentEpoch: m.currentEpoch, lastZxid: m.lastZxid });
      case 'ackNewLeader':
        return this.feed({ kind: 'ackNewLeader', from: m.from, epoch: m.epoch });
      case 'ack':
        if (m.epoch === this.epoch) this.proposer?.feed({ kind: 'ack', from: m.from, zxid: m.zxid });
        return;
      case 'resync':
        if (m.epoch === this.epoch && this.forwarding.has(m.from)) this.streamSync(m.from, m.lastZxid);
        return;
    }
  }

  private feed(input: DiscoveryInput): void {
    if (this.stopped) return;
    this.perform(this.discovery.step(input));
  }

  private perform(outputs: DiscoveryOutput[]): void {
    const { store } = this.host;
    for (const o of outputs) {
      switch (o.kind) {
        case 'persistAcceptedEpoch':
          this.durably(store.setAcceptedEpoch(o.epoch), { kind: 'acceptedEpochPersisted', epoch: o.epoch });
          break;
        case 'persistCurrentEpoch':
          this.durably(store.setCurrentEpoch(o.epoch), { kind: 'currentEpochPersisted', epoch: o.epoch });
          break;
        case 'send':
          this.send(o.to, o.msg);
          break;
        case 'sync':
          this.streamSync(o.to, o.followerLastZxid);
          break;
        case 'established':
          this.serve(o.epoch, o.followers);
          break;
        case 'joined':
          this.send(o.follower, { type: 'upToDate', epoch: this.epoch });
          break;
        case 'giveUp':
          this.host.lost(o.reason);
          break;
      }
    }
  }

  private durably(write: Promise<unknown>, then: DiscoveryInput): void {
    write.then(() => this.feed(then), (err: Error) => this.host.lost(`storage failed: ${err.message}`));
  }

  private send(to: number, msg: LeaderMessage): void {
    this.bus.publish(this.subjects.peerServer(to), encode(msg));
  }

  /** The leader's history as the sync plan sees it: its log, plus proposals still in flight. */
  private history(): LeaderHistory {
    const { store } = this.host;
    const inflight = this.machine?.inflightAfter(store.lastLoggedZxid()) ?? [];
    const last = inflight.length ? inflight[inflight.length - 1]!.zxid : store.lastLoggedZxid();
    return {
      lastZxid: last,
      logStartZxid: store.logStartZxid(),
      has: (z) => store.hasEntry(z) || inflight.some((e) => e.zxid === z),
      floor: (z) => Math.max(store.floorZxid(z), ...inflight.filter((e) => e.zxid <= z).map((e) => e.zxid)),
    };
  }

  /**
   * Brings one follower to the leader's history, ending with NEWLEADER (a follower that
   * already acknowledged it ignores a repeat); from then on it gets the broadcast too.
   */
  private streamSync(to: number, followerLastZxid: number): void {
    const { store } = this.host;
    const history = this.history();
    const plan = planSync(followerLastZxid, history);
    const epoch = this.epoch;
    let after = followerLastZxid;
    if (plan.kind === 'trunc') {
      this.send(to, { type: 'trunc', epoch, zxid: plan.to });
      after = plan.to;
    } else if (plan.kind === 'snap') {
      const snap = store.latestSnapshot();
      if (!snap) return this.host.log(`cannot sync server ${to}: no snapshot to send`);
      let index = 0;
      for (const chunk of store.readSnapshotChunks(snap.zxid)) {
        this.send(to, { type: 'snapChunk', epoch, zxid: snap.zxid, index: index++, total: snap.chunks, chunk });
      }
      after = snap.zxid;
    }
    let sent = 0;
    for (;;) {
      const page = store.readLog(after, history.lastZxid, DIFF_PAGE);
      if (page.length === 0) break;
      after = this.sendDiff(to, after, page);
      sent += page.length;
    }
    const inflight = this.machine?.inflightAfter(after) ?? [];
    this.sendDiff(to, after, inflight);
    sent += inflight.length;
    this.send(to, { type: 'newLeader', epoch, zxid: history.lastZxid });
    this.host.log(`sync of server ${to} from 0x${followerLastZxid.toString(16)}: ${plan.kind}, ${sent} entries`);
    // From here on it gets the broadcast too, in order behind its sync stream.
    this.forwarding.add(to);
  }

  /** Sends entries in parts that fit NATS, each naming the zxid before it; returns the last zxid. */
  private sendDiff(to: number, prevZxid: number, entries: LogEntry[]): number {
    for (const part of chunkEntries(entries, this.bus.maxPayload)) {
      const diff = encodeWithItems({ type: 'diff', epoch: this.epoch, prevZxid } satisfies Omit<Extract<LeaderMessage, { type: 'diff' }>, 'entries'>, 'entries', part.map(encodeEntry));
      this.bus.publish(this.subjects.peerServer(to), diff);
      prevZxid = part[part.length - 1]!.zxid;
    }
    return prevZxid;
  }

  /** Established: the leader's whole log is committed history; broadcast begins. */
  private serve(epoch: number, followers: number[]): void {
    const { store, tree } = this.host;
    this.host.committed(applyLog(store, tree, Number.MAX_SAFE_INTEGER));
    store.noteCommitted(tree.lastAppliedZxid);
    this.machine = new Proposer({ selfId: this.opts.selfId, voters: this.opts.voters, epoch, maxDataBytes: this.opts.maxDataBytes, now: this.clock.now(), reapEveryMs: this.opts.reapEveryMs }, tree);
    for (const f of followers) this.machine.step({ kind: 'ack', from: f, zxid: tree.lastAppliedZxid });
    this.proposer = new ProposerShell(this.bus, this.subjects, this.machine, store, { maxDataBytes: this.opts.maxDataBytes },
      { serverId: this.opts.selfId, epoch }, this.clock,
      {
        onPropose: (prevZxid, committedZxid, entries) => {
          for (const part of chunkEntries(entries, this.bus.maxPayload)) {
            // One encoding for every follower, its entries' bytes shared with the log and the
            // committed stream: proposals are most of the leader's bytes.
            const proposal = encodeWithItems({ type: 'proposal', epoch, prevZxid, committedZxid } satisfies Omit<Extract<LeaderMessage, { type: 'proposal' }>, 'entries'>, 'entries', part.map(encodeEntry));
            for (const f of this.forwarding) this.bus.publish(this.subjects.peerServer(f), proposal);
            prevZxid = part[part.length - 1]!.zxid;
          }
          this.proposedAt.push({ zxid: prevZxid, at: performance.now() });
        },
        onCommit: (entries, drained) => {
          const last = entries[entries.length - 1];
          if (!last) return;
          store.noteCommitted(last.zxid);
          this.noteQuorumAcked(last.zxid);
          // While proposals are in flight, the next proposal or the commit that drains them
          // carries this commit point: a commit message of its own would cost every follower
          // a wake-up per round. Followers need it only for their own tree, not for any answer.
          if (drained) for (const f of this.forwarding) this.send(f, { type: 'commit', epoch, zxid: last.zxid });
          this.host.committed(entries.length);
        },
        onStepDown: (reason) => this.host.lost(reason),
        onFatal: (err) => this.host.lost(`log write failed: ${err.message}`),
      });
    for (const f of followers) this.send(f, { type: 'upToDate', epoch });
    this.proposer.start();
    this.host.log(`leading epoch ${epoch} at 0x${tree.lastAppliedZxid.toString(16)} with followers [${followers.join(', ')}]`);
  }

  private noteQuorumAcked(committedZxid: number): void {
    const sent = this.proposedAt;
    let i = 0;
    const now = performance.now();
    for (; i < sent.length && sent[i]!.zxid <= committedZxid; i++) this.host.quorumAcked((now - sent[i]!.at) / 1000);
    if (i > 0) this.proposedAt = sent.slice(i);
  }

  private tick(): void {
    if (this.stopped) return;
    this.feed({ kind: 'tick' });
    if (!this.machine || !this.proposer) return;
    this.proposer.tick();
    const committedZxid = this.machine.lastCommittedZxid;
    const lastZxid = this.machine.lastProposedZxid;
    for (const f of this.forwarding) this.send(f, { type: 'ping', epoch: this.epoch, committedZxid, lastZxid });
    // A leader that cannot hear a quorum must stop, so that a new one can be elected.
    const limit = this.opts.syncLimitTicks * this.opts.peerTickMs;
    const now = this.clock.now();
    let alive = 1;
    for (const f of this.forwarding) if (now - (this.lastHeard.get(f) ?? 0) < limit) alive++;
    if (alive < Math.floor(this.opts.voters.length / 2) + 1) this.host.lost(`no word from a quorum of followers within ${limit} ms`);
  }

  /**
   * Shutting down: refuse new writes (their clients hear CONNECTIONLOSS now, not at their
   * timeout), give what is in flight a moment to commit, then tell every other voter to look
   * for the next leader at once instead of after syncLimit of silence.
   */
  async stepDown(graceMs: number): Promise<void> {
    this.proposer?.refuseNewWrites();
    for (let waited = 0; (this.proposer?.outstanding ?? 0) > 0 && waited < graceMs; waited += 5) await new Promise((r) => setTimeout(r, 5));
    for (const v of this.opts.voters) if (v !== this.opts.selfId) this.send(v, { type: 'leaving', epoch: this.epoch });
    this.host.log(`stepping down from epoch ${this.epoch}${this.proposer?.outstanding ? ` (${this.proposer.outstanding} writes still in flight; their clients hear CONNECTIONLOSS)` : ''}`);
  }

  stop(): void {
    this.stopped = true;
    this.cancelTick?.();
    for (const s of this.subs) s.unsubscribe();
    this.proposer?.stop();
  }
}
