// Leader election, two ways, on one queue of ephemeral sequential candidates (each watching
// only the one before it). A LeaderLatch holds leadership until it is closed or its session
// ends (Curator's LeaderLatch); a LeaderElection runs a piece of work as leader and then
// hands over (Curator's LeaderSelector). Either way at most one candidate leads, and when
// the leader's session ends exactly the next candidate takes over.

import { EventEmitter } from 'node:events';
import { NoNodeError, OperationTimeoutError, SessionExpiredError, type Client } from '../index.js';
import { Lock } from './lock.js';
import { bySequence, within, type WaitOptions } from './support.js';

const PREFIX = 'candidate-';

/** The id the current leader of dir gave, or undefined when there is none. */
export async function currentLeader(zk: Client, dir: string): Promise<string | undefined> {
  for (;;) {
    let children: string[];
    try {
      children = bySequence((await zk.getChildren(dir)).filter((c) => c.includes(PREFIX)));
    } catch (err) {
      if (err instanceof NoNodeError) return undefined;
      throw err;
    }
    if (children.length === 0) return undefined;
    try {
      return Buffer.from((await zk.getData(`${dir}/${children[0]}`)).data).toString();
    } catch (err) {
      if (!(err instanceof NoNodeError)) throw err; // that leader just left: look again
    }
  }
}

export class LeaderLatch extends EventEmitter<{ leader: []; notLeader: [] }> {
  private readonly lock: Lock;
  private waiting?: Promise<boolean>;
  private readonly onState = (s: string) => {
    if (s === 'expired' && this.lock.held) this.emit('notLeader');
  };

  constructor(private readonly zk: Client, readonly dir: string, readonly id: string) {
    super();
    this.lock = new Lock(zk, dir, { prefix: PREFIX, data: id });
  }

  get hasLeadership(): boolean {
    return this.lock.held;
  }

  /** Joins the candidates; 'leader' is emitted when this one leads. */
  start(): void {
    if (this.waiting) return;
    this.zk.on('state', this.onState);
    this.waiting = this.lock.acquire().then((won) => {
      if (won) this.emit('leader');
      return won;
    });
    this.waiting.catch(() => undefined);
  }

  /** Resolves once this candidate leads; false if opts.timeout passed first. */
  async await(opts: WaitOptions = {}): Promise<boolean> {
    const waiting = this.waiting;
    if (!waiting) throw new Error('start() the latch first');
    if (this.lock.held) return true;
    return within(opts, false, (signal) => new Promise<boolean>((resolve, reject) => {
      signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
      waiting.then(resolve, reject);
    }));
  }

  /** Leaves the candidates (and leadership, if held). */
  async close(): Promise<void> {
    this.zk.off('state', this.onState);
    const wasLeader = this.lock.held;
    await this.lock.release();
    if (wasLeader) this.emit('notLeader');
  }
}

export class LeaderElection {
  constructor(private readonly zk: Client, readonly dir: string, readonly id: string) {}

  /**
   * Waits to lead, runs work, then hands leadership to the next candidate. work's signal
   * aborts if the session ends meanwhile: from then on another candidate may lead.
   */
  async lead<T>(work: (signal: AbortSignal) => Promise<T>, opts: WaitOptions = {}): Promise<T> {
    const lock = new Lock(this.zk, this.dir, { prefix: PREFIX, data: this.id });
    if (!(await lock.acquire(opts))) throw new OperationTimeoutError(`did not become leader of ${this.dir} within ${opts.timeout} ms`);
    const lost = new AbortController();
    const onState = (s: string) => {
      if (s === 'expired') lost.abort(new SessionExpiredError(`leadership of ${this.dir} lost with the session`));
    };
    this.zk.on('state', onState);
    try {
      return await work(lost.signal);
    } finally {
      this.zk.off('state', onState);
      await lock.release();
    }
  }
}
