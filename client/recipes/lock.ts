// Exclusive lock (ZooKeeper's lock recipe, Curator's InterProcessMutex without reentrancy):
// each contender makes an ephemeral sequential node and waits only for the nearest node
// before its own that blocks it, so a release wakes one waiter, never the herd. A holder
// whose session ends loses its node, and with it the lock, to exactly the next in line.

import { BadArgumentsError, NoNodeError, type Client } from '../index.js';
import { bySequence, nextChange, OwnNode, within, type WaitOptions } from './support.js';

export interface LockOptions {
  /** the name of this lock's nodes, before the sequence number */
  prefix?: string;
  /** which earlier nodes keep this one waiting (default: all of them) */
  blockedBy?: (name: string) => boolean;
  /** what this contender's node holds, e.g. who it is */
  data?: string;
}

export class Lock {
  private node?: OwnNode;
  private acquired = false;

  constructor(private readonly zk: Client, readonly dir: string, private readonly opts: LockOptions = {}) {}

  /** Whether this holds the lock (as far as this client knows: a session that has expired has not). */
  get held(): boolean {
    return this.acquired && this.zk.sessionState !== 'expired';
  }

  /** The path of this contender's node while it holds or waits for the lock. */
  get path(): string | undefined {
    return this.node?.path;
  }

  /** Waits for the lock; false if opts.timeout passed first (this contender then leaves the line). */
  async acquire(opts: WaitOptions = {}): Promise<boolean> {
    if (this.node) throw new BadArgumentsError(`this lock on ${this.dir} is already held or being acquired; it is not reentrant`);
    const node = (this.node = new OwnNode(this.zk, this.dir, this.opts.prefix ?? 'lock-'));
    const leaveTheLine = async () => {
      this.node = undefined;
      await node.delete().catch(() => undefined);
    };
    try {
      this.acquired = await within(opts, false, async (signal) => {
        await node.create(this.opts.data ?? '', 'ephemeralSequential');
        await this.waitTurn(node, signal);
        return true;
      });
    } catch (err) {
      await leaveTheLine();
      throw err;
    }
    if (!this.acquired) await leaveTheLine();
    return this.acquired;
  }

  async release(): Promise<void> {
    const node = this.node;
    this.node = undefined;
    this.acquired = false;
    await node?.delete();
  }

  private async waitTurn(node: OwnNode, signal: AbortSignal | undefined): Promise<void> {
    const blockedBy = this.opts.blockedBy ?? (() => true);
    for (;;) {
      const children = bySequence(await this.zk.getChildren(this.dir));
      // A create retried after a lost reply may have left a second node of ours: keep the first.
      const mine = children.filter((c) => node.owns(c));
      if (mine.length === 0) throw new NoNodeError(`this contender's node in ${this.dir} is gone (its session ended?)`);
      for (const extra of mine.slice(1)) await this.zk.delete(`${this.dir}/${extra}`).catch(() => undefined);
      node.path = `${this.dir}/${mine[0]}`;
      const ahead = children.slice(0, children.indexOf(mine[0]!)).filter(blockedBy);
      if (ahead.length === 0) return;
      await nextChange(this.zk, `${this.dir}/${ahead[ahead.length - 1]}`, signal);
    }
  }
}
