// Where the skeleton's servers log: natszk's own LMDB store, or, to price that choice, a
// preallocated file with one fdatasync per turn (ZooKeeper's transaction log), or nothing (no
// durability at all: the floor of the hops alone).

import { fdatasyncSync, ftruncateSync, mkdirSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import { encodeEntry } from '../../transport/log-entry.js';
import { ServerStore } from '../../storage/lmdb-store.js';
import type { LogEntry } from '../../storage/txn.js';

export type LogKind = 'lmdb' | 'file' | 'none';

/** What the skeleton needs of a server's log: durable once resolved. */
export interface SkeletonLog {
  appendLog(entries: LogEntry[]): Promise<void>;
  noteCommitted(zxid: number): void;
}

const PREALLOCATED = 256 << 20;

/** Appends of one turn written at the file's end and flushed with one fdatasync, as ZooKeeper's log does. */
class FileLog implements SkeletonLog {
  private offset = 0;
  private turn: { entries: LogEntry[]; resolve: () => void }[] = [];

  constructor(private readonly fd: number) {}

  static open(dir: string): FileLog {
    mkdirSync(dir, { recursive: true });
    const fd = openSync(path.join(dir, 'log'), 'w+');
    // Preallocated and flushed, so that a later fdatasync has no file size to write.
    ftruncateSync(fd, PREALLOCATED);
    fdatasyncSync(fd);
    return new FileLog(fd);
  }

  appendLog(entries: LogEntry[]): Promise<void> {
    return new Promise((resolve) => {
      if (this.turn.push({ entries, resolve }) === 1) setImmediate(() => this.flush());
    });
  }

  noteCommitted(): void {}

  private flush(): void {
    const turn = this.turn;
    this.turn = [];
    for (const { entries } of turn) {
      for (const e of entries) {
        const bytes = encodeEntry(e);
        // Round again at the end: a benchmark's log is priced, never read.
        if (this.offset + bytes.length > PREALLOCATED) this.offset = 0;
        writeSync(this.fd, bytes, 0, bytes.length, this.offset);
        this.offset += bytes.length;
      }
    }
    fdatasyncSync(this.fd);
    for (const { resolve } of turn) resolve();
  }
}

export async function openLog(kind: LogKind, dir: string): Promise<SkeletonLog> {
  if (kind === 'lmdb') return ServerStore.open(dir);
  if (kind === 'file') return FileLog.open(dir);
  return { appendLog: () => Promise.resolve(), noteCommitted: () => {} };
}
