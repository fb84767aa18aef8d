// The contract between a session actor and a front-end in its own process (the ZooKeeper
// gateway): sessions opened and resumed as over NATS, requests in the same per-session queue,
// events to a sink instead of an inbox.

import type { AddAuthOp, ClientOp, RemovableWatch, WatchEvent, WatchSet } from '../../transport/ops.js';

/** What admin commands and metrics show of a session actor. */
export interface SessionActorStats {
  sessions: number;
  outstanding: number;
  lastApplied: number;
  watches: { watches: number; paths: number; sessions: number };
}

/** Where a session held for an in-process front-end (the ZooKeeper gateway) hears what NATS clients hear on their inbox. */
export interface LocalSink {
  events(events: WatchEvent[]): void;
  /** expired: the session is gone; moving: this actor is draining; moved: another actor took the session over */
  state(state: 'expired' | 'moving' | 'moved'): void;
}

/** What an in-process front-end may ask of a session, beside the public API's ops. */
export type LocalRequest =
  | ClientOp
  | { op: 'ping' }
  | { op: 'close' }
  /** ZooKeeper's setWatches: re-register watches, firing at once what changed since relativeZxid */
  | { op: 'setWatches'; watches: WatchSet; relativeZxid: number }
  /** ZooKeeper's checkWatches: NOWATCHER unless the session holds a watch of one of these types */
  | { op: 'checkWatches'; path: string; types: RemovableWatch[] }
  /** ZooKeeper's auth packet, in the session's order: AUTHFAILED for a scheme other than digest */
  | AddAuthOp;

export interface LocalSessionInfo { sessionId: number; secret: string; timeout: number; zxid: number }

/**
 * The session actor's core, for a front-end in the same process: sessions opened and resumed
 * as over NATS, requests answered in order through the same queue, events to a sink instead
 * of an inbox. Replies are the public API's bodies (errors as { error, code }).
 */
export interface LocalFrontEnd {
  readonly actorId: string;
  readonly lastZxid: number;
  localOpen(timeoutMs: number, sink: LocalSink): Promise<LocalSessionInfo>;
  localResume(sessionId: number, secret: string, lastZxid: number, sink: LocalSink): Promise<LocalSessionInfo>;
  localRequest(sessionId: number, secret: string, request: LocalRequest, deliver: (body: object) => void): void;
  /** The front-end's connection went away: this actor lets go of the session, which lives until its timeout, as in ZooKeeper. */
  localDetach(sessionId: number, sink: LocalSink): void;
  /** The address the session's client connects from, for the ip scheme of ACLs. */
  setAddress(sessionId: number, address: string | undefined): void;
  /** The range a requested session timeout is clamped to. */
  readonly timeoutRange: { min: number; max: number };
  stats(): SessionActorStats;
}

/** One held session, as ZooKeeper's cons lists a connection. */
export interface SessionConnection {
  sessionId: number;
  timeoutMs: number;
  queued: number;
  received: number;
  sent: number;
  lastHeard: number;
}
