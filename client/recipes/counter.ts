// A shared counter: a number in a znode, changed only by compare-and-set on the node's
// version, so concurrent adds never lose one another (Curator's SharedCount).

import { BadVersionError, NodeExistsError, type Client } from '../index.js';
import { ensurePath } from './support.js';

export class SharedCounter {
  constructor(private readonly zk: Client, readonly path: string, private readonly initial = 0) {}

  /** Makes the counter's node if it is missing. */
  async start(): Promise<void> {
    await ensurePath(this.zk, this.path.slice(0, this.path.lastIndexOf('/')) || '/');
    try {
      await this.zk.create(this.path, String(this.initial));
    } catch (err) {
      if (!(err instanceof NodeExistsError)) throw err;
    }
  }

  async get(): Promise<{ value: number; version: number }> {
    const { data, stat } = await this.zk.getData(this.path);
    return { value: Number(Buffer.from(data).toString()), version: stat.version };
  }

  /** Sets value only if the counter is still at version; false if someone changed it first. */
  async trySet(value: number, version: number): Promise<boolean> {
    try {
      await this.zk.setData(this.path, String(value), version);
      return true;
    } catch (err) {
      if (err instanceof BadVersionError) return false;
      throw err;
    }
  }

  /** Adds delta, retrying on a concurrent change; returns the value it set. */
  async add(delta: number): Promise<number> {
    for (;;) {
      const { value, version } = await this.get();
      if (await this.trySet(value + delta, version)) return value + delta;
    }
  }
}
