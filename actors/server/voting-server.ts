// One voting server: its LMDB environment, its committed tree, and the actors that share
// them. With a single voter it leads on its own; replication brings election and followers.

import { ZkError } from '../../storage/errors.js';
import { ServerStore } from '../../storage/lmdb-store.js';
import type { DataTree } from '../../storage/data-tree.js';
import type { LogEntry } from '../../storage/txn.js';
import { epochOf } from '../../storage/zxid.js';
import type { Bus, Subscription } from '../../transport/bus.js';
import { decode, encode } from '../../transport/codec.js';
import {
  errorReply, parseLogFetch, parseSnapshotChunkRequest,
  type LogFetchReply, type ServerStatus, type SnapshotInfoReply,
} from '../../transport/messages.js';
import { SERVER_QUEUE, type Subjects } from '../../transport/subjects.js';
import { Proposer } from '../proposer/machine.js';
import { ProposerShell } from '../proposer/shell.js';
import { chunkEntries } from './chunking.js';
import { restoreTree, type Progress } from './restore.js';

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
  tickMs: number;
  log: Progress;
}

export class VotingServer {
  private readonly subs: Subscription[] = [];
  private proposer?: ProposerShell;
  private machine?: Proposer;
  private epoch = 0;
  private sinceSnapshot = 0;
  private snapshotting: Promise<void> = Promise.resolve();
  private heartbeat?: NodeJS.Timeout;
  private stopped = false;

  private constructor(
    private readonly opts: VotingServerOptions,
    private readonly store: ServerStore,
    private tree: DataTree,
  ) {}

  static async start(opts: VotingServerOptions): Promise<VotingServer> {
    if (opts.voters.length !== 1) {
      throw new Error('this build runs a single voting server; replication is not in it yet');
    }
    const store = await ServerStore.open(opts.dataDir, { keepSnapshots: opts.keepSnapshots });
    // A lone voter is its own quorum: everything in its log is committed history.
    const tree = restoreTree(store, Number.MAX_SAFE_INTEGER, opts.log);
    const server = new VotingServer(opts, store, tree);
    if (!store.latestSnapshot()) await server.takeSnapshot();
    server.serveReads();
    await server.lead();
    return server;
  }

  /** Discovery for one voter: the new epoch is one past any it accepted, persisted before use. */
  private async lead(): Promise<void> {
    const { store, opts } = this;
    this.epoch = Math.max(store.acceptedEpoch, store.currentEpoch, epochOf(this.tree.lastAppliedZxid)) + 1;
    await store.setAcceptedEpoch(this.epoch);
    await store.setCurrentEpoch(this.epoch);
    store.noteCommitted(this.tree.lastAppliedZxid);
    this.machine = new Proposer({ selfId: opts.serverId, voters: opts.voters, epoch: this.epoch, maxDataBytes: opts.maxDataBytes, now: Date.now() }, this.tree);
    this.proposer = new ProposerShell(opts.bus, opts.subjects, this.machine, store, { maxDataBytes: opts.maxDataBytes },
      { serverId: opts.serverId, epoch: this.epoch },
      {
        onCommit: (entries) => this.onCommit(entries),
        onStepDown: (reason) => opts.log(`stepping down: ${reason}`),
        onFatal: (err) => this.fatal(err),
      });
    this.proposer.start();
    // Heartbeats more often than the tick, so an idle replica finds a lost batch quickly.
    this.heartbeat = setInterval(() => this.proposer?.tick(), Math.max(50, Math.floor(opts.tickMs / 4)));
    opts.log(`server ${opts.serverId} leading epoch ${this.epoch} at 0x${this.tree.lastAppliedZxid.toString(16)}`);
  }

  private onCommit(entries: LogEntry[]): void {
    const last = entries[entries.length - 1];
    if (!last) return;
    this.store.noteCommitted(last.zxid);
    this.sinceSnapshot += entries.length;
    if (this.sinceSnapshot >= this.opts.snapshotEvery) {
      this.sinceSnapshot = 0;
      this.snapshotting = this.snapshotting.then(() => this.takeSnapshot()).catch((err) => this.opts.log(`snapshot failed: ${(err as Error).message}`));
    }
  }

  private async takeSnapshot(): Promise<void> {
    const zxid = this.tree.lastAppliedZxid;
    const nodes = this.tree.nodeCount;
    const started = Date.now();
    let lastReport = started;
    await this.store.writeSnapshot(zxid, this.tree.snapshot(), (bytes) => {
      if (Date.now() - lastReport < 5000) return;
      lastReport = Date.now();
      this.opts.log(`snapshot at 0x${zxid.toString(16)}: ${bytes} bytes written so far`);
    });
    this.opts.log(`snapshot at 0x${zxid.toString(16)}: ${nodes} znodes in ${Date.now() - started} ms`);
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
    const acked = this.machine?.ackedZxids();
    return {
      serverId: this.opts.serverId,
      role: this.machine ? 'leader' : 'looking',
      epoch: this.epoch,
      lastLoggedZxid: this.store.lastLoggedZxid(),
      lastCommittedZxid: this.tree.lastAppliedZxid,
      leader: this.machine ? this.opts.serverId : null,
      nodeCount: this.tree.nodeCount,
      sessions: this.tree.sessions.size,
      followers: acked ? Object.fromEntries([...acked].filter(([id]) => id !== this.opts.serverId).map(([id, z]) => [String(id), z])) : undefined,
    };
  }

  private fatal(err: Error): void {
    this.opts.log(`fatal: log write failed (${err.message}); stopping this server`);
    void this.stop();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.heartbeat);
    this.proposer?.stop();
    for (const s of this.subs) s.unsubscribe();
    await this.snapshotting;
    await this.store.close();
  }
}
