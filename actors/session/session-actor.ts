// The session actor: holds client sessions, serves reads from its replica, forwards writes
// to the leader, and answers each session's requests strictly in the order they came.

import { randomBytes } from 'node:crypto';
import { ZkError } from '../../storage/errors.js';
import type { TxnResult } from '../../storage/txn.js';
import type { Bus, BusMessage, Subscription } from '../../transport/bus.js';
import { encode } from '../../transport/codec.js';
import {
  decodeBody, encodeBody, errorReply, isErrorReply, parseClientOp, parseSessionFields, parseSessionOpen,
  type Format, type Limits, type WriteOutcome,
} from '../../transport/messages.js';
import type { ClientOp, ReadOp } from '../../transport/ops.js';
import { SESSION_QUEUE, type Subjects } from '../../transport/subjects.js';
import { Replica } from './replica.js';
import { WriteForwarder } from './forwarder.js';
import { readReply, writeReply } from './replies.js';

export interface SessionActorOptions {
  bus: Bus;
  subjects: Subjects;
  limits: Limits;
  tickMs: number;
  /** How long a write may wait for the leader before the client hears CONNECTIONLOSS. */
  requestTimeoutMs: number;
  log: (message: string) => void;
  actorId?: string;
}

interface QueuedRequest {
  isRead: boolean;
  run: () => Promise<object>;
  reply: string;
  format: Format;
  started: boolean;
  result?: object;
}

interface LocalSession {
  secret: string;
  timeoutMs: number;
  /** When its client was last heard from: only such sessions are vouched for to the leader. */
  lastHeard: number;
  /** Requests not yet answered, in the order they came. */
  queue: QueuedRequest[];
}

export class SessionActor {
  readonly actorId: string;
  private readonly replica: Replica;
  private readonly forwarder: WriteForwarder;
  private readonly sessions = new Map<number, LocalSession>();
  private readonly subs: Subscription[] = [];
  private readonly signal = { stopped: false };
  private toucher?: NodeJS.Timeout;

  private constructor(private readonly opts: SessionActorOptions) {
    this.actorId = opts.actorId ?? randomBytes(6).toString('hex');
    this.replica = new Replica(opts.bus, opts.subjects, opts.log);
    this.forwarder = new WriteForwarder(opts.bus, opts.subjects, opts.requestTimeoutMs);
  }

  static async start(opts: SessionActorOptions): Promise<SessionActor> {
    const actor = new SessionActor(opts);
    const { bus, subjects } = opts;
    // Follow the stream before loading the snapshot, so nothing between the two is missed.
    actor.subs.push(bus.subscribe(subjects.committed, (m) => actor.replica.onCommitted(m.data)));
    await actor.replica.bootstrap(actor.signal);
    actor.subs.push(bus.subscribe(subjects.api, (m) => actor.onApi(m), { queue: SESSION_QUEUE }));
    actor.subs.push(bus.subscribe(subjects.sessionOpen, (m) => actor.onOpen(m), { queue: SESSION_QUEUE }));
    actor.subs.push(bus.subscribe(subjects.sessionActor(actor.actorId), (m) => actor.onSessionRequest(m)));
    actor.replica.onApply((entry) => {
      if (entry.txn.type === 'closeSession') actor.sessions.delete(entry.txn.sessionId);
    });
    actor.toucher = setInterval(() => actor.sendTouches(), Math.max(50, Math.floor(opts.tickMs / 2)));
    opts.log(`session actor ${actor.actorId} serving at 0x${actor.replica.lastApplied.toString(16)}`);
    return actor;
  }

  get sessionCount(): number { return this.sessions.size; }

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
    void this.execute(0, op).then((body) => this.send(reply, format, body));
  }

  private onOpen(msg: BusMessage): void {
    if (!msg.reply) return;
    const reply = msg.reply;
    let format: Format = 'msgpack';
    try {
      const decoded = decodeBody(msg.data);
      format = decoded.format;
      const req = parseSessionOpen(decoded.body);
      const timeoutMs = this.negotiateTimeout(req.timeoutMs);
      void (async () => {
        const outcome = await this.forwarder.forward({ sessionId: 0, op: { op: 'createSession', timeoutMs } });
        if (isErrorReply(outcome)) return this.send(reply, format, outcome);
        await this.replica.waitFor(outcome.zxid);
        const sessionId = (outcome.result as { sessionId: number }).sessionId;
        const secret = randomBytes(16).toString('hex');
        this.sessions.set(sessionId, { secret, timeoutMs, lastHeard: Date.now(), queue: [] });
        this.send(reply, format, { sessionId, secret, timeout: timeoutMs, actor: this.actorId, zxid: this.replica.lastApplied });
      })();
    } catch (err) {
      this.send(reply, format, errorReply(err));
    }
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
    let op: ClientOp | { op: 'close' } | { op: 'ping' };
    try {
      const decoded = decodeBody(msg.data);
      format = decoded.format;
      const fields = parseSessionFields(decoded.body);
      sessionId = fields.sessionId;
      session = this.sessions.get(sessionId);
      if (!session || session.secret !== fields.secret) {
        throw new ZkError('SESSIONEXPIRED', `session 0x${sessionId.toString(16)} is not open on this actor`);
      }
      const name = (decoded.body as { op?: unknown }).op;
      op = name === 'close' || name === 'ping' ? { op: name } : parseClientOp(decoded.body, this.opts.limits);
      session.lastHeard = Date.now();
    } catch (err) {
      this.send(reply, format, errorReply(err));
      return;
    }
    const isRead = op.op === 'getData' || op.op === 'exists' || op.op === 'getChildren' || op.op === 'ping';
    const sid = sessionId;
    const run = (): Promise<object> => op.op === 'close' ? this.close(sid)
      : op.op === 'ping' ? Promise.resolve({ zxid: this.replica.lastApplied })
        : this.execute(sid, op);
    session.queue.push({ isRead, run, reply, format, started: false });
    this.pump(session);
  }

  /**
   * A session's requests take effect and are answered in the order sent. Consecutive writes
   * pipeline to the leader; a read waits until every write before it shows in the replica,
   * and no later write leaves before that read is served, so it sees exactly its own past.
   */
  private pump(session: LocalSession): void {
    const q = session.queue;
    while (q.length > 0 && q[0]!.result) {
      const done = q.shift()!;
      this.send(done.reply, done.format, done.result!);
    }
    for (let i = 0; i < q.length; i++) {
      const item = q[i]!;
      if (item.isRead && i > 0) break;
      if (!item.started) {
        item.started = true;
        void item.run().then((result) => {
          item.result = result;
          this.pump(session);
        });
      }
      if (item.isRead) break;
    }
  }

  private async close(sessionId: number): Promise<object> {
    const outcome = await this.forwarder.forward({ sessionId, op: { op: 'closeSession' } });
    this.sessions.delete(sessionId);
    if (isErrorReply(outcome)) return outcome;
    await this.replica.waitFor(outcome.zxid);
    return { zxid: this.replica.lastApplied };
  }

  /** Runs one operation for a session (0: sessionless) and returns the reply body. */
  private async execute(sessionId: number, op: ClientOp): Promise<object> {
    try {
      switch (op.op) {
        case 'getData':
        case 'exists':
        case 'getChildren':
          return { ...readReply(this.replica.tree, op as ReadOp), zxid: this.replica.lastApplied };
        default: {
          const outcome: WriteOutcome = await this.forwarder.forward({ sessionId, op });
          if (isErrorReply(outcome)) return outcome;
          // Answer only once our replica shows the write, so this session's next read sees it.
          await this.replica.waitFor(outcome.zxid);
          return { ...writeReply(op, outcome.result as TxnResult | { type: 'sync' }), zxid: this.replica.lastApplied };
        }
      }
    } catch (err) {
      return errorReply(err);
    }
  }

  /** Tells the leader which sessions still have a client, in messages that fit NATS. */
  private sendTouches(): void {
    const now = Date.now();
    const alive: number[] = [];
    for (const [id, s] of this.sessions) if (now - s.lastHeard < s.timeoutMs) alive.push(id);
    for (let i = 0; i < alive.length; i += 50_000) {
      this.opts.bus.publish(this.opts.subjects.proposerTouch, encode({ sessions: alive.slice(i, i + 50_000) }));
    }
  }

  private send(reply: string, format: Format, body: object): void {
    this.opts.bus.publish(reply, encodeBody(format, body));
  }

  async stop(): Promise<void> {
    this.signal.stopped = true;
    clearInterval(this.toucher);
    for (const s of this.subs) s.unsubscribe();
  }
}
