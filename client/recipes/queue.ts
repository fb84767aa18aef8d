// A distributed FIFO queue (ZooKeeper's queue recipe): items are persistent sequential
// nodes; a consumer owns an item when its delete succeeds, so each item goes to exactly one
// consumer, and an item outlives any producer or consumer whose session ends.

import { NoNodeError, type Client, type Data } from '../index.js';
import { bySequence, ensurePath, untilChildren, within, type WaitOptions } from './support.js';

export class DistributedQueue {
  constructor(private readonly zk: Client, readonly dir: string) {}

  /** Adds an item at the tail; returns its node's path. */
  async offer(data: Data): Promise<string> {
    await ensurePath(this.zk, this.dir);
    return this.zk.create(`${this.dir}/item-`, data, { mode: 'persistentSequential' });
  }

  /** The head item, removed; null when the queue is empty. */
  async poll(): Promise<Uint8Array | null> {
    let children: string[];
    try {
      children = bySequence(await this.zk.getChildren(this.dir));
    } catch (err) {
      if (err instanceof NoNodeError) return null;
      throw err;
    }
    for (const child of children) {
      const path = `${this.dir}/${child}`;
      try {
        const { data } = await this.zk.getData(path);
        await this.zk.delete(path);
        return data;
      } catch (err) {
        if (!(err instanceof NoNodeError)) throw err; // another consumer took it: try the next
      }
    }
    return null;
  }

  /** The head item, removed, waiting for one if the queue is empty; null if opts.timeout passed first. */
  async take(opts: WaitOptions = {}): Promise<Uint8Array | null> {
    await ensurePath(this.zk, this.dir);
    return within(opts, null, async (signal) => {
      for (;;) {
        const item = await this.poll();
        if (item) return item;
        await untilChildren(this.zk, this.dir, signal);
      }
    });
  }

  async size(): Promise<number> {
    try {
      return (await this.zk.getChildren(this.dir)).length;
    } catch (err) {
      if (err instanceof NoNodeError) return 0;
      throw err;
    }
  }
}
