// What a voting server needs of its durable storage. ServerStore (LMDB) is the product; the
// simulator's in-memory store is a test instrument with the same contract: a write's promise
// resolves only once it is durable, and a crash keeps exactly what was durable.

import type { LogEntry } from './txn.js';

export interface SnapshotRecord {
  zxid: number;
  chunks: number;
  bytes: number;
  time: number;
}

/** Checks that entries extend a log ending at lastZxid, in zxid order; returns the new end. */
export function extendLog(lastZxid: number, entries: readonly LogEntry[]): number {
  let last = lastZxid;
  for (const e of entries) {
    if (!(e.zxid > last)) throw new Error(`log append out of order: 0x${e.zxid.toString(16)} after 0x${last.toString(16)}`);
    last = e.zxid;
  }
  return last;
}

export interface Store {
  readonly acceptedEpoch: number;
  readonly currentEpoch: number;
  readonly lastCommittedZxid: number;
  setAcceptedEpoch(epoch: number): Promise<void>;
  setCurrentEpoch(epoch: number): Promise<void>;
  /** In memory at once; durable with the next write. */
  noteCommitted(zxid: number): void;

  appendLog(entries: LogEntry[]): Promise<void>;
  /** The log's durable commits so far (each waits for the disk) and the seconds they took. */
  readonly logFlushes: { count: number; seconds: number };
  truncateLogAfter(zxid: number): Promise<void>;
  lastLoggedZxid(): number;
  firstLoggedZxid(): number;
  logStartZxid(): number;
  hasEntry(zxid: number): boolean;
  floorZxid(zxid: number): number;
  hasLogAfter(zxid: number): boolean;
  /** Logged entries in (afterZxid, throughZxid], at most limit of them, in zxid order. */
  readLog(afterZxid: number, throughZxid: number, limit: number): LogEntry[];

  listSnapshots(): SnapshotRecord[];
  latestSnapshot(): SnapshotRecord | undefined;
  readSnapshotChunk(zxid: number, index: number): Uint8Array | undefined;
  readSnapshotChunks(zxid: number): Generator<Uint8Array>;
  writeSnapshot(zxid: number, chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>, onProgress?: (bytes: number) => void): Promise<void>;
  installSnapshot(zxid: number, chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<void>;
  /**
   * Makes this handle the environment's one writer (the split actors of a server share it):
   * re-reads what another process wrote; from then on this handle's writes fail once another
   * handle has claimed the environment, so a stale actor can never write over a live one.
   */
  claim(owner: string): Promise<void>;
  /** Re-reads the durable position, which another process may have moved. */
  reload(): void;
  close(): Promise<void>;
}
