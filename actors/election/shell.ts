// The election actor's shell: notifications over NATS, a timer for re-sends, and a callback
// for each decision. It keeps answering looking peers after it decided, so late servers learn
// the leader from it.

import type { Bus, Subscription } from '../../transport/bus.js';
import { decode, encode } from '../../transport/codec.js';
import { parsePeerMessage, type VoteMessage } from '../../transport/messages.js';
import type { Subjects } from '../../transport/subjects.js';
import type { Clock } from '../clock.js';
import { Election, type ElectionOutput, type Vote } from './machine.js';

/**
 * The election's own ticks per peer tick, while it looks (a decided server has nothing to do on
 * a tick): a looking server re-sends its vote, and acts on a quorum's agreement, within a
 * quarter of a peer tick (failover waits on both).
 */
const TICKS_PER_PEER_TICK = 4;

export class ElectionShell {
  private readonly machine: Election;
  private sub?: Subscription;
  private cancelTick?: () => void;

  constructor(
    private readonly bus: Bus,
    private readonly subjects: Subjects,
    selfId: number,
    voters: readonly number[],
    private readonly tickMs: number,
    private readonly clock: Clock,
    private readonly onDecided: (state: 'leading' | 'following', vote: Vote) => void,
  ) {
    this.machine = new Election(selfId, voters);
  }

  start(): void {
    this.sub = this.bus.subscribe(this.subjects.peerVotes, (m) => {
      let msg;
      try {
        msg = parsePeerMessage(decode(m.data));
      } catch {
        return;
      }
      if (msg.type === 'vote') this.perform(this.machine.step({ kind: 'notification', n: msg }));
    });
  }

  /** Starts (or restarts) looking for a leader from this durable position. */
  look(epoch: number, zxid: number): void {
    this.cancelTick ??= this.clock.every(this.tickMs / TICKS_PER_PEER_TICK, () => this.perform(this.machine.step({ kind: 'tick' })));
    this.perform(this.machine.step({ kind: 'look', epoch, zxid, now: this.clock.now() }));
  }

  get state(): string { return this.machine.state; }

  private perform(outputs: ElectionOutput[]): void {
    for (const o of outputs) {
      if (o.kind === 'broadcast') {
        this.bus.publish(this.subjects.peerVotes, encode({ type: 'vote', ...o.n } satisfies VoteMessage));
      } else {
        this.cancelTick?.();
        this.cancelTick = undefined;
        this.onDecided(o.state, o.vote);
      }
    }
  }

  stop(): void {
    this.cancelTick?.();
    this.sub?.unsubscribe();
  }
}
