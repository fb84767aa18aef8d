// Every NATS subject natszk uses is built here and nowhere else. Paths never appear in a
// subject (they hold dots and any character); they travel in payloads.

export const DEFAULT_ENSEMBLE = 'default';

/** Queue group shared by all session actors for the public entry points. */
export const SESSION_QUEUE = 'natszk-session';
/** Queue group shared by all voting servers for catch-up reads any of them can serve. */
export const SERVER_QUEUE = 'natszk-server';

export function validEnsembleName(name: string): boolean {
  return /^[A-Za-z0-9_-]{1,64}$/.test(name);
}

export class Subjects {
  readonly prefix: string;

  constructor(ensemble = DEFAULT_ENSEMBLE, prefix?: string) {
    if (!validEnsembleName(ensemble)) throw new Error(`ensemble name '${ensemble}' must be 1-64 of [A-Za-z0-9_-]`);
    this.prefix = prefix ?? `natszk.${ensemble}`;
  }

  // --- public API (clients) ---
  /** Sessionless one-shot requests; any session actor answers. */
  get api(): string { return `${this.prefix}.api`; }
  /** Opening a session; NATS balances it over the session actors' queue group. */
  get sessionOpen(): string { return `${this.prefix}.session.open`; }
  /** Requests of a session held by one session actor. */
  sessionActor(actorId: string): string { return `${this.prefix}.session.${actorId}`; }

  /**
   * A session actor that took over a session says so; the one that held it lets go. Outside
   * `session.>`, which clients may publish to, so a client cannot forge it.
   */
  get sessionMoved(): string { return `${this.prefix}.actor.session.moved`; }

  // --- session actors -> leader ---
  /** Batches of writes (and sync barriers); only the serving leader's proposer subscribes. */
  get proposerWrite(): string { return `${this.prefix}.proposer.write`; }
  /** Batched session touches, so the leader knows which sessions are alive. */
  get proposerTouch(): string { return `${this.prefix}.proposer.touch`; }

  // --- leader -> session actors ---
  /** The stream of committed transactions that replicas follow. */
  get committed(): string { return `${this.prefix}.committed`; }

  // --- any voting server ---
  /** Committed log entries after a zxid, for a replica that missed some (queue group). */
  get logFetch(): string { return `${this.prefix}.log.fetch`; }
  /** Which snapshot a new replica should load (queue group); the answer names the server. */
  get snapshotInfo(): string { return `${this.prefix}.snapshot.info`; }
  /** One chunk of a snapshot held by one server. */
  snapshotChunk(serverId: number): string { return `${this.prefix}.server.${serverId}.snapshot`; }
  // --- voting servers only (NATS permissions keep clients out) ---
  /** Election notifications, to every voting server. */
  get peerVotes(): string { return `${this.prefix}.peer.vote`; }
  /**
   * Directed peer messages to one voting server: discovery, the sync stream and, after it,
   * the leader's proposals, commits and pings. One subject per follower keeps the sync stream
   * and the broadcast in one FIFO order; every message carries the epoch, so a deposed
   * leader's traffic is ignored.
   */
  peerServer(serverId: number): string { return `${this.prefix}.peer.server.${serverId}`; }

  /**
   * Between the actors of one voting server when each runs in its own process: the election
   * actor's decisions, the role actors' liveness, and a role's end.
   */
  serverActors(serverId: number): string { return `${this.prefix}.server.${serverId}.actors`; }

  /** ZooKeeper's four-letter words (ruok, srvr, mntr, ...): every natszk process answers. */
  get admin(): string { return `${this.prefix}.admin`; }

  /** Status of every voting server (each answers; collect replies). */
  get status(): string { return `${this.prefix}.status`; }
}
