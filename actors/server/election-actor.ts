// The election actor in a process of its own (`natszk server --actor election`). It shares
// the server's LMDB environment with the role actors but never writes to it: it reads the
// durable position it votes with, publishes each decision to the role actors, repeats it every
// peer tick (so a restarted role actor learns it), and looks again when a role reports its end.
// The server takes part in elections only while its proposer actor is alive: a server that
// could be elected but cannot lead would stall the ensemble, so without one it stays silent,
// as if it were down.

import type { ServerStore } from '../../storage/lmdb-store.js';
import type { Bus, Subscription } from '../../transport/bus.js';
import type { ServerActorMessage, ServerStatus } from '../../transport/messages.js';
import type { Subjects } from '../../transport/subjects.js';
import type { Clock } from '../clock.js';
import { ElectionShell } from '../election/shell.js';
import type { Progress } from './restore.js';
import { ActorLink } from './actor-link.js';
import { respond } from './server-core.js';

type Decision = Extract<ServerActorMessage, { type: 'decision' }>;

export interface ElectionActorOptions {
  serverId: number;
  voters: number[];
  bus: Bus;
  subjects: Subjects;
  peerTickMs: number;
  /** Peer ticks without a word from the proposer actor before this server stops taking part. */
  syncLimitTicks: number;
  log: Progress;
  clock: Clock;
}

export class ElectionActor {
  private readonly election: ElectionShell;
  private readonly subs: Subscription[] = [];
  private cancelTick?: () => void;
  private decision: Decision = { type: 'decision', decidedAt: 0, state: 'looking', leader: 0 };
  private participating = false;
  /** when each role actor last said it was alive, and when it last said it ran the current decision */
  private readonly heard = new Map<string, { at: number; activeFor: number }>();

  private readonly link: ActorLink;

  constructor(private readonly opts: ElectionActorOptions, private readonly store: ServerStore) {
    this.link = new ActorLink(opts.bus, opts.subjects, opts.serverId);
    this.election = new ElectionShell(opts.bus, opts.subjects, opts.serverId, opts.voters, opts.peerTickMs, opts.clock, (state, vote) => {
      opts.log(`elected ${vote.leader} (epoch ${vote.epoch}, zxid 0x${vote.zxid.toString(16)})`);
      this.decide(state, vote.leader);
    });
  }

  start(): void {
    const { bus, subjects, clock, peerTickMs } = this.opts;
    this.subs.push(this.link.listen((msg) => this.onActorMessage(msg)));
    this.subs.push(bus.subscribe(subjects.status, (m) => {
      if (!this.roleAnswersStatus()) respond(bus, m.reply, () => this.status());
    }));
    this.cancelTick = clock.every(peerTickMs, () => this.tick());
  }

  private onActorMessage(msg: ServerActorMessage): void {
    const now = this.opts.clock.now();
    if (msg.type === 'alive') {
      this.heard.set(msg.actor, { at: now, activeFor: msg.active ? msg.decision : -1 });
      if (msg.actor === 'proposer' && !this.participating) this.join();
    } else if (msg.type === 'lost' && msg.decision === this.decision.decidedAt && this.participating) {
      this.look(msg.reason);
    }
  }

  private alive(actor: 'proposer' | 'follower'): boolean {
    const h = this.heard.get(actor);
    return h !== undefined && this.opts.clock.now() - h.at <= this.opts.syncLimitTicks * this.opts.peerTickMs;
  }

  private tick(): void {
    if (this.participating && !this.alive('proposer')) {
      this.opts.log('the proposer actor is silent: this server stops taking part in elections until it is back');
      this.participating = false;
      this.election.stop();
      this.decide('looking', 0);
    }
    this.publish();
  }

  private join(): void {
    this.participating = true;
    this.election.start();
    this.look('the proposer actor is alive');
  }

  private look(reason: string): void {
    this.opts.log(`looking for a leader (${reason})`);
    this.decide('looking', 0);
    this.store.reload();
    this.election.look(this.store.currentEpoch, this.store.lastLoggedZxid());
  }

  private decide(state: Decision['state'], leader: number): void {
    const decidedAt = Math.max(this.opts.clock.now(), this.decision.decidedAt + 1);
    this.decision = { type: 'decision', decidedAt, state, leader };
    this.publish();
  }

  private publish(): void {
    this.link.tell(this.decision);
  }

  /** A role actor that runs a role answers for the server; this one only when none does. */
  private roleAnswersStatus(): boolean {
    return (['proposer', 'follower'] as const).some((a) => this.alive(a) && this.heard.get(a)!.activeFor !== -1);
  }

  private status(): ServerStatus {
    this.store.reload();
    return {
      serverId: this.opts.serverId,
      role: 'looking',
      epoch: this.store.currentEpoch,
      lastLoggedZxid: this.store.lastLoggedZxid(),
      lastCommittedZxid: this.store.lastCommittedZxid,
      leader: null,
    };
  }

  stop(): void {
    this.cancelTick?.();
    this.election.stop();
    for (const s of this.subs) s.unsubscribe();
  }
}
