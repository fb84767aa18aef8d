// Read-write lock (ZooKeeper's shared-lock recipe): readers and writers queue in one
// directory. A writer waits for every node before it, a reader only for the nearest writer
// before it; each waits on that one node alone, so no release wakes the herd.

import type { Client } from '../index.js';
import { Lock } from './lock.js';

const WRITER = /-write-\d{10}$/;

export class ReadWriteLock {
  constructor(private readonly zk: Client, readonly dir: string) {}

  /** A new contender for shared (read) access. */
  readLock(data = ''): Lock {
    return new Lock(this.zk, this.dir, { prefix: 'read-', blockedBy: (name) => WRITER.test(name), data });
  }

  /** A new contender for exclusive (write) access. */
  writeLock(data = ''): Lock {
    return new Lock(this.zk, this.dir, { prefix: 'write-', data });
  }
}
