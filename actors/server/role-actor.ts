// The proposer or the follower-sync actor in a process of its own (`natszk server --actor
// proposer|follower`). It runs its role whenever the election actor's decision calls for it,
// claiming the server's LMDB environment first (which fences off the other role's process, so
// a stale actor can never write over a live one) and catching its tree up to what the other
// process committed. A restarted proposer does not resume a leadership decided before it
// started: its in-flight state died with its previous process, so it asks for a new election.

import type { ServerStore } from '../../storage/lmdb-store.js';
import type { Subscription } from '../../transport/bus.js';
import type { ActorRole, ServerActorMessage } from '../../transport/messages.js';
import { ActorLink } from './actor-link.js';
import { restoreTree } from './restore.js';
import { ServerCore, type ServerCoreOptions } from './server-core.js';

type Decision = Extract<ServerActorMessage, { type: 'decision' }>;

export class RoleActor {
  private readonly core: ServerCore;
  private readonly subs: Subscription[] = [];
  private cancelTick?: () => void;
  /** the decision whose role runs here */
  private runningFor?: Decision;
  private readonly startedAt: number;
  /** role changes happen one at a time, in the order decisions arrive */
  private changing: Promise<void> = Promise.resolve();
  private stopped = false;
  private readonly link: ActorLink;

  constructor(private readonly opts: ServerCoreOptions, private readonly actor: ActorRole, private readonly store: ServerStore) {
    this.core = new ServerCore(opts, store, restoreTree(store, store.lastCommittedZxid, opts.log));
    this.startedAt = opts.clock.now();
    this.link = new ActorLink(opts.bus, opts.subjects, opts.serverId);
  }

  start(): void {
    const { clock, peerTickMs } = this.opts;
    this.subs.push(this.link.listen((msg) => {
      if (msg.type === 'decision') this.changing = this.changing.then(() => this.onDecision(msg)).catch((err) => this.opts.log(`role change failed: ${(err as Error).message}`));
    }));
    this.core.serveReads(() => this.runningFor !== undefined);
    this.cancelTick = clock.every(peerTickMs, () => this.send({ type: 'alive', actor: this.actor, active: this.runningFor !== undefined, decision: this.runningFor?.decidedAt ?? 0 }));
  }

  private async onDecision(d: Decision): Promise<void> {
    if (this.stopped) return;
    const wanted = d.state === 'leading' ? 'proposer' : d.state === 'following' ? 'follower' : undefined;
    const current = this.runningFor;
    if (wanted !== this.actor) {
      if (current) this.end();
      return;
    }
    if (current?.decidedAt === d.decidedAt) return;
    // The election actor restarted and reached the same decision: the role goes on.
    if (current && current.state === d.state && current.leader === d.leader) {
      this.runningFor = d;
      return;
    }
    if (d.state === 'leading' && d.decidedAt < this.startedAt) {
      this.send({ type: 'lost', decision: d.decidedAt, reason: 'the proposer actor restarted; its leadership ended with its previous process' });
      return;
    }
    if (current) this.end();
    await this.store.claim(`${this.actor} of server ${this.opts.serverId} (pid ${process.pid}, decision ${d.decidedAt})`);
    this.core.catchUp();
    if (!this.store.latestSnapshot()) await this.core.takeSnapshot();
    this.runningFor = d;
    this.core.startRole(d.state as 'leading' | 'following', d.leader, (reason) => setImmediate(() => {
      if (this.runningFor?.decidedAt !== d.decidedAt) return;
      this.end();
      this.send({ type: 'lost', decision: d.decidedAt, reason });
    }));
  }

  private end(): void {
    this.core.stopRole();
    this.runningFor = undefined;
  }

  private send(msg: ServerActorMessage): void {
    this.link.tell(msg);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelTick?.();
    for (const s of this.subs) s.unsubscribe();
    await this.changing;
    await this.core.stop();
  }
}
