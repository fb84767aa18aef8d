// Fast Leader Election as a pure state machine. Votes are ordered by (epoch, zxid, sid);
// a server decides once a quorum of the current round agrees with its vote and nothing
// better has arrived for one tick. NATS may drop any notification, so a looking server
// re-broadcasts every tick, and a server that has decided answers every looking peer with
// the leader it follows, so a server that joins late follows that leader instead of
// starting an election of its own.

export interface Vote {
  /** the proposed leader */
  leader: number;
  /** the proposed leader's currentEpoch */
  epoch: number;
  /** the proposed leader's last logged zxid */
  zxid: number;
}

export type PeerState = 'looking' | 'following' | 'leading';

export interface Notification {
  from: number;
  round: number;
  state: PeerState;
  vote: Vote;
}

export type ElectionInput =
  /**
   * (Re)start looking, with this server's durable position. `now` floors the new round, so
   * a restarted server does not reuse the round numbers of its previous life (whose stale
   * notifications its peers may still repeat).
   */
  | { kind: 'look'; epoch: number; zxid: number; now?: number }
  | { kind: 'notification'; n: Notification }
  | { kind: 'tick' };

export type ElectionOutput =
  | { kind: 'broadcast'; n: Notification }
  | { kind: 'decided'; state: 'following' | 'leading'; vote: Vote; round: number };

/** (epoch, zxid, sid), compared in that order. */
export function betterVote(a: Vote, b: Vote): boolean {
  if (a.epoch !== b.epoch) return a.epoch > b.epoch;
  if (a.zxid !== b.zxid) return a.zxid > b.zxid;
  return a.leader > b.leader;
}

function sameVote(a: Vote, b: Vote): boolean {
  return a.leader === b.leader && a.epoch === b.epoch && a.zxid === b.zxid;
}

export class Election {
  state: PeerState = 'following';
  round = 0;
  vote: Vote;
  /** Votes of the current round from looking peers (this server's own included). */
  private readonly received = new Map<number, Vote>();
  /** What servers that already decided told us: whom they follow or that they lead. */
  private readonly decided = new Map<number, { vote: Vote; state: PeerState; round: number }>();
  /** Set when a quorum agrees; cleared when a better vote arrives; decides on the next tick. */
  private agreedAt?: Vote;
  /** This server's own candidacy in the current election. */
  private own: Vote;
  private readonly quorum: number;

  constructor(private readonly selfId: number, private readonly voters: readonly number[]) {
    this.quorum = Math.floor(voters.length / 2) + 1;
    this.own = { leader: selfId, epoch: 0, zxid: 0 };
    this.vote = { ...this.own };
  }

  step(input: ElectionInput): ElectionOutput[] {
    switch (input.kind) {
      case 'look': return this.look(input.epoch, input.zxid, input.now ?? 0);
      case 'notification': return this.onNotification(input.n);
      case 'tick': return this.onTick();
    }
  }

  private notification(): Notification {
    return { from: this.selfId, round: this.round, state: this.state, vote: { ...this.vote } };
  }

  private look(epoch: number, zxid: number, now: number): ElectionOutput[] {
    this.state = 'looking';
    this.round = Math.max(this.round + 1, now);
    this.own = { leader: this.selfId, epoch, zxid };
    this.vote = { ...this.own };
    this.received.clear();
    this.decided.clear();
    this.agreedAt = undefined;
    this.received.set(this.selfId, this.vote);
    return [{ kind: 'broadcast', n: this.notification() }, ...this.check()];
  }

  private onNotification(n: Notification): ElectionOutput[] {
    if (!this.voters.includes(n.from) || n.from === this.selfId) return [];
    if (this.state !== 'looking') {
      // Tell a looking peer whom we follow, so it joins instead of electing.
      return n.state === 'looking' ? [{ kind: 'broadcast', n: this.notification() }] : [];
    }
    const out: ElectionOutput[] = [];
    if (n.state === 'looking') {
      if (n.round > this.round) {
        this.round = n.round;
        this.received.clear();
        this.agreedAt = undefined;
        this.vote = betterVote(n.vote, this.own) ? { ...n.vote } : { ...this.own };
        this.received.set(this.selfId, this.vote);
        out.push({ kind: 'broadcast', n: this.notification() });
      } else if (n.round < this.round) {
        // A straggler: our newer round pulls it forward.
        return [{ kind: 'broadcast', n: this.notification() }];
      } else if (betterVote(n.vote, this.vote)) {
        this.vote = { ...n.vote };
        this.received.set(this.selfId, this.vote);
        this.agreedAt = undefined;
        out.push({ kind: 'broadcast', n: this.notification() });
      }
      this.received.set(n.from, { ...n.vote });
    } else {
      this.decided.set(n.from, { vote: { ...n.vote }, state: n.state, round: n.round });
    }
    return [...out, ...this.check()];
  }

  private onTick(): ElectionOutput[] {
    if (this.state !== 'looking') return [];
    if (this.agreedAt && sameVote(this.agreedAt, this.vote)) return this.decide(this.vote, this.round);
    return [{ kind: 'broadcast', n: this.notification() }];
  }

  private check(): ElectionOutput[] {
    // An established leader: a quorum (with us) follows or is it, and it says it leads.
    const followers = new Map<number, number[]>();
    for (const [id, d] of this.decided) {
      // Peers that decided for us count only if they did so in our current round: else two
      // servers could keep electing each other on the strength of each other's old word.
      if (d.vote.leader === this.selfId && d.round !== this.round) continue;
      followers.set(d.vote.leader, [...(followers.get(d.vote.leader) ?? []), id]);
    }
    for (const [leader, ids] of followers) {
      const backers = new Set([...ids, this.selfId]);
      if (backers.size < this.quorum) continue;
      if (leader === this.selfId) return this.decide(this.own, this.round);
      // Otherwise the leader itself must say it leads.
      const leaderSays = this.decided.get(leader);
      if (leaderSays?.state === 'leading') return this.decide(leaderSays.vote, leaderSays.round);
    }
    let agreeing = 0;
    for (const v of this.received.values()) if (sameVote(v, this.vote)) agreeing++;
    if (agreeing >= this.quorum && !this.agreedAt) this.agreedAt = { ...this.vote };
    return [];
  }

  private decide(vote: Vote, round: number): ElectionOutput[] {
    this.vote = { ...vote };
    this.round = Math.max(this.round, round);
    this.state = vote.leader === this.selfId ? 'leading' : 'following';
    this.agreedAt = undefined;
    return [{ kind: 'decided', state: this.state, vote: { ...this.vote }, round: this.round }, { kind: 'broadcast', n: this.notification() }];
  }
}
