// What a voting server's proposer and follower-sync share: the LMDB environment, the
// committed tree, snapshots, the catch-up reads any server serves, and whichever of the two
// roles is running. The one-process server and the split role actors are both built on it.

import { ZkError } from '../../storage/errors.js';
import type { Store } from '../../storage/store.js';
import type { DataTree } from '../../storage/data-tree.js';
import type { Bus, Subscription } from '../../transport/bus.js';
import { decode, encode, encodeWithItems } from '../../transport/codec.js';
import { encodeEntry } from '../../transport/log-entry.js';
import {
  errorReply, parseLogFetch, parseSnapshotChunkRequest,
  type LogFetchReply, type ServerStatus, type SnapshotInfoReply,
} from '../../transport/messages.js';
import { SERVER_QUEUE, type Subjects } from '../../transport/subjects.js';
import { FollowerShell } from '../follower/shell.js';
import { LeaderShell } from '../proposer/leader.js';
import { chunkEntries } from './chunking.js';
import { applyLog, restoreTree, type Progress } from './restore.js';
import type { Clock } from '../clock.js';

export interface ServerCoreOptions {
  serverId: number;
  voters: number[];
  bus: Bus;
  subjects: Subjects;
  /** Take a snapshot after N/2 to N committed transactions, drawn afresh for each snapshot. */
  snapshotEvery: number;
  /** Where the snapshot points are drawn from (0 <= r < 1): Math.random, or the simulator's seeded source. */
  random?: () => number;
  maxDataBytes: number;
  /** Leader pings and follower liveness run on this period. */
  peerTickMs: number;
  /** Peer ticks of silence before a follower gives up its leader, or a leader its quorum. */
  syncLimitTicks: number;
  /** Peer ticks a new leader may take to be established. */
  initLimitTicks: number;
  /** How often the leader removes empty containers and expired TTL nodes (ms). */
  reapEveryMs?: number;
  log: Progress;
  clock: Clock;
}

export type Role = 'leading' | 'following';

export class ServerCore {
  private readonly subs: Subscription[] = [];
  private role?: LeaderShell | FollowerShell;
  private sinceSnapshot = 0;
  private snapshotAfter: number;
  /** transactions committed here since the process started (a counter for metrics) */
  committedCount = 0;
  /** proposals this server sent as leader that reached a quorum, and their time to it in all */
  readonly quorumAcks = { count: 0, seconds: 0 };
  private snapshotting: Promise<void> = Promise.resolve();

  constructor(private readonly opts: ServerCoreOptions, readonly store: Store, public tree: DataTree) {
    this.snapshotAfter = this.drawSnapshotPoint();
  }

  /**
   * Servers that commit the same stream would otherwise all snapshot at the same zxid, and
   * stall the ensemble together; apart, a quorum keeps committing while one of them is busy.
   * ZooKeeper staggers its snapshots the same way.
   */
  private drawSnapshotPoint(): number {
    const every = this.opts.snapshotEvery;
    return Math.min(every, Math.ceil(every / 2 + (this.opts.random ?? Math.random)() * (every / 2)));
  }

  /** Starts a role for a decided leader; `lost` is called once it ends on its own. */
  startRole(state: Role, leader: number, lost: (reason: string) => void): void {
    this.role?.stop();
    const { opts } = this;
    const self = this;
    const host = {
      store: this.store,
      get tree() { return self.tree; },
      // A follower that installs the leader's snapshot replaces the tree.
      set tree(t: DataTree) { self.tree = t; },
      log: (m: string) => opts.log(m),
      lost,
      committed: (count: number) => this.onCommitted(count),
      quorumAcked: (seconds: number) => {
        this.quorumAcks.count++;
        this.quorumAcks.seconds += seconds;
      },
    };
    if (state === 'leading') {
      this.role = new LeaderShell(opts.bus, opts.subjects, {
        selfId: opts.serverId, voters: opts.voters, peerTickMs: opts.peerTickMs,
        syncLimitTicks: opts.syncLimitTicks, initLimitTicks: opts.initLimitTicks, maxDataBytes: opts.maxDataBytes,
        reapEveryMs: opts.reapEveryMs,
      }, host, opts.clock);
    } else {
      opts.log(`following server ${leader}`);
      this.role = new FollowerShell(opts.bus, opts.subjects, opts.serverId, leader, host, opts.syncLimitTicks, opts.peerTickMs, opts.clock);
    }
    this.role.start();
  }

  stopRole(): void {
    this.role?.stop();
    this.role = undefined;
  }

  /**
   * Brings the tree up to the committed position on disk, which another process of this
   * server (the other role's actor) may have moved: replays the log, or reloads from the
   * snapshot when that process installed one past the tree.
   */
  catchUp(): void {
    if (this.tree.lastAppliedZxid < this.store.logStartZxid()) {
      this.tree = restoreTree(this.store, this.store.lastCommittedZxid, this.opts.log);
    } else {
      applyLog(this.store, this.tree, this.store.lastCommittedZxid);
    }
  }

  private onCommitted(count: number): void {
    this.committedCount += count;
    this.sinceSnapshot += count;
    if (this.sinceSnapshot >= this.snapshotAfter) {
      this.sinceSnapshot = 0;
      this.snapshotAfter = this.drawSnapshotPoint();
      this.snapshotting = this.snapshotting.then(() => this.takeSnapshot()).catch((err) => this.opts.log(`snapshot failed: ${(err as Error).message}`));
    }
  }

  async takeSnapshot(): Promise<void> {
    const { clock } = this.opts;
    const zxid = this.tree.lastAppliedZxid;
    const nodes = this.tree.nodeCount;
    const started = clock.now();
    let lastReport = started;
    await this.store.writeSnapshot(zxid, this.tree.snapshot(), (bytes) => {
      if (clock.now() - lastReport < 5000) return;
      lastReport = clock.now();
      this.opts.log(`snapshot at 0x${zxid.toString(16)}: ${bytes} bytes written so far`);
    });
    this.opts.log(`snapshot at 0x${zxid.toString(16)}: ${nodes} znodes in ${clock.now() - started} ms`);
  }

  /** Catch-up reads for replicas and new followers; status while `answerStatus` says so. */
  serveReads(answerStatus: () => boolean): void {
    const { bus, subjects, serverId } = this.opts;
    this.subs.push(bus.subscribe(subjects.logFetch, (m) => respond(bus, m.reply, () => this.fetchLog(decode(m.data))), { queue: SERVER_QUEUE }));
    this.subs.push(bus.subscribe(subjects.snapshotInfo, (m) => respond(bus, m.reply, () => this.snapshotInfo()), { queue: SERVER_QUEUE }));
    this.subs.push(bus.subscribe(subjects.snapshotChunk(serverId), (m) => respond(bus, m.reply, () => {
      const req = parseSnapshotChunkRequest(decode(m.data));
      const chunk = this.store.readSnapshotChunk(req.zxid, req.index);
      if (!chunk) throw new ZkError('NONODE', `snapshot 0x${req.zxid.toString(16)} chunk ${req.index} is gone; start over`);
      return { chunk };
    })));
    this.subs.push(bus.subscribe(subjects.status, (m) => {
      if (answerStatus()) respond(bus, m.reply, () => this.status());
    }));
  }

  /** A LogFetchReply, encoded: its entries in their logged form. */
  private fetchLog(body: unknown): Uint8Array {
    const req = parseLogFetch(body);
    const committed = this.tree.lastAppliedZxid;
    if (req.afterZxid < committed && !this.store.hasLogAfter(req.afterZxid)) {
      return encode({ entries: [], snapshotNeeded: true, lastCommittedZxid: committed } satisfies LogFetchReply);
    }
    const entries = this.store.readLog(req.afterZxid, committed, req.limit);
    const fitting = chunkEntries(entries, this.opts.bus.maxPayload).next().value ?? [];
    return encodeWithItems({ snapshotNeeded: false, lastCommittedZxid: committed } satisfies Omit<LogFetchReply, 'entries'>, 'entries', fitting.map(encodeEntry));
  }

  private snapshotInfo(): SnapshotInfoReply {
    const snap = this.store.latestSnapshot();
    if (!snap) throw new ZkError('NONODE', 'no snapshot yet; retry');
    return { serverId: this.opts.serverId, zxid: snap.zxid, chunks: snap.chunks, bytes: snap.bytes };
  }

  status(): ServerStatus {
    const role = this.role;
    const leading = role instanceof LeaderShell && role.serving;
    const following = role instanceof FollowerShell && role.phase === 'broadcast';
    const acked = leading ? role.ackedZxids() : undefined;
    return {
      serverId: this.opts.serverId,
      role: leading ? 'leader' : following ? 'follower' : 'looking',
      epoch: this.store.currentEpoch,
      lastLoggedZxid: this.store.lastLoggedZxid(),
      lastCommittedZxid: this.tree.lastAppliedZxid,
      leader: leading ? this.opts.serverId : following ? role.leaderId : null,
      nodeCount: this.tree.nodeCount,
      sessions: this.tree.sessions.size,
      followers: acked ? Object.fromEntries([...acked].filter(([id]) => id !== this.opts.serverId).map(([id, z]) => [String(id), z])) : undefined,
    };
  }

  /** Shutdown; a leader hands over first, so the ensemble elects the next one at once. */
  async stop(): Promise<void> {
    if (this.role instanceof LeaderShell) await this.role.stepDown(10 * this.opts.peerTickMs);
    this.stopRole();
    for (const s of this.subs) s.unsubscribe();
    await this.snapshotting;
  }
}

/** body: the reply, or its encoding when it is made of parts encoded already. */
export function respond(bus: Bus, reply: string | undefined, body: () => object | Uint8Array): void {
  if (!reply) return;
  let out: object | Uint8Array;
  try {
    out = body();
  } catch (err) {
    out = errorReply(err instanceof ZkError ? err : new ZkError('MARSHALLINGERROR', (err as Error).message));
  }
  bus.publish(reply, out instanceof Uint8Array ? out : encode(out));
}
