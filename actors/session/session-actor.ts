// The session actor: holds client sessions, serves reads from its replica, forwards writes
// to the leader, answers each session's requests strictly in the order they came, and keeps
// its sessions' watches, firing them as the replica applies what was committed. A session
// opened on one actor can be resumed on any other: its secret's hash is replicated with it.

import { createHash, randomBytes } from 'node:crypto';
import { authenticate, isValidAddress, normalizeAddress, type Identity } from '../../storage/acl.js';
import { errorName, ZkError } from '../../storage/errors.js';
import type { Txn, TxnResult } from '../../storage/txn.js';
import type { Bus, BusMessage, Subscription } from '../../transport/bus.js';
import { decode, encode } from '../../transport/codec.js';
import {
  decodeBody, encodeBody, errorReply, isErrorReply, parseClientOp, parseSessionBatch, parseSessionFields, parseSessionMoved, parseSessionOpen, parseSessionRequest,
  type ErrorReply, type Format, type Limits, type SessionOpenRequest, type WriteOutcome,
} from '../../transport/messages.js';
import { isSessionActorOp, type ClientOp, type LeaderOp, type ReadOp, type WatchEvent, type WatchOp } from '../../transport/ops.js';
import { SESSION_QUEUE, type Subjects } from '../../transport/subjects.js';
import { Replica } from './replica.js';
import { WriteForwarder } from './forwarder.js';
import { BatchReplies } from './batch-replies.js';
import { readReply, writeReply } from './replies.js';
import { WatchRegistry } from './watches.js';
import type { LocalFrontEnd, LocalRequest, LocalSessionInfo, LocalSink, SessionActorStats, SessionConnection } from './local-front-end.js';

export interface SessionActorOptions {
  bus: Bus;
  subjects: Subjects;
  limits: Limits;
  tickMs: number;
  /** How long a write may wait for the leader before the client hears CONNECTIONLOSS. */
  requestTimeoutMs: number;
  log: (message: string) => void;
  actorId?: string;
  /** told of every answered request: its op and how long it took (for metrics) */
  onServed?: (op: string, seconds: number) => void;
  /**
   * false: do not join the queue groups where NATS clients open sessions and send sessionless
   * requests (a gateway, whose sessions come in over TCP through the local front-end).
   */
  natsEntryPoints?: boolean;
  /** "user:base64(sha1(user:password))": a session that authenticates as it passes every ACL (ZooKeeper's superDigest) */
  superDigest?: string;
}

interface QueuedRequest {
  op: string;
  at: number;
  isRead: boolean;
  /** its answer, or a promise of it when it waits for the leader */
  run: () => object | Promise<object>;
  /** where its answer goes: a NATS reply subject, a batch's answers, the local front-end */
  reply: (body: object) => void;
  started: boolean;
  result?: object;
}

/** What a session's queue holds: a request, or a batch's malformed one, answered with its error in its place. */
type QueuedOp = LocalRequest | { op: 'refused'; error: ErrorReply };

interface LocalSession {
  secret: string;
  timeoutMs: number;
  /** When its client was last heard from: only such sessions are vouched for to the leader. */
  lastHeard: number;
  /** Requests not yet answered, in the order they came. */
  queue: QueuedRequest[];
  /** the client's inbox for watch events and session states */
  events?: string;
  /** or, for a session of the local front-end, where they go instead */
  sink?: LocalSink;
  /** its client asked to close it: the close is not an expiry to report */
  closing: boolean;
  received: number;
  sent: number;
  /** what addAuth gave it, for ACL checks here and on the leader; they belong to this actor's hold of it */
  identities?: Identity[];
  /** the client's network address, when the front-end knows it (a gateway): the ip scheme matches it */
  address?: string;
}

const RESUME_WAIT_MS = 5000;
const MAX_IDENTITIES = 32;

function secretHash(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export class SessionActor implements LocalFrontEnd {
  readonly actorId: string;
  private readonly replica: Replica;
  private readonly forwarder: WriteForwarder;
  private readonly sessions = new Map<number, LocalSession>();
  private readonly watches = new WatchRegistry();
  /** Sessions another actor took over (bounded: only to answer a stale request SESSIONMOVED). */
  private readonly movedAway = new Set<number>();
  private readonly subs: Subscription[] = [];
  /** the queue-group entry points (sessionless API, session open), which a draining actor leaves */
  private readonly entryPoints: Subscription[] = [];
  private readonly signal = { stopped: false };
  private toucher?: NodeJS.Timeout;
  private lastTouchRound = 0;

  private constructor(private readonly opts: SessionActorOptions) {
    this.actorId = opts.actorId ?? randomBytes(6).toString('hex');
    this.replica = new Replica(opts.bus, opts.subjects, opts.log);
    this.forwarder = new WriteForwarder(opts.bus, opts.subjects, opts.requestTimeoutMs, () => this.replica.leaderEpoch);
  }

  static async start(opts: SessionActorOptions): Promise<SessionActor> {
    const actor = new SessionActor(opts);
    const { bus, subjects } = opts;
    // Follow the stream before loading the snapshot, so nothing between the two is missed.
    actor.subs.push(bus.subscribe(subjects.committed, (m) => actor.replica.onCommitted(m.data)));
    await actor.replica.bootstrap(actor.signal);
    if (opts.natsEntryPoints !== false) {
      actor.entryPoints.push(bus.subscribe(subjects.api, (m) => actor.onApi(m), { queue: SESSION_QUEUE }));
      actor.entryPoints.push(bus.subscribe(subjects.sessionOpen, (m) => actor.onOpen(m), { queue: SESSION_QUEUE }));
    }
    actor.subs.push(bus.subscribe(subjects.sessionActor(actor.actorId), (m) => actor.onSessionRequest(m)));
    actor.subs.push(bus.subscribe(subjects.sessionMoved, (m) => actor.onSessionMoved(m.data)));
    actor.replica.onApply((entry, result) => actor.onApplied(entry.txn, result, entry.zxid));
    actor.toucher = setInterval(() => actor.sendTouches(), Math.max(50, Math.floor(opts.tickMs / 2)));
    opts.log(`session actor ${actor.actorId} serving at 0x${actor.replica.lastApplied.toString(16)}`);
    return actor;
  }

  get sessionCount(): number { return this.sessions.size; }

  /** What admin commands and metrics show of this actor. */
  stats(): SessionActorStats {
    let outstanding = 0;
    for (const s of this.sessions.values()) outstanding += s.queue.length;
    return { sessions: this.sessions.size, outstanding, lastApplied: this.replica.lastApplied, watches: this.watches.summary() };
  }

  connections(): SessionConnection[] {
    return [...this.sessions].map(([sessionId, s]) => ({ sessionId, timeoutMs: s.timeoutMs, queued: s.queue.length, received: s.received, sent: s.sent, lastHeard: s.lastHeard }));
  }

  /** Sessionless one-shot requests. */
  private onApi(msg: BusMessage): void {
    if (!msg.reply) return;
    const reply = msg.reply;
    let format: Format = 'msgpack';
    let op: ClientOp;
    try {
      const decoded = decodeBody(msg.data);
      format = decoded.format;
      op = parseClientOp(decoded.body, this.opts.limits);
    } catch (err) {
      this.send(reply, format, errorReply(err));
      return;
    }
    void Promise.resolve(this.execute(0, op)).then((body) => this.send(reply, format, body));
  }

  private onOpen(msg: BusMessage): void {
    if (!msg.reply) return;
    const reply = msg.reply;
    let format: Format = 'msgpack';
    let req: SessionOpenRequest;
    try {
      const decoded = decodeBody(msg.data);
      format = decoded.format;
      req = parseSessionOpen(decoded.body);
    } catch (err) {
      this.send(reply, format, errorReply(err));
      return;
    }
    void (req.resume ? this.resume(req) : this.open(req)).then((body) => this.send(reply, format, body), (err) => this.send(reply, format, errorReply(err)));
  }

  private async open(req: SessionOpenRequest, sink?: LocalSink): Promise<(LocalSessionInfo & { actor: string }) | ErrorReply> {
    const timeoutMs = this.negotiateTimeout(req.timeoutMs);
    const secret = randomBytes(16).toString('hex');
    const outcome = await this.forwarder.forward({ sessionId: 0, op: { op: 'createSession', timeoutMs, secretHash: secretHash(secret) } });
    if (isErrorReply(outcome)) return outcome;
    await this.replica.waitFor(outcome.zxid);
    const sessionId = (outcome.result as { sessionId: number }).sessionId;
    this.sessions.set(sessionId, { secret, timeoutMs, lastHeard: Date.now(), queue: [], events: req.events, sink, closing: false, received: 0, sent: 0 });
    return { sessionId, secret, timeout: timeoutMs, actor: this.actorId, zxid: this.replica.lastApplied };
  }

  /**
   * A session that lived on another actor moves here: once this replica has everything its
   * client saw (it must never see older state), and if the ensemble still holds the session
   * and the secret matches; its watches come along, firing what changed while it was away.
   */
  private async resume(req: SessionOpenRequest, sink?: LocalSink): Promise<LocalSessionInfo & { actor: string }> {
    const { sessionId, secret, lastZxid, watches } = req.resume!;
    const reached = await Promise.race([
      this.replica.waitFor(lastZxid).then(() => true),
      new Promise<false>((r) => setTimeout(() => r(false), RESUME_WAIT_MS).unref()),
    ]);
    if (!reached) throw new ZkError('CONNECTIONLOSS', `this actor has not yet seen zxid 0x${lastZxid.toString(16)}; try another`);
    const known = this.replica.tree.sessions.get(sessionId);
    if (!known || known.secretHash !== secretHash(secret)) {
      throw new ZkError('SESSIONEXPIRED', `session 0x${sessionId.toString(16)} has expired`);
    }
    // Identities belong to the connection: the new one holds what its client authenticates again.
    const identities = (req.resume!.auth ?? []).flatMap((a) => authenticate(a.scheme, a.auth, this.opts.superDigest));
    const existing = this.sessions.get(sessionId);
    const session: LocalSession = existing ?? { secret, timeoutMs: known.timeoutMs, lastHeard: 0, queue: [], closing: false, received: 0, sent: 0 };
    session.identities = [];
    session.address = undefined;
    this.addIdentities(session, identities);
    session.lastHeard = Date.now();
    const previous = session.sink;
    session.events = req.events;
    session.sink = sink;
    this.sessions.set(sessionId, session);
    // A local front-end's earlier connection of this session lets go (one connection per session).
    if (previous && previous !== sink) previous.state('moved');
    this.watches.dropSession(sessionId);
    const fired = this.watches.restore(sessionId, watches, lastZxid, this.replica.tree);
    // Vouch for it to the leader at once, so the move does not cost it its timeout, and tell
    // the actor that held it to let go: a session lives on one actor at a time.
    this.sendTouches();
    this.movedAway.delete(sessionId);
    this.opts.bus.publish(this.opts.subjects.sessionMoved, encode({ session: sessionId, actor: this.actorId }));
    if (fired.length > 0) this.publishEvents(session, { events: fired });
    return { sessionId, secret, timeout: known.timeoutMs, actor: this.actorId, zxid: this.replica.lastApplied };
  }

  private onSessionMoved(data: Uint8Array): void {
    let moved;
    try {
      moved = parseSessionMoved(decode(data));
    } catch {
      return;
    }
    if (moved.actor === this.actorId || !this.sessions.has(moved.sessionId)) return;
    this.sessions.get(moved.sessionId)!.sink?.state('moved');
    this.sessions.delete(moved.sessionId);
    this.watches.dropSession(moved.sessionId);
    this.movedAway.add(moved.sessionId);
    if (this.movedAway.size > 10_000) this.movedAway.delete(this.movedAway.values().next().value!);
  }

  /** Fires the watches a committed transaction triggers; reports expiry to a session's client. */
  private onApplied(txn: Txn, result: TxnResult, zxid: number): void {
    if (this.sessions.size === 0) return;
    for (const [sessionId, events] of this.watches.fire(txn, result, zxid)) {
      const session = this.sessions.get(sessionId);
      if (session) this.publishEvents(session, { events });
    }
    if (txn.type === 'closeSession') {
      const session = this.sessions.get(txn.sessionId);
      if (!session) return;
      this.sessions.delete(txn.sessionId);
      this.watches.dropSession(txn.sessionId);
      if (!session.closing) this.publishEvents(session, { state: 'expired', zxid });
    }
  }

  private publishEvents(session: LocalSession, body: { events: WatchEvent[] } | { state: 'expired'; zxid: number } | { state: 'moving' }): void {
    if (session.sink) {
      if ('events' in body) session.sink.events(body.events);
      else session.sink.state(body.state);
    } else if (session.events) this.opts.bus.publish(session.events, encode(body));
  }

  /** ZooKeeper clamps a session timeout to [2, 20] ticks. */
  private negotiateTimeout(requested: number): number {
    const t = this.opts.tickMs;
    return Math.min(Math.max(requested, 2 * t), 20 * t);
  }

  private onSessionRequest(msg: BusMessage): void {
    if (!msg.reply) return;
    const reply = msg.reply;
    let format: Format = 'msgpack';
    let sessionId: number;
    let session: LocalSession | undefined;
    let batch: unknown[] | undefined;
    let op: ReturnType<typeof parseSessionRequest> | undefined;
    try {
      const decoded = decodeBody(msg.data);
      format = decoded.format;
      const fields = parseSessionFields(decoded.body);
      sessionId = fields.sessionId;
      session = this.sessions.get(sessionId);
      if (!session && this.movedAway.has(sessionId)) {
        throw new ZkError('SESSIONMOVED', `session 0x${sessionId.toString(16)} moved to another session actor`);
      }
      if (!session || session.secret !== fields.secret) {
        throw new ZkError('SESSIONEXPIRED', `session 0x${sessionId.toString(16)} is not open on this actor`);
      }
      batch = parseSessionBatch(decoded.body);
      if (!batch) op = parseSessionRequest(decoded.body, this.opts.limits);
      session.lastHeard = Date.now();
    } catch (err) {
      this.send(reply, format, errorReply(err));
      return;
    }
    if (!batch) return this.enqueue(sessionId, session, op!, (body) => this.send(reply, format, body));
    const replies = new BatchReplies((part) => this.send(reply, format, part));
    // Each request of the batch is taken as if it came alone; a malformed one is answered with
    // its error in its place in the order.
    for (const body of batch) {
      let batched: QueuedOp;
      try {
        batched = parseSessionRequest(body, this.opts.limits);
      } catch (err) {
        batched = { op: 'refused', error: errorReply(err) };
      }
      this.enqueue(sessionId, session, batched, (answer) => replies.add(answer));
    }
  }

  private enqueue(sessionId: number, session: LocalSession, op: QueuedOp, reply: QueuedRequest['reply']): void {
    // addAuth too: the writes before it leave without its identities, the ones after with them.
    const isRead = op.op === 'refused' || op.op === 'ping' || op.op === 'setWatches' || op.op === 'checkWatches' || op.op === 'addAuth' || isSessionActorOp(op);
    session.received++;
    session.queue.push({ op: op.op, at: performance.now(), isRead, run: () => this.run(sessionId, session, op), reply, started: false });
    this.pump(session);
  }

  private run(sessionId: number, session: LocalSession, op: QueuedOp): object | Promise<object> {
    switch (op.op) {
      case 'refused': return op.error;
      case 'close': return this.close(sessionId, session);
      case 'ping': return { zxid: this.replica.lastApplied };
      case 'setWatches': {
        const fired = this.watches.restore(sessionId, op.watches, op.relativeZxid, this.replica.tree);
        if (fired.length > 0) this.publishEvents(session, { events: fired });
        return { zxid: this.replica.lastApplied };
      }
      case 'checkWatches':
        return op.types.some((type) => this.watches.has(sessionId, op.path, type))
          ? { zxid: this.replica.lastApplied }
          : errorReply(new ZkError('NOWATCHER', `no ${op.types.join('/')} watch on ${op.path}`));
      case 'addAuth':
        try {
          this.addIdentities(session, authenticate(op.scheme, op.auth, this.opts.superDigest));
          return { zxid: this.replica.lastApplied };
        } catch (err) {
          return errorReply(err);
        }
      default: return this.execute(sessionId, op, this.identitiesOf(session));
    }
  }

  // ---------- the local front-end ----------

  get lastZxid(): number { return this.replica.lastApplied; }

  get timeoutRange(): { min: number; max: number } { return { min: 2 * this.opts.tickMs, max: 20 * this.opts.tickMs }; }

  async localOpen(timeoutMs: number, sink: LocalSink): Promise<LocalSessionInfo> {
    const opened = await this.open({ timeoutMs }, sink);
    if (isErrorReply(opened)) throw new ZkError(errorName(opened.code), opened.message.replace(`${opened.error}: `, ''));
    return { sessionId: opened.sessionId, secret: opened.secret, timeout: opened.timeout, zxid: opened.zxid };
  }

  async localResume(sessionId: number, secret: string, lastZxid: number, sink: LocalSink): Promise<LocalSessionInfo> {
    const info = await this.resume({ timeoutMs: 0, resume: { sessionId, secret, lastZxid, watches: {} } }, sink);
    return { sessionId, secret, timeout: info.timeout, zxid: info.zxid };
  }

  localRequest(sessionId: number, secret: string, request: LocalRequest, deliver: (body: object) => void): void {
    const session = this.sessions.get(sessionId);
    if (!session || session.secret !== secret) {
      deliver(errorReply(this.movedAway.has(sessionId)
        ? new ZkError('SESSIONMOVED', `session 0x${sessionId.toString(16)} moved to another session actor`)
        : new ZkError('SESSIONEXPIRED', `session 0x${sessionId.toString(16)} is not open on this actor`)));
      return;
    }
    session.lastHeard = Date.now();
    this.enqueue(sessionId, session, request, deliver);
  }

  /**
   * The client's network address, for the ip scheme (a gateway knows it; NATS does not tell
   * it, so a NATS client's session has none). undefined clears it.
   */
  setAddress(sessionId: number, address: string | undefined): void {
    const session = this.sessions.get(sessionId);
    if (!session) throw new ZkError('SESSIONEXPIRED', `session 0x${sessionId.toString(16)} is not open on this actor`);
    if (address !== undefined && !isValidAddress(address)) throw new ZkError('BADARGUMENTS', `'${address}' is not an IP address`);
    session.address = address === undefined ? undefined : normalizeAddress(address);
  }

  /** Identities the session holds: what addAuth gave it, and its address as an ip identity. */
  private identitiesOf(session: LocalSession): Identity[] {
    const ids = session.identities ?? [];
    return session.address === undefined ? ids : [...ids, { scheme: 'ip', id: session.address }];
  }

  /** A connection's authInfo holds each identity once; the list is bounded, as it travels with every write. */
  private addIdentities(session: LocalSession, added: Identity[]): void {
    const ids = session.identities ?? [];
    const fresh = added.filter((a) => !ids.some((i) => i.scheme === a.scheme && i.id === a.id));
    if (ids.length + fresh.length > MAX_IDENTITIES) throw new ZkError('BADARGUMENTS', `a session holds at most ${MAX_IDENTITIES} identities`);
    session.identities = [...ids, ...fresh];
  }

  localDetach(sessionId: number, sink: LocalSink): void {
    const session = this.sessions.get(sessionId);
    if (session?.sink !== sink) return;
    // As in ZooKeeper, watches live with the connection (the client sets them again when it
    // reconnects) and a session nobody is connected to is not vouched for: it expires at its
    // timeout unless its client resumes it here or elsewhere.
    this.sessions.delete(sessionId);
    this.watches.dropSession(sessionId);
  }

  /**
   * A session's requests take effect and are answered in the order sent. Consecutive writes
   * pipeline to the leader; a read waits until every write before it shows in the replica,
   * and no later write leaves before that read is served, so it sees exactly its own past.
   */
  private pump(session: LocalSession): void {
    const q = session.queue;
    // Reads are answered at once; until nothing more is answered that way, start what may start.
    for (let answeredNow = true; answeredNow;) {
      answeredNow = false;
      while (q.length > 0 && q[0]!.result) {
        const done = q.shift()!;
        done.reply(done.result!);
        session.sent++;
        this.opts.onServed?.(done.op, (performance.now() - done.at) / 1000);
      }
      for (let i = 0; i < q.length; i++) {
        const item = q[i]!;
        if (item.isRead && i > 0) break;
        if (!item.started) {
          item.started = true;
          const result = item.run();
          if (result instanceof Promise) {
            void result.then((r) => {
              item.result = r;
              this.pump(session);
            });
          } else {
            item.result = result;
            answeredNow = true;
          }
        }
        if (item.isRead) break;
      }
    }
  }

  private async close(sessionId: number, session: LocalSession): Promise<object> {
    session.closing = true;
    const outcome = await this.forwarder.forward({ sessionId, op: { op: 'closeSession' } });
    this.sessions.delete(sessionId);
    this.watches.dropSession(sessionId);
    if (isErrorReply(outcome)) return outcome;
    await this.replica.waitFor(outcome.zxid);
    return { zxid: this.replica.lastApplied };
  }

  /** Runs one operation for a session (0: sessionless) and returns the reply body: a read's at once. */
  private execute(sessionId: number, op: ClientOp, identities: Identity[] = []): object | Promise<object> {
    try {
      switch (op.op) {
        case 'getData':
        case 'exists':
        case 'getChildren': {
          if (op.watch && sessionId === 0) throw new ZkError('BADARGUMENTS', 'watches need a session');
          const reply = readReply(this.replica.tree, op, sessionId, identities);
          // Registered at the state the reply shows: the next change to it fires.
          if (op.watch) this.watchFor(sessionId, op, (reply as { stat?: unknown }).stat != null);
          return { ...reply, zxid: this.replica.lastApplied };
        }
        case 'getAllChildrenNumber':
        case 'getEphemerals':
        case 'multiRead':
        case 'getACL':
          return { ...readReply(this.replica.tree, op, sessionId, identities), zxid: this.replica.lastApplied };
        case 'addWatch':
        case 'removeWatches':
          if (sessionId === 0) throw new ZkError('BADARGUMENTS', 'watches need a session');
          return this.changeWatches(sessionId, op);
        default:
          return this.write(sessionId, op, identities);
      }
    } catch (err) {
      return errorReply(err);
    }
  }

  private async write(sessionId: number, op: LeaderOp, identities: Identity[]): Promise<object> {
    try {
      const outcome: WriteOutcome = await this.forwarder.forward(identities.length > 0 ? { sessionId, op, auth: identities } : { sessionId, op });
      if (isErrorReply(outcome)) return outcome;
      // Answer only once our replica shows the write, so this session's next read sees it.
      await this.replica.waitFor(outcome.zxid);
      return { ...writeReply(op, outcome.result as TxnResult | { type: 'sync' }), zxid: this.replica.lastApplied };
    } catch (err) {
      return errorReply(err);
    }
  }

  private watchFor(sessionId: number, op: ReadOp, exists: boolean): void {
    if (op.op === 'getChildren') this.watches.add(sessionId, 'child', op.path);
    else if (op.op === 'getData') this.watches.add(sessionId, 'data', op.path);
    else if (op.op === 'exists') this.watches.add(sessionId, exists ? 'data' : 'exist', op.path);
  }

  private changeWatches(sessionId: number, op: WatchOp): object {
    if (op.op === 'addWatch') {
      this.watches.add(sessionId, op.mode, op.path);
    } else if (!this.watches.remove(sessionId, op.path, op.type)) {
      throw new ZkError('NOWATCHER', `no ${op.type} watch on ${op.path}`);
    }
    return { zxid: this.replica.lastApplied };
  }

  /**
   * Tells the leader which sessions it heard from since the last round, in messages that fit
   * NATS: the leader's deadline is then the client's last word plus its timeout (and at most
   * half a tick), as in ZooKeeper, not a timeout more.
   */
  private sendTouches(): void {
    const since = this.lastTouchRound;
    this.lastTouchRound = Date.now();
    const heard: number[] = [];
    for (const [id, s] of this.sessions) if (s.lastHeard >= since) heard.push(id);
    for (let i = 0; i < heard.length; i += 50_000) {
      this.opts.bus.publish(this.opts.subjects.proposerTouch, encode({ sessions: heard.slice(i, i + 50_000) }));
    }
  }

  private send(reply: string, format: Format, body: object): void {
    this.opts.bus.publish(reply, encodeBody(format, body));
  }

  /**
   * Graceful shutdown: leave the queue groups, so new sessions and resumes go to other actors,
   * then ask every client to move its session now (it resumes elsewhere with its watches) and
   * serve what is in flight until they have, or until timeoutMs.
   */
  async drain(timeoutMs: number): Promise<void> {
    for (const s of this.entryPoints.splice(0)) s.unsubscribe();
    for (const session of this.sessions.values()) this.publishEvents(session, { state: 'moving' });
    const deadline = Date.now() + timeoutMs;
    while (this.sessions.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    this.opts.log(this.sessions.size === 0 ? 'every session moved to another actor' : `${this.sessions.size} sessions did not move within ${timeoutMs} ms; their clients will resume them when they find this actor gone`);
  }

  async stop(): Promise<void> {
    this.signal.stopped = true;
    clearInterval(this.toucher);
    for (const s of [...this.entryPoints.splice(0), ...this.subs]) s.unsubscribe();
  }
}
