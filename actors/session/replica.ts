// A session actor's read replica: a tree fed by the committed stream, like a ZooKeeper
// observer. Core NATS may drop any batch, so every batch names its predecessor; a replica
// that finds a hole fetches the missing entries from a voting server before applying more.

import { DataTree } from '../../storage/data-tree.js';
import type { LogEntry, TxnResult } from '../../storage/txn.js';
import type { Bus } from '../../transport/bus.js';
import { decode, encode } from '../../transport/codec.js';
import { isErrorReply, parseCommittedBatch, parseLogFetchReply, type SnapshotInfoReply } from '../../transport/messages.js';
import type { Subjects } from '../../transport/subjects.js';

const FETCH_PAGE = 2000;
const REQUEST_MS = 5000;

export class Replica {
  tree: DataTree = new DataTree();
  private ready = false;
  /** Batches that arrived while the snapshot loaded or a gap was being filled. */
  private held: { prevZxid: number; entries: LogEntry[] }[] = [];
  private catchingUp?: Promise<void>;
  private waiters: { zxid: number; resolve: () => void }[] = [];
  private readonly listeners: ((entry: LogEntry, result: TxnResult) => void)[] = [];

  constructor(private readonly bus: Bus, private readonly subjects: Subjects, private readonly log: (m: string) => void) {}

  get lastApplied(): number { return this.tree.lastAppliedZxid; }

  /** The newest leader epoch the committed stream has shown (its heartbeats carry it). */
  leaderEpoch = 0;

  /** Called for each entry right after it is applied (watches hang off this). */
  onApply(listener: (entry: LogEntry, result: TxnResult) => void): void {
    this.listeners.push(listener);
  }

  /** Loads a snapshot from a voting server, then the log after it. */
  async bootstrap(signal: { stopped: boolean }): Promise<void> {
    for (let attempt = 0; !signal.stopped; attempt++) {
      try {
        const info = decode(await this.bus.request(this.subjects.snapshotInfo, encode({}), REQUEST_MS)) as SnapshotInfoReply;
        if (isErrorReply(info)) throw new Error(info.message);
        const chunks: Uint8Array[] = [];
        for (let index = 0; index < info.chunks; index++) {
          const reply = decode(await this.bus.request(this.subjects.snapshotChunk(info.serverId), encode({ zxid: info.zxid, index }), REQUEST_MS)) as { chunk?: Uint8Array };
          if (!(reply.chunk instanceof Uint8Array)) throw new Error(`snapshot chunk ${index} missing`);
          chunks.push(reply.chunk);
          if (info.chunks > 8 && index % 8 === 7) this.log(`loading snapshot: chunk ${index + 1}/${info.chunks}`);
        }
        this.tree = DataTree.fromChunks(chunks);
        await this.fetchFrom(this.tree.lastAppliedZxid);
        this.ready = true;
        this.drainHeld();
        return;
      } catch (err) {
        if (attempt % 10 === 0) this.log(`waiting for a voting server to load the tree from (${(err as Error).message})`);
        await new Promise((r) => setTimeout(r, Math.min(1000, 100 * (attempt + 1))));
      }
    }
  }

  /** A message from the committed stream. */
  onCommitted(data: Uint8Array): void {
    let batch;
    try {
      batch = parseCommittedBatch(decode(data));
    } catch (err) {
      this.log(`dropped a malformed committed batch: ${(err as Error).message}`);
      return;
    }
    if (batch.epoch > this.leaderEpoch) this.leaderEpoch = batch.epoch;
    if (!this.ready || this.catchingUp) {
      this.held.push(batch);
      return;
    }
    this.offer(batch.prevZxid, batch.entries);
  }

  private offer(prevZxid: number, entries: LogEntry[]): void {
    if (prevZxid > this.lastApplied) {
      this.held.push({ prevZxid, entries });
      this.catchUp();
      return;
    }
    this.applyAll(entries);
  }

  private applyAll(entries: LogEntry[]): void {
    for (const e of entries) {
      if (e.zxid <= this.lastApplied) continue;
      let result: TxnResult;
      try {
        result = this.tree.apply(e);
      } catch (err) {
        // Not what the leader committed (or a bug): refuse it, fetch the real entries instead.
        this.log(`refused committed entry 0x${e.zxid.toString(16)}: ${(err as Error).message}`);
        break;
      }
      for (const l of this.listeners) l(e, result);
    }
    this.wake();
  }

  /** Fills a hole from a voting server's log, then applies what was held back. */
  catchUp(): void {
    if (this.catchingUp || !this.ready) return;
    this.catchingUp = this.fetchFrom(this.lastApplied)
      .catch((err) => this.log(`catch-up failed, will retry: ${(err as Error).message}`))
      .finally(() => {
        this.catchingUp = undefined;
        this.drainHeld();
      });
  }

  private drainHeld(): void {
    const held = this.held;
    this.held = [];
    for (const b of held) {
      if (this.catchingUp) this.held.push(b);
      else this.offer(b.prevZxid, b.entries);
    }
  }

  private async fetchFrom(after: number): Promise<void> {
    let from = after;
    for (;;) {
      const body = decode(await this.bus.request(this.subjects.logFetch, encode({ afterZxid: from, limit: FETCH_PAGE }), REQUEST_MS));
      if (isErrorReply(body)) throw new Error(body.message);
      const reply = parseLogFetchReply(body);
      if (reply.snapshotNeeded) throw new Error('the log no longer reaches back far enough; restart this session actor to reload a snapshot');
      if (reply.entries.length === 0) return;
      this.applyAll(reply.entries);
      if (this.lastApplied === from) throw new Error(`fetched entries after 0x${from.toString(16)} do not apply`);
      from = this.lastApplied;
      if (from >= reply.lastCommittedZxid) return;
    }
  }

  /** Resolves once the replica has applied zxid. */
  waitFor(zxid: number): Promise<void> {
    if (this.lastApplied >= zxid) return Promise.resolve();
    return new Promise((resolve) => {
      this.waiters.push({ zxid, resolve });
      // The batch carrying it may have been lost; without traffic no later batch reveals the hole.
      setTimeout(() => { if (this.lastApplied < zxid) this.catchUp(); }, 200).unref();
    });
  }

  private wake(): void {
    if (this.waiters.length === 0) return;
    const still: typeof this.waiters = [];
    for (const w of this.waiters) (this.lastApplied >= w.zxid ? w.resolve() : still.push(w));
    this.waiters = still;
  }
}
