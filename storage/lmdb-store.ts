// The one module that knows the LMDB layout of a voting server. One environment per server:
//   meta       acceptedEpoch, currentEpoch, lastCommittedZxid, purgedThrough, snapshots (index)
//   log        LogEntry by zxid (ordered-binary number keys: numeric order, exact below 2^53)
//   snapshots  chunk bytes by [zxid, index]
//   fence      'writer': the handle that claimed the environment (its name; its token as the
//              entry's version, so a write can be made conditional on it inside LMDB)
// Durability: the environment is opened with overlappingSync off, so a write's promise
// resolves only after LMDB's commit has fsynced. Log appends queued in one event turn share
// one transaction and one fsync (group commit), committed on the event loop's own thread: a
// hand-off to LMDB's writer thread and back cost more CPU than the commit blocks for.

import { randomInt } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { open, type Database, type RootDatabase } from 'lmdb';
import { decode, encode } from '../transport/codec.js';
import { encodeEntry, parseLogEntry } from '../transport/log-entry.js';
import { extendLog, type SnapshotRecord, type Store } from './store.js';
import type { LogEntry } from './txn.js';

const CHUNKS_PER_WRITE = 16;

export class ServerStore implements Store {
  private lastQueued = 0;
  /** Set once this handle claimed the environment: its writes are conditional on the fence still holding this token. */
  private writerToken?: number;
  /** Appends of this turn, committed together at its end. */
  private appends: { entries: LogEntry[]; resolve: () => void; reject: (err: Error) => void }[] = [];
  /** Commit point known in memory; it rides along with the next write rather than costing an fsync of its own. */
  private committed = 0;
  readonly logFlushes = { count: 0, seconds: 0 };

  private constructor(
    private readonly env: RootDatabase,
    private readonly meta: Database<Uint8Array, string>,
    private readonly log: Database<Uint8Array, number>,
    private readonly snaps: Database<Uint8Array, [number, number]>,
    private readonly fence: Database<Uint8Array, string>,
    private readonly keepSnapshots: number,
  ) {
    this.reload();
  }

  static async open(dir: string, opts: { keepSnapshots?: number } = {}): Promise<ServerStore> {
    mkdirSync(dir, { recursive: true });
    const env = open({ path: dir, maxDbs: 8, overlappingSync: false, encoding: 'binary' });
    const store = new ServerStore(
      env,
      env.openDB<Uint8Array, string>({ name: 'meta', encoding: 'binary' }),
      env.openDB<Uint8Array, number>({ name: 'log', encoding: 'binary' }),
      env.openDB<Uint8Array, [number, number]>({ name: 'snapshots', encoding: 'binary' }),
      env.openDB<Uint8Array, string>({ name: 'fence', encoding: 'binary', useVersions: true }),
      Math.max(1, opts.keepSnapshots ?? 3),
    );
    return store;
  }

  // ---------- meta ----------

  private num(key: string): number {
    const v = this.meta.get(key);
    return v ? (decode(v) as number) : 0;
  }

  get acceptedEpoch(): number { return this.num('acceptedEpoch'); }
  get currentEpoch(): number { return this.num('currentEpoch'); }
  get lastCommittedZxid(): number { return Math.max(this.committed, this.num('lastCommittedZxid')); }

  async setAcceptedEpoch(epoch: number): Promise<void> { await this.write(() => this.meta.put('acceptedEpoch', encode(epoch))); }
  async setCurrentEpoch(epoch: number): Promise<void> { await this.write(() => this.meta.put('currentEpoch', encode(epoch))); }

  async claim(owner: string): Promise<void> {
    // Random, so two claims never share a token however close together they come.
    const token = randomInt(1, 2 ** 47);
    await this.env.transaction(() => this.fence.put('writer', encode(owner), token));
    this.writerToken = token;
    this.reload();
    await this.dropUnfinishedSnapshots();
  }

  reload(): void {
    this.lastQueued = Math.max(this.lastLogKey(), this.latestSnapshot()?.zxid ?? 0);
    this.committed = Math.max(this.committed, this.num('lastCommittedZxid'));
  }

  /** One fenced LMDB transaction: refused when another handle claimed the environment since. */
  private write(body: () => void): Promise<void> {
    return this.env.transaction(() => {
      this.checkFence();
      body();
    });
  }

  /** Inside a write transaction: throws when another handle claimed the environment since this one did. */
  private checkFence(): void {
    if (this.writerToken === undefined || this.fence.doesExist('writer', this.writerToken)) return;
    const holder = this.fence.get('writer');
    throw new Error(`${holder ? (decode(holder) as string) : 'another actor'} took over this server's storage`);
  }

  /**
   * Records the commit point. It reaches disk with the next log append, snapshot or close:
   * after a crash a lagging commit point only means re-learning commits from the leader
   * (or, for a lone voter, replaying its own log), never losing one.
   */
  noteCommitted(zxid: number): void {
    if (zxid > this.committed) this.committed = zxid;
  }

  private persistCommitted(): void {
    if (this.committed > this.num('lastCommittedZxid')) this.meta.put('lastCommittedZxid', encode(this.committed));
  }

  // ---------- log ----------

  /** Durable once resolved. Entries must extend the log in zxid order. */
  appendLog(entries: LogEntry[]): Promise<void> {
    this.lastQueued = extendLog(this.lastQueued, entries);
    return new Promise((resolve, reject) => {
      if (this.appends.push({ entries, resolve, reject }) === 1) setImmediate(() => this.commitAppends());
    });
  }

  /**
   * The appends of one turn, in one transaction committed on this thread: no hand-off to LMDB's
   * writer thread and back. It runs after what the turn published has gone out.
   */
  private commitAppends(): void {
    const appends = this.appends;
    this.appends = [];
    const started = performance.now();
    try {
      this.env.transactionSync(() => {
        this.checkFence();
        for (const a of appends) for (const e of a.entries) this.log.put(e.zxid, encodeEntry(e));
        this.persistCommitted();
      });
    } catch (err) {
      for (const a of appends) a.reject(err as Error);
      return;
    }
    this.logFlushes.count++;
    this.logFlushes.seconds += (performance.now() - started) / 1000;
    for (const a of appends) a.resolve();
  }

  /** Removes an uncommitted suffix (a follower's); never cuts into committed history. */
  async truncateLogAfter(zxid: number): Promise<void> {
    if (zxid < this.lastCommittedZxid) {
      throw new Error(`refusing to truncate to 0x${zxid.toString(16)}: 0x${this.lastCommittedZxid.toString(16)} is committed`);
    }
    await this.write(() => {
      for (const key of this.log.getKeys({ start: zxid + 1 })) this.log.remove(key);
    });
    this.lastQueued = Math.max(this.lastLogKey(), this.latestSnapshot()?.zxid ?? 0);
  }

  lastLoggedZxid(): number { return this.lastQueued; }

  firstLoggedZxid(): number {
    for (const key of this.log.getKeys({ limit: 1 })) return key;
    return 0;
  }

  private lastLogKey(): number {
    for (const key of this.log.getKeys({ reverse: true, limit: 1 })) return key;
    return 0;
  }

  /** The zxid after which the log holds every entry (0 until something was purged). */
  logStartZxid(): number {
    return this.num('purgedThrough');
  }

  hasEntry(zxid: number): boolean {
    return this.log.doesExist(zxid);
  }

  /** The last logged zxid at or below zxid, or 0. */
  floorZxid(zxid: number): number {
    for (const key of this.log.getKeys({ start: zxid, end: -1, reverse: true, limit: 1 })) return key;
    return 0;
  }

  /** Whether the log still holds every entry after zxid (nothing after it was purged). */
  hasLogAfter(zxid: number): boolean {
    return zxid >= this.num('purgedThrough');
  }

  readLog(afterZxid: number, throughZxid: number, limit: number): LogEntry[] {
    const out: LogEntry[] = [];
    if (throughZxid <= afterZxid) return out;
    for (const { value } of this.log.getRange({ start: afterZxid + 1, end: throughZxid + 1, limit })) out.push(parseLogEntry(decode(value)));
    return out;
  }

  // ---------- snapshots ----------

  listSnapshots(): SnapshotRecord[] {
    const v = this.meta.get('snapshots');
    return v ? (decode(v) as SnapshotRecord[]) : [];
  }

  latestSnapshot(): SnapshotRecord | undefined {
    const all = this.listSnapshots();
    return all[all.length - 1];
  }

  readSnapshotChunk(zxid: number, index: number): Uint8Array | undefined {
    return this.snaps.get([zxid, index]);
  }

  *readSnapshotChunks(zxid: number): Generator<Uint8Array> {
    const rec = this.listSnapshots().find((s) => s.zxid === zxid);
    if (!rec) throw new Error(`no snapshot at 0x${zxid.toString(16)}`);
    for (let i = 0; i < rec.chunks; i++) {
      const chunk = this.snaps.get([zxid, i]);
      if (!chunk) throw new Error(`snapshot 0x${zxid.toString(16)} is missing chunk ${i}`);
      yield chunk;
    }
  }

  /**
   * Writes the chunks, then the index entry that makes the snapshot visible, so a crash
   * mid-write leaves nothing half-visible; then keeps the newest K and purges the log up to
   * the oldest kept.
   */
  async writeSnapshot(zxid: number, chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>, onProgress?: (bytes: number) => void): Promise<void> {
    const rec = await this.writeChunks(zxid, chunks, onProgress);
    await this.write(() => {
      const all = [...this.listSnapshots().filter((s) => s.zxid !== zxid), rec].sort((a, b) => a.zxid - b.zxid);
      const dropped = all.splice(0, Math.max(0, all.length - this.keepSnapshots));
      for (const old of dropped) for (let i = 0; i < old.chunks; i++) this.snaps.remove([old.zxid, i]);
      this.meta.put('snapshots', encode(all));
      this.persistCommitted();
      if (dropped.length > 0) this.purgeLogThrough(all[0]!.zxid);
    });
  }

  /** A follower's SNAP: the snapshot replaces the whole log, and becomes the committed position. */
  async installSnapshot(zxid: number, chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<void> {
    const rec = await this.writeChunks(zxid, chunks);
    await this.write(() => {
      const all = [...this.listSnapshots().filter((s) => s.zxid !== zxid), rec].sort((a, b) => a.zxid - b.zxid);
      this.meta.put('snapshots', encode(all));
      for (const key of this.log.getKeys({})) this.log.remove(key);
      this.meta.put('purgedThrough', encode(zxid));
      this.meta.put('lastCommittedZxid', encode(zxid));
    });
    this.committed = zxid;
    this.lastQueued = zxid;
  }

  private purgeLogThrough(zxid: number): void {
    for (const key of this.log.getKeys({ end: zxid + 1 })) this.log.remove(key);
    if (zxid > this.num('purgedThrough')) this.meta.put('purgedThrough', encode(zxid));
  }

  private async writeChunks(zxid: number, chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>, onProgress?: (bytes: number) => void): Promise<SnapshotRecord> {
    let index = 0;
    let bytes = 0;
    let pending: Promise<boolean>[] = [];
    for await (const chunk of chunks) {
      pending.push(this.snaps.put([zxid, index++], chunk));
      bytes += chunk.length;
      // Bounded: a large tree streams through rather than sitting in memory twice.
      if (pending.length >= CHUNKS_PER_WRITE) {
        await Promise.all(pending);
        pending = [];
        onProgress?.(bytes);
      }
    }
    await Promise.all(pending);
    return { zxid, chunks: index, bytes, time: Date.now() };
  }

  /** Chunks of a snapshot whose writer crashed or was fenced off before it wrote the index entry. */
  private async dropUnfinishedSnapshots(): Promise<void> {
    const known = new Set(this.listSnapshots().map((s) => s.zxid));
    const orphans = [...this.snaps.getKeys({})].filter(([zxid]) => !known.has(zxid));
    if (orphans.length === 0) return;
    await this.env.transaction(() => {
      for (const key of orphans) this.snaps.remove(key);
    });
  }

  async close(): Promise<void> {
    await this.write(() => this.persistCommitted()).catch(() => {});
    await this.env.close();
  }
}
