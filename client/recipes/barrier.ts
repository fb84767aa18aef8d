// Barriers. A Barrier holds everyone back while its node exists (Curator's
// DistributedBarrier). A DoubleBarrier lets its members start together once `size` have
// entered and finish together once all have left (ZooKeeper's double-barrier recipe); each
// member is an ephemeral node, so one whose session ends counts as having left.

import { NodeExistsError, NoNodeError, NotEmptyError, type Client } from '../index.js';
import { ensurePath, nextChange, untilExists, within, type WaitOptions } from './support.js';

export class Barrier {
  constructor(private readonly zk: Client, readonly path: string) {}

  /** Raises the barrier. */
  async set(): Promise<void> {
    await ensurePath(this.zk, this.path.slice(0, this.path.lastIndexOf('/')) || '/');
    try {
      await this.zk.create(this.path);
    } catch (err) {
      if (!(err instanceof NodeExistsError)) throw err;
    }
  }

  /** Lowers it: every waiter passes. */
  async remove(): Promise<void> {
    try {
      await this.zk.delete(this.path);
    } catch (err) {
      if (!(err instanceof NoNodeError)) throw err;
    }
  }

  /** Waits until the barrier is down; false if opts.timeout passed first. */
  wait(opts: WaitOptions = {}): Promise<boolean> {
    return within(opts, false, async (signal) => {
      while (await this.zk.exists(this.path)) await nextChange(this.zk, this.path, signal);
      return true;
    });
  }
}

export class DoubleBarrier {
  private readonly ready: string;
  private readonly mine: string;

  constructor(private readonly zk: Client, readonly dir: string, readonly size: number, readonly id: string) {
    this.ready = `${dir}/ready`;
    this.mine = `${dir}/${id}`;
  }

  /** Joins; resolves once `size` members have joined (false if opts.timeout passed first). */
  async enter(opts: WaitOptions = {}): Promise<boolean> {
    await ensurePath(this.zk, this.dir);
    await this.zk.create(this.mine, '', { mode: 'ephemeral' });
    const entered = await within(opts, false, async (signal) => {
      for (;;) {
        if (await this.zk.exists(this.ready)) return true;
        if ((await this.members()).length >= this.size) {
          await this.zk.create(this.ready).catch((err) => {
            if (!(err instanceof NodeExistsError)) throw err;
          });
          return true;
        }
        // Only the last to arrive makes `ready`; the others wait for it alone.
        await untilExists(this.zk, this.ready, signal);
      }
    });
    if (!entered) await this.zk.delete(this.mine).catch(() => undefined);
    return entered;
  }

  /**
   * Leaves; resolves once every member has left. The lowest member waits for the highest;
   * every other one leaves at once and waits for the lowest: one watch each.
   */
  leave(opts: WaitOptions = {}): Promise<boolean> {
    return within(opts, false, async (signal) => {
      for (;;) {
        const members = await this.members();
        if (members.length === 0) break;
        const lowest = members[0]!;
        if (members.length === 1 && lowest === this.id) {
          await this.deleteIfThere(this.mine);
          break;
        }
        if (lowest === this.id) {
          await nextChange(this.zk, `${this.dir}/${members[members.length - 1]}`, signal);
        } else {
          await this.deleteIfThere(this.mine);
          await nextChange(this.zk, `${this.dir}/${lowest}`, signal);
        }
      }
      // The last one out takes `ready` down so the next round waits again.
      await this.zk.delete(this.ready).catch((err) => {
        if (!(err instanceof NoNodeError) && !(err instanceof NotEmptyError)) throw err;
      });
      return true;
    });
  }

  private async members(): Promise<string[]> {
    return (await this.zk.getChildren(this.dir)).filter((c) => c !== 'ready').sort();
  }

  private async deleteIfThere(path: string): Promise<void> {
    await this.zk.delete(path).catch((err) => {
      if (!(err instanceof NoNodeError)) throw err;
    });
  }
}
