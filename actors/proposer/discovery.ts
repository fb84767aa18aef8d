// The prospective leader's side of Zab discovery and synchronization, as a pure machine.
// A quorum (the leader included) reports its acceptedEpoch; the new epoch is one past the
// largest, persisted by the leader before anyone hears it. Each follower that acknowledges
// the epoch is synchronized (the shell streams DIFF/TRUNC/SNAP and NEWLEADER); the leader is
// established once a quorum has acknowledged NEWLEADER. Followers that come later go
// through the same steps and join the broadcast when they acknowledge NEWLEADER.

import type { LeaderMessage } from '../../transport/messages.js';

export type DiscoveryInput =
  | { kind: 'followerInfo'; from: number; acceptedEpoch: number; lastZxid: number }
  | { kind: 'acceptedEpochPersisted'; epoch: number }
  | { kind: 'ackEpoch'; from: number; epoch: number; currentEpoch: number; lastZxid: number }
  | { kind: 'currentEpochPersisted'; epoch: number }
  | { kind: 'ackNewLeader'; from: number; epoch: number }
  | { kind: 'tick' };

export type DiscoveryOutput =
  | { kind: 'persistAcceptedEpoch'; epoch: number }
  | { kind: 'persistCurrentEpoch'; epoch: number }
  | { kind: 'send'; to: number; msg: LeaderMessage }
  /** stream the follower to the leader's history, then NEWLEADER */
  | { kind: 'sync'; to: number; followerLastZxid: number }
  /** a quorum holds the history: serve, and tell these followers UPTODATE */
  | { kind: 'established'; epoch: number; followers: number[] }
  /** a follower synced after establishment: UPTODATE it and include it in the broadcast */
  | { kind: 'joined'; follower: number }
  | { kind: 'giveUp'; reason: string };

export interface DiscoveryConfig {
  selfId: number;
  voters: readonly number[];
  acceptedEpoch: number;
  currentEpoch: number;
  lastZxid: number;
  /** ticks allowed from election to establishment (initLimit) */
  initLimitTicks: number;
}

export class Discovery {
  epoch = 0;
  private epochDurable = false;
  established = false;
  private readonly quorum: number;
  private readonly infos = new Map<number, number>();
  private readonly ackedEpoch = new Set<number>();
  private readonly ackedNewLeader = new Set<number>();
  private ticks = 0;
  private done = false;
  private currentEpochRequested = false;

  constructor(private readonly config: DiscoveryConfig) {
    this.quorum = Math.floor(config.voters.length / 2) + 1;
    this.infos.set(config.selfId, config.acceptedEpoch);
  }

  /** The first outputs: a lone voter is its own quorum. */
  start(): DiscoveryOutput[] {
    return this.chooseEpoch();
  }

  step(input: DiscoveryInput): DiscoveryOutput[] {
    if (this.done) return [];
    switch (input.kind) {
      case 'followerInfo': return this.onFollowerInfo(input.from, input.acceptedEpoch);
      case 'acceptedEpochPersisted': return this.onEpochPersisted(input.epoch);
      case 'ackEpoch': return this.onAckEpoch(input);
      case 'currentEpochPersisted':
        if (input.epoch !== this.epoch) return [];
        this.ackedNewLeader.add(this.config.selfId);
        return this.checkEstablished();
      case 'ackNewLeader': return this.onAckNewLeader(input.from, input.epoch);
      case 'tick':
        if (!this.established && ++this.ticks > this.config.initLimitTicks) {
          return this.giveUp(`no quorum of followers within ${this.config.initLimitTicks} ticks`);
        }
        return [];
    }
  }

  private giveUp(reason: string): DiscoveryOutput[] {
    this.done = true;
    return [{ kind: 'giveUp', reason }];
  }

  private onFollowerInfo(from: number, acceptedEpoch: number): DiscoveryOutput[] {
    if (!this.config.voters.includes(from) || from === this.config.selfId) return [];
    // A follower that comes back is a new joiner: forget how far it got before (its
    // acknowledgement still counted toward the quorum that made the epoch current).
    this.ackedEpoch.delete(from);
    this.ackedNewLeader.delete(from);
    this.infos.set(from, acceptedEpoch);
    if (this.epochDurable) return [{ kind: 'send', to: from, msg: { type: 'newEpoch', epoch: this.epoch } }];
    return this.chooseEpoch();
  }

  private chooseEpoch(): DiscoveryOutput[] {
    if (this.epoch !== 0 || this.infos.size < this.quorum) return [];
    this.epoch = Math.max(...this.infos.values(), this.config.currentEpoch) + 1;
    return [{ kind: 'persistAcceptedEpoch', epoch: this.epoch }];
  }

  private onEpochPersisted(epoch: number): DiscoveryOutput[] {
    if (epoch !== this.epoch || this.epochDurable) return [];
    this.epochDurable = true;
    const out: DiscoveryOutput[] = [];
    for (const id of this.infos.keys()) if (id !== this.config.selfId) out.push({ kind: 'send', to: id, msg: { type: 'newEpoch', epoch } });
    this.ackedEpoch.add(this.config.selfId);
    return [...out, ...this.maybePersistCurrentEpoch()];
  }

  /**
   * The leader takes the new epoch as its currentEpoch only once a quorum has acknowledged it
   * and none of them had a newer history: a leader that persisted it sooner and then lost
   * would look newer than servers holding committed transactions it lacks, win the next
   * election, and wipe them out with its SNAP (the simulator found exactly this).
   */
  private maybePersistCurrentEpoch(): DiscoveryOutput[] {
    if (this.currentEpochRequested || this.ackedEpoch.size < this.quorum) return [];
    this.currentEpochRequested = true;
    return [{ kind: 'persistCurrentEpoch', epoch: this.epoch }];
  }

  private onAckEpoch(a: Extract<DiscoveryInput, { kind: 'ackEpoch' }>): DiscoveryOutput[] {
    if (a.epoch !== this.epoch || !this.infos.has(a.from) || this.ackedEpoch.has(a.from)) return [];
    const { currentEpoch, lastZxid } = this.config;
    // Election picked us over this follower; if its history is newer, that was wrong: re-elect.
    // (Once established, the leader holds every committed transaction: a late joiner cannot be newer.)
    if (!this.established && (a.currentEpoch > currentEpoch || (a.currentEpoch === currentEpoch && a.lastZxid > lastZxid))) {
      return this.giveUp(`follower ${a.from} has a newer history (epoch ${a.currentEpoch}, zxid 0x${a.lastZxid.toString(16)})`);
    }
    this.ackedEpoch.add(a.from);
    return [{ kind: 'sync', to: a.from, followerLastZxid: a.lastZxid }, ...this.maybePersistCurrentEpoch()];
  }

  private onAckNewLeader(from: number, epoch: number): DiscoveryOutput[] {
    if (epoch !== this.epoch || !this.ackedEpoch.has(from) || this.ackedNewLeader.has(from)) return [];
    this.ackedNewLeader.add(from);
    if (this.established) return [{ kind: 'joined', follower: from }];
    return this.checkEstablished();
  }

  private checkEstablished(): DiscoveryOutput[] {
    if (this.established || this.ackedNewLeader.size < this.quorum || !this.ackedNewLeader.has(this.config.selfId)) return [];
    this.established = true;
    return [{ kind: 'established', epoch: this.epoch, followers: [...this.ackedNewLeader].filter((id) => id !== this.config.selfId) }];
  }
}
