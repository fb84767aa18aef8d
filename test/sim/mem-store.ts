// The simulator's storage: the Store contract in memory. A write becomes durable (and
// visible) only when its simulated flush happens; a crash drops whatever was not flushed.
// Values go through the codec, as they do into LMDB, so nothing is shared by reference.

import { decode } from '../../transport/codec.js';
import { encodeEntry, parseLogEntry } from '../../transport/log-entry.js';
import { extendLog, type SnapshotRecord, type Store } from '../../storage/store.js';
import type { LogEntry } from '../../storage/txn.js';
import type { Scheduler } from './scheduler.js';

/** What survives a crash. */
export class Disk {
  meta = new Map<string, number>();
  log: [number, Uint8Array][] = [];
  snapshots: SnapshotRecord[] = [];
  chunks = new Map<number, Uint8Array[]>();
  flushes = 0;
}

export class MemStore implements Store {
  private pending: (() => void)[] = [];
  private waiters: (() => void)[] = [];
  private flushScheduled = false;
  private dead = false;
  private lastQueued: number;
  private committed = 0;
  /** Called after every simulated fsync, before the writes it made durable are reported. */
  onFlush?: (disk: Disk) => void;

  constructor(private readonly disk: Disk, private readonly sched: Scheduler, private readonly keep: number) {
    this.lastQueued = Math.max(disk.log.length ? disk.log[disk.log.length - 1]![0] : 0, this.latestSnapshot()?.zxid ?? 0);
  }

  /** Queues a change; it lands, with every other queued one, at the next simulated fsync. */
  private write(change: () => void): Promise<void> {
    if (this.dead) return new Promise(() => {});
    return new Promise((resolve) => {
      this.pending.push(change);
      this.waiters.push(resolve);
      if (this.flushScheduled) return;
      this.flushScheduled = true;
      this.sched.after(0.2 + this.sched.random() * 2, () => {
        this.flushScheduled = false;
        if (this.dead) return;
        const changes = this.pending;
        const waiters = this.waiters;
        this.pending = [];
        this.waiters = [];
        for (const c of changes) c();
        this.persistCommitted();
        this.disk.flushes++;
        this.onFlush?.(this.disk);
        // A scenario may crash the server the moment something became durable.
        if (this.dead) return;
        for (const w of waiters) w();
      });
    });
  }

  crash(): void {
    this.dead = true;
    this.pending = [];
    this.waiters = [];
  }

  get acceptedEpoch(): number { return this.disk.meta.get('acceptedEpoch') ?? 0; }
  get currentEpoch(): number { return this.disk.meta.get('currentEpoch') ?? 0; }
  get lastCommittedZxid(): number { return Math.max(this.committed, this.disk.meta.get('lastCommittedZxid') ?? 0); }
  setAcceptedEpoch(epoch: number): Promise<void> { return this.write(() => this.disk.meta.set('acceptedEpoch', epoch)); }
  setCurrentEpoch(epoch: number): Promise<void> { return this.write(() => this.disk.meta.set('currentEpoch', epoch)); }
  noteCommitted(zxid: number): void { if (zxid > this.committed) this.committed = zxid; }
  private persistCommitted(): void {
    if (this.committed > (this.disk.meta.get('lastCommittedZxid') ?? 0)) this.disk.meta.set('lastCommittedZxid', this.committed);
  }

  /** One per append here (the real store counts one per turn, which may carry several); the simulated disk takes no time. */
  readonly logFlushes = { count: 0, seconds: 0 };

  appendLog(entries: LogEntry[]): Promise<void> {
    this.lastQueued = extendLog(this.lastQueued, entries);
    this.logFlushes.count++;
    const encoded = entries.map((e) => [e.zxid, encodeEntry(e)] as [number, Uint8Array]);
    return this.write(() => this.disk.log.push(...encoded));
  }

  async truncateLogAfter(zxid: number): Promise<void> {
    if (zxid < this.lastCommittedZxid) throw new Error(`refusing to truncate to 0x${zxid.toString(16)}: committed is 0x${this.lastCommittedZxid.toString(16)}`);
    await this.write(() => { this.disk.log = this.disk.log.filter(([z]) => z <= zxid); });
    this.lastQueued = Math.max(this.disk.log.length ? this.disk.log[this.disk.log.length - 1]![0] : 0, this.latestSnapshot()?.zxid ?? 0);
  }

  lastLoggedZxid(): number { return this.lastQueued; }
  firstLoggedZxid(): number { return this.disk.log[0]?.[0] ?? 0; }
  logStartZxid(): number { return this.disk.meta.get('purgedThrough') ?? 0; }
  hasEntry(zxid: number): boolean { return this.disk.log.some(([z]) => z === zxid); }
  floorZxid(zxid: number): number {
    let best = 0;
    for (const [z] of this.disk.log) if (z <= zxid) best = z;
    return best;
  }
  hasLogAfter(zxid: number): boolean { return zxid >= this.logStartZxid(); }
  readLog(afterZxid: number, throughZxid: number, limit: number): LogEntry[] {
    return this.disk.log.filter(([z]) => z > afterZxid && z <= throughZxid).slice(0, limit).map(([, v]) => parseLogEntry(decode(v)));
  }

  listSnapshots(): SnapshotRecord[] { return [...this.disk.snapshots]; }
  latestSnapshot(): SnapshotRecord | undefined { return this.disk.snapshots[this.disk.snapshots.length - 1]; }
  readSnapshotChunk(zxid: number, index: number): Uint8Array | undefined { return this.disk.chunks.get(zxid)?.[index]; }
  *readSnapshotChunks(zxid: number): Generator<Uint8Array> {
    const chunks = this.disk.chunks.get(zxid);
    if (!chunks) throw new Error(`no snapshot at 0x${zxid.toString(16)}`);
    yield* chunks;
  }

  async writeSnapshot(zxid: number, chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<void> {
    const all: Uint8Array[] = [];
    for await (const c of chunks) all.push(c.slice());
    await this.write(() => {
      this.disk.chunks.set(zxid, all);
      const rec = { zxid, chunks: all.length, bytes: all.reduce((n, c) => n + c.length, 0), time: 0 };
      const list = [...this.disk.snapshots.filter((s) => s.zxid !== zxid), rec].sort((a, b) => a.zxid - b.zxid);
      const dropped = list.splice(0, Math.max(0, list.length - this.keep));
      for (const d of dropped) this.disk.chunks.delete(d.zxid);
      this.disk.snapshots = list;
      if (dropped.length > 0) {
        const oldest = list[0]!.zxid;
        this.disk.log = this.disk.log.filter(([z]) => z > oldest);
        this.disk.meta.set('purgedThrough', Math.max(oldest, this.logStartZxid()));
      }
    });
  }

  async installSnapshot(zxid: number, chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<void> {
    const all: Uint8Array[] = [];
    for await (const c of chunks) all.push(c.slice());
    await this.write(() => {
      this.disk.chunks.set(zxid, all);
      this.disk.snapshots = [...this.disk.snapshots.filter((s) => s.zxid !== zxid), { zxid, chunks: all.length, bytes: 0, time: 0 }].sort((a, b) => a.zxid - b.zxid);
      this.disk.log = [];
      this.disk.meta.set('purgedThrough', zxid);
      this.disk.meta.set('lastCommittedZxid', zxid);
    });
    this.committed = Math.max(this.committed, zxid);
    this.lastQueued = zxid;
  }

  // One process per server in the simulator: nobody else can claim or move the disk.
  async claim(): Promise<void> {}
  reload(): void {}

  async close(): Promise<void> {
    this.crash();
  }
}
