// One voting server: its LMDB environment, its committed tree, and the actors that share
// them: election, then either the leader (discovery, sync, broadcast) or follower-sync.

import { ZkError } from '../../storage/errors.js';
import { ServerStore } from '../../storage/lmdb-store.js';
import type { Store } from '../../storage/store.js';
import type { DataTree } from '../../storage/data-tree.js';
import type { Bus, Subscription } from '../../transport/bus.js';
import { decode, encode } from '../../transport/codec.js';
import {
  errorReply, parseLogFetch, parseSnapshotChunkRequest,
  type LogFetchReply, type ServerStatus, type SnapshotInfoReply,
} from '../../transport/messages.js';
import { SERVER_QUEUE, type Subjects } from '../../transport/subjects.js';
import { ElectionShell } from '../election/shell.js';
import { FollowerShell } from '../follower/shell.js';
import { LeaderShell } from '../proposer/leader.js';
import { chunkEntries } from './chunking.js';
import { restoreTree, type Progress } from './restore.js';
import { systemClock, type Clock } from '../clock.js';

export interface VotingServerOptions {
  serverId: number;
  voters: number[];
  dataDir: string;
  bus: Bus;
  subjects: Subjects;
  /** Take a snapshot after this many committed transactions. */
  snapshotEvery: number;
  keepSnapshots: number;
  maxDataBytes: number;
  /** Election re-sends, leader pings and follower liveness run on this period. */
  peerTickMs: number;
  /** Peer ticks of silence before a follower gives up its leader, or a leader its quorum. */
  syncLimitTicks: number;
  /** Peer ticks a new leader may take to be established. */
  initLimitTicks: number;
  log: Progress;
  /** the system clock, or the simulator's */
  clock?: Clock;
  /** opens the server's durable storage (LMDB; the simulator passes its in-memory store) */
  openStore?: (dir: string, opts: { keepSnapshots: number }) => Promise<Store>;
}

export class VotingServer {
  private readonly subs: Subscription[] = [];
  private readonly election: ElectionShell;
  private role?: LeaderShell | FollowerShell;
  private sinceSnapshot = 0;
  private snapshotting: Promise<void> = Promise.resolve();
  private stopped = false;
  private readonly clock: Clock;

  private constructor(
    private readonly opts: VotingServerOptions,
    readonly store: Store,
    public tree: DataTree,
  ) {
    this.clock = opts.clock ?? systemClock;
    this.election = new ElectionShell(opts.bus, opts.subjects, opts.serverId, opts.voters, opts.peerTickMs, this.clock, (state, vote) => {
      opts.log(`elected ${vote.leader} (epoch ${vote.epoch}, zxid 0x${vote.zxid.toString(16)}); this server has epoch ${this.store.currentEpoch}, zxid 0x${this.store.lastLoggedZxid().toString(16)}`);
      this.onDecided(state, vote.leader);
    });
  }

  static async start(opts: VotingServerOptions): Promise<VotingServer> {
    const open = opts.openStore ?? ((dir, o) => ServerStore.open(dir, o));
    const store = await open(opts.dataDir, { keepSnapshots: opts.keepSnapshots });
    // Only committed history is applied; the rest is settled by the next leader's sync.
    const tree = restoreTree(store, store.lastCommittedZxid, opts.log);
    const server = new VotingServer(opts, store, tree);
    if (!store.latestSnapshot()) await server.takeSnapshot();
    server.serveReads();
    server.election.start();
    server.lookForLeader('starting');
    return server;
  }

  private lookForLeader(reason: string): void {
    if (this.stopped) return;
    this.role?.stop();
    this.role = undefined;
    this.opts.log(`looking for a leader (${reason})`);
    this.election.look(this.store.currentEpoch, this.store.lastLoggedZxid());
  }

  private onDecided(state: 'leading' | 'following', leader: number): void {
    if (this.stopped) return;
    this.role?.stop();
    const { opts } = this;
    const self = this;
    const host = {
      store: this.store,
      get tree() { return self.tree; },
      // A follower that installs the leader's snapshot replaces the tree.
      set tree(t: DataTree) { self.tree = t; },
      log: (m: string) => opts.log(m),
      lost: (reason: string) => this.lost(reason),
      committed: (count: number) => this.onCommitted(count),
    };
    if (state === 'leading') {
      this.role = new LeaderShell(opts.bus, opts.subjects, {
        selfId: opts.serverId, voters: opts.voters, peerTickMs: opts.peerTickMs,
        syncLimitTicks: opts.syncLimitTicks, initLimitTicks: opts.initLimitTicks, maxDataBytes: opts.maxDataBytes,
      }, host, this.clock);
    } else {
      opts.log(`following server ${leader}`);
      this.role = new FollowerShell(opts.bus, opts.subjects, opts.serverId, leader, host, opts.syncLimitTicks, opts.peerTickMs, this.clock);
    }
    this.role.start();
  }

  private lost(reason: string): void {
    // Every role change goes through election again, asynchronously, so a role never stops itself mid-step.
    setImmediate(() => this.lookForLeader(reason));
  }

  private onCommitted(count: number): void {
    this.sinceSnapshot += count;
    if (this.sinceSnapshot >= this.opts.snapshotEvery) {
      this.sinceSnapshot = 0;
      this.snapshotting = this.snapshotting.then(() => this.takeSnapshot()).catch((err) => this.opts.log(`snapshot failed: ${(err as Error).message}`));
    }
  }

  private async takeSnapshot(): Promise<void> {
    const zxid = this.tree.lastAppliedZxid;
    const nodes = this.tree.nodeCount;
    const started = this.clock.now();
    let lastReport = started;
    await this.store.writeSnapshot(zxid, this.tree.snapshot(), (bytes) => {
      if (this.clock.now() - lastReport < 5000) return;
      lastReport = this.clock.now();
      this.opts.log(`snapshot at 0x${zxid.toString(16)}: ${bytes} bytes written so far`);
    });
    this.opts.log(`snapshot at 0x${zxid.toString(16)}: ${nodes} znodes in ${this.clock.now() - started} ms`);
  }

  private serveReads(): void {
    const { bus, subjects } = this.opts;
    const respond = (reply: string | undefined, body: () => object) => {
      if (!reply) return;
      let out: object;
      try {
        out = body();
      } catch (err) {
        out = errorReply(err instanceof ZkError ? err : new ZkError('MARSHALLINGERROR', (err as Error).message));
      }
      bus.publish(reply, encode(out));
    };
    this.subs.push(bus.subscribe(subjects.logFetch, (m) => respond(m.reply, () => this.fetchLog(decode(m.data))), { queue: SERVER_QUEUE }));
    this.subs.push(bus.subscribe(subjects.snapshotInfo, (m) => respond(m.reply, () => this.snapshotInfo()), { queue: SERVER_QUEUE }));
    this.subs.push(bus.subscribe(subjects.snapshotChunk(this.opts.serverId), (m) => respond(m.reply, () => {
      const req = parseSnapshotChunkRequest(decode(m.data));
      const chunk = this.store.readSnapshotChunk(req.zxid, req.index);
      if (!chunk) throw new ZkError('NONODE', `snapshot 0x${req.zxid.toString(16)} chunk ${req.index} is gone; start over`);
      return { chunk };
    })));
    this.subs.push(bus.subscribe(subjects.status, (m) => respond(m.reply, () => this.status())));
  }

  private fetchLog(body: unknown): LogFetchReply {
    const req = parseLogFetch(body);
    const committed = this.tree.lastAppliedZxid;
    if (req.afterZxid < committed && !this.store.hasLogAfter(req.afterZxid)) {
      return { entries: [], snapshotNeeded: true, lastCommittedZxid: committed };
    }
    const entries = this.store.readLog(req.afterZxid, req.limit).filter((e) => e.zxid <= committed);
    const fitting = chunkEntries(entries, this.opts.bus.maxPayload).next().value ?? [];
    return { entries: fitting, snapshotNeeded: false, lastCommittedZxid: committed };
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

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.election.stop();
    this.role?.stop();
    for (const s of this.subs) s.unsubscribe();
    await this.snapshotting;
    await this.store.close();
  }
}
