// The natszk client library: `import { connect } from 'natszk'`.
// One NATS connection; with a session (the default) every request goes to the session actor
// that holds the session, in order, and watch events and session states arrive on an inbox of
// the client's own. When that actor goes away the client resumes its session on another one,
// with its watches; sessionless mode sends one-shot requests to any actor.

import { EventEmitter } from 'node:events';
import type { NatsConnection } from 'nats';
import { digestOf, Ids, Perms, type Acl, type Identity } from '../storage/acl.js';
import { ZkError, type ErrorName } from '../storage/errors.js';
import { CreateMode, type CreateModeValue, type Stat } from '../storage/txn.js';
import type { Bus } from '../transport/bus.js';
import { decode } from '../transport/codec.js';
import { NatsBus, type NatsAuth } from '../transport/nats-bus.js';
import { DEFAULT_ENSEMBLE, Subjects } from '../transport/subjects.js';

import type { RemovableWatch, WatchEvent, WatchKind } from '../transport/ops.js';
import { OperationTimeoutError, zkError } from './errors.js';
import { ActorUnreachable, call, RequestBatcher, type SessionTarget } from './requests.js';
import { Watchers, type Watcher } from './watchers.js';

export * from './errors.js';
export { ZkError, CreateMode, Perms, Ids, digestOf };
export type { Stat, ErrorName, CreateModeValue, WatchEvent, Watcher, RemovableWatch, NatsAuth, Acl, Identity };

/** connected: requests flow; disconnected: resuming on another actor; expired: the session is gone for good. */
export type SessionState = 'connected' | 'disconnected' | 'expired';

export type CreateModeName = 'persistent' | 'ephemeral' | 'persistentSequential' | 'ephemeralSequential' | 'container' | 'persistentWithTtl' | 'persistentSequentialWithTtl';

export interface ConnectOptions {
  /** NATS server URL(s), e.g. nats://127.0.0.1:4222; or give `connection` instead. */
  servers?: string | string[];
  /**
   * An open NATS connection to carry this client, shared with others: a process can hold any
   * number of sessions over one connection. close() leaves it open; it stays its owner's to close.
   */
  connection?: NatsConnection;
  /** Ensemble name (default: env NATSZK_ENSEMBLE, else 'default'). */
  ensemble?: string;
  /** Requested session timeout in ms; the ensemble clamps it to [2, 20] ticks. */
  sessionTimeout?: number;
  /** How long one request may take before it fails with CONNECTIONLOSS. */
  requestTimeout?: number;
  /** No session: each call is a one-shot request to any session actor (no ephemeral nodes). */
  sessionless?: boolean;
  /** NATS credentials and TLS: user/password, token, NKey seed file, creds file, CA/cert/key files. */
  auth?: NatsAuth;
  /** When the ensemble runs with a subject prefix of its own (default natszk.<ensemble>). */
  subjectPrefix?: string;
}

export type Data = Uint8Array | string;

/** Per call: a deadline and a way to give up. Either leaves the call's outcome unknown for a write. */
export interface CallOptions {
  /** ms; past it the call fails with OperationTimeoutError (the session stays where it is) */
  timeout?: number;
  /** aborting rejects the call with the signal's reason, as fetch does */
  signal?: AbortSignal;
}

export interface CreateOptions extends CallOptions {
  mode?: CreateModeValue | CreateModeName;
  /** Time to live in ms, for the TTL modes. */
  ttl?: number;
  /** The node's ACL (default Ids.OPEN_ACL_UNSAFE, world:anyone with every permission). */
  acl?: readonly Acl[];
}

export type MultiOp =
  | { op: 'create'; path: string; data?: Data; mode?: CreateModeValue | CreateModeName; ttl?: number; acl?: readonly Acl[] }
  | { op: 'delete'; path: string; version?: number }
  | { op: 'setData'; path: string; data?: Data; version?: number }
  | { op: 'check'; path: string; version: number };

export type MultiReadOp = { op: 'getData'; path: string } | { op: 'getChildren'; path: string };

/** One per op of a multiRead; each read fails alone, with its code. */
export type MultiReadResult =
  | { type: 'getData'; data: Uint8Array; stat: Stat }
  | { type: 'getChildren'; children: string[] }
  | { type: 'error'; code: number };

export type MultiResult =
  | { type: 'create'; path: string; stat: Stat }
  | { type: 'delete' }
  | { type: 'setData'; stat: Stat }
  | { type: 'check' }
  | { type: 'error'; code: number };

interface SessionInfo {
  sessionId: number;
  secret: string;
  timeout: number;
  actor: string;
  /** where its requests go, for the batcher */
  target: SessionTarget;
}

export interface ReadOptions extends CallOptions {
  /** a one-shot watch: called once, at the next change of what this read returned */
  watch?: Watcher;
}

export class Client extends EventEmitter<{ state: [SessionState] }> {
  /** Highest zxid this client has seen: it never accepts older state than this. */
  lastZxid = 0;
  private pinger?: NodeJS.Timeout;
  private state: SessionState = 'connected';
  private reconnecting?: Promise<void>;
  /** requests sent to the session's actor and not yet answered */
  private readonly inFlight = new Set<Promise<unknown>>();
  private lastHeardAt = Date.now();
  private readonly watchers = new Watchers();
  private closed = false;
  /** What addAuth succeeded with, given again when the session resumes on another actor. */
  private readonly auths: { scheme: string; auth: Data }[] = [];
  private readonly batcher: RequestBatcher;

  private constructor(
    private readonly bus: Bus,
    private readonly subjects: Subjects,
    private readonly requestTimeout: number,
    private session: SessionInfo | undefined,
    private readonly events: string | undefined,
  ) {
    super();
    this.batcher = new RequestBatcher(bus, requestTimeout);
  }

  static async connect(opts: ConnectOptions): Promise<Client> {
    const subjects = new Subjects(opts.ensemble ?? process.env.NATSZK_ENSEMBLE ?? DEFAULT_ENSEMBLE, opts.subjectPrefix);
    if (!opts.connection && !opts.servers) throw zkError('BADARGUMENTS', 'connect needs servers (NATS URLs) or an open NATS connection');
    const bus = opts.connection ? NatsBus.over(opts.connection) : await NatsBus.connect({ servers: opts.servers!, name: 'natszk-client', auth: opts.auth });
    const requestTimeout = opts.requestTimeout ?? 10_000;
    if (opts.sessionless) return new Client(bus, subjects, requestTimeout, undefined, undefined);
    try {
      const events = bus.inbox();
      const client = new Client(bus, subjects, requestTimeout, undefined, events);
      bus.subscribe(events, (m) => client.onEvent(decode(m.data) as Record<string, unknown>));
      const reply = await call(bus, subjects.sessionOpen, { timeout: opts.sessionTimeout ?? 30_000, events }, requestTimeout);
      client.session = client.sessionFrom(reply);
      client.seen(reply);
      // A session lives while its client is heard from; a third of the timeout leaves room for a lost ping.
      client.pinger = setInterval(() => client.send({ op: 'ping' }).catch(() => undefined), Math.max(100, Math.floor(client.session.timeout / 3)));
      client.pinger.unref();
      return client;
    } catch (err) {
      await bus.close();
      throw err;
    }
  }

  get sessionId(): number | undefined { return this.session?.sessionId; }
  get sessionTimeout(): number | undefined { return this.session?.timeout; }
  /** The session actor that holds this client's session now. */
  get actor(): string | undefined { return this.session?.actor; }
  get sessionState(): SessionState { return this.state; }

  async create(path: string, data: Data = '', opts: CreateOptions = {}): Promise<string> {
    return (await this.create2(path, data, opts)).path;
  }

  /** create, returning the new node's stat too (ZooKeeper's create2). */
  async create2(path: string, data: Data = '', opts: CreateOptions = {}): Promise<{ path: string; stat: Stat }> {
    const r = await this.request({ op: 'create', path, data, mode: opts.mode ?? CreateMode.PERSISTENT, ttl: opts.ttl, acl: opts.acl }, opts);
    return { path: r.path as string, stat: r.stat as Stat };
  }

  async getData(path: string, opts: ReadOptions = {}): Promise<{ data: Uint8Array; stat: Stat }> {
    const r = await this.watchedRead({ op: 'getData', path }, 'data', opts);
    return { data: r.data as Uint8Array, stat: r.stat as Stat };
  }

  async setData(path: string, data: Data, version = -1, opts: CallOptions = {}): Promise<Stat> {
    return (await this.request({ op: 'setData', path, data, version }, opts)).stat as Stat;
  }

  async delete(path: string, version = -1, opts: CallOptions = {}): Promise<void> {
    await this.request({ op: 'delete', path, version }, opts);
  }

  /** With a watch: fires on the node's creation if it is absent, else on its next change. */
  async exists(path: string, opts: ReadOptions = {}): Promise<Stat | null> {
    const r = await this.watchedRead({ op: 'exists', path }, 'exist', opts);
    const stat = (r.stat as Stat | null) ?? null;
    if (opts.watch && stat) this.watchers.move('exist', 'data', path, opts.watch);
    return stat;
  }

  async getChildren(path: string, opts: ReadOptions = {}): Promise<string[]> {
    return (await this.getChildren2(path, opts)).children;
  }

  async getChildren2(path: string, opts: ReadOptions = {}): Promise<{ children: string[]; stat: Stat }> {
    const r = await this.watchedRead({ op: 'getChildren', path }, 'child', opts);
    return { children: r.children as string[], stat: r.stat as Stat };
  }

  /** The node's ACL and stat. Without ADMIN on it (READ is enough to ask) digest ids show as user:x. */
  async getACL(path: string, opts: CallOptions = {}): Promise<{ acl: Acl[]; stat: Stat }> {
    const r = await this.request({ op: 'getACL', path }, opts);
    return { acl: r.acl as Acl[], stat: r.stat as Stat };
  }

  /** Replaces the node's ACL (needs ADMIN on it); version is checked against its aversion (-1: any). */
  async setACL(path: string, acl: readonly Acl[], version = -1, opts: CallOptions = {}): Promise<Stat> {
    return (await this.request({ op: 'setACL', path, acl, version }, opts)).stat as Stat;
  }

  /**
   * Authenticates this session, as ZooKeeper's addAuthInfo: scheme 'digest' with "user:password"
   * (any other scheme is AUTHFAILED). The identity lasts as long as the session, on any actor.
   */
  async addAuth(scheme: string, auth: Data, opts: CallOptions = {}): Promise<void> {
    await this.request({ op: 'addAuth', scheme, auth }, opts);
    // Once each: the actor holds an identity once, and a resume carries a bounded list.
    const same = (a: Data, b: Data) => Buffer.from(a).equals(Buffer.from(b));
    if (!this.auths.some((a) => a.scheme === scheme && same(a.auth, auth))) this.auths.push({ scheme, auth });
  }

  /** How many nodes are below path, at any depth. */
  async getAllChildrenNumber(path: string, opts: CallOptions = {}): Promise<number> {
    return (await this.request({ op: 'getAllChildrenNumber', path }, opts)).count as number;
  }

  /** This session's ephemeral nodes whose paths start with prefix, sorted. */
  async getEphemerals(prefix = '/', opts: CallOptions = {}): Promise<string[]> {
    return (await this.request({ op: 'getEphemerals', prefix }, opts)).paths as string[];
  }

  /** Reads taken from one state of the tree; each fails alone (its result is `{type: 'error', code}`). */
  async multiRead(ops: MultiReadOp[], opts: CallOptions = {}): Promise<MultiReadResult[]> {
    return (await this.request({ op: 'multiRead', ops }, opts)).results as MultiReadResult[];
  }

  /** A watch that stays: every change of path (persistent), or of path and all below it but child lists (persistentRecursive). */
  async addWatch(path: string, watcher: Watcher, mode: 'persistent' | 'persistentRecursive' = 'persistent', opts: CallOptions = {}): Promise<void> {
    checkWatcher(watcher);
    if (mode !== 'persistent' && mode !== 'persistentRecursive') throw zkError('BADARGUMENTS', `the mode of addWatch is 'persistent' or 'persistentRecursive', not ${JSON.stringify(mode)}`);
    this.watchers.add(mode, path, watcher);
    try {
      await this.request({ op: 'addWatch', path, mode }, opts);
    } catch (err) {
      this.watchers.delete(mode, path, watcher);
      throw err;
    }
  }

  /** Removes this session's watches of a type on path; NOWATCHER when there was none. */
  async removeWatches(path: string, type: RemovableWatch = 'any', opts: CallOptions = {}): Promise<void> {
    await this.request({ op: 'removeWatches', path, type }, opts);
    this.watchers.removeAll(path, type);
  }

  /** All or nothing. On failure throws a ZkError whose `results` has one entry per op. */
  async multi(ops: MultiOp[], opts: CallOptions = {}): Promise<MultiResult[]> {
    return (await this.request({ op: 'multi', ops }, opts)).results as MultiResult[];
  }

  /** Waits until this client's session actor has everything the leader had committed when it was called. */
  async sync(path = '/', opts: CallOptions = {}): Promise<void> {
    await this.request({ op: 'sync', path }, opts);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.pinger);
    try {
      if (this.session && this.state !== 'expired') await this.send({ op: 'close' });
    } finally {
      await this.bus.close();
    }
  }

  /** The watcher is armed before the request goes, so an event that overtakes the reply still finds it. */
  private async watchedRead(body: Record<string, unknown>, kind: WatchKind, opts: ReadOptions): Promise<Record<string, unknown>> {
    const watcher = opts.watch;
    if (!watcher) return this.request(body, opts);
    checkWatcher(watcher);
    if (!this.session) throw zkError('BADARGUMENTS', 'watches need a session; connect without sessionless');
    this.watchers.add(kind, body.path as string, watcher);
    try {
      return await this.request({ ...body, watch: true }, opts);
    } catch (err) {
      this.watchers.delete(kind, body.path as string, watcher);
      throw err;
    }
  }

  /**
   * The call's own deadline and signal only stop the caller waiting: the request itself runs
   * on under the client's requestTimeout, so only the actor's real silence moves the session.
   */
  private request(body: Record<string, unknown>, opts: CallOptions = {}): Promise<Record<string, unknown>> {
    const { timeout, signal } = opts;
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.closed) return Promise.reject(zkError('SESSIONEXPIRED', 'this client is closed'));
    const sent = this.send(body);
    if (timeout === undefined && !signal) return sent;
    return new Promise((resolve, reject) => {
      const timer = timeout === undefined ? undefined
        : setTimeout(() => finish(() => reject(new OperationTimeoutError(`no reply to ${String(body.op)} within ${timeout} ms; it may still take effect`))), timeout);
      const onAbort = () => finish(() => reject(signal!.reason));
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        settle();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      sent.then((r) => finish(() => resolve(r)), (err) => finish(() => reject(err)));
    });
  }

  private async send(body: Record<string, unknown>): Promise<Record<string, unknown>> {
    if (!this.session) {
      const reply = await call(this.bus, this.subjects.api, body, this.requestTimeout);
      this.seen(reply);
      return reply;
    }
    if (this.state === 'expired') throw zkError('SESSIONEXPIRED', `session 0x${this.session.sessionId.toString(16)} has expired`);
    if (this.reconnecting) await this.reconnecting;
    const session = this.session;
    const sent = this.batcher.call(session.target, body);
    this.inFlight.add(sent);
    try {
      const reply = await sent;
      this.lastHeardAt = Date.now();
      this.seen(reply);
      return reply;
    } catch (err) {
      // The actor is gone (no responders, silence) or no longer holds the session: move it.
      // A CONNECTIONLOSS the actor answered itself (the leader was slow) leaves it where it is.
      const code = (err as ZkError).codeName;
      const lost = err instanceof ActorUnreachable || code === 'SESSIONEXPIRED' || code === 'SESSIONMOVED';
      if (lost && !this.closed && session === this.session) void this.reconnect();
      throw err;
    } finally {
      this.inFlight.delete(sent);
    }
  }

  /**
   * Resumes the session on any actor of the queue group, with the last zxid seen and the armed
   * watches, until it succeeds, the ensemble says the session expired, or its timeout has
   * passed since this client was last heard.
   */
  private reconnect(afterInFlight = false): Promise<void> {
    if (this.reconnecting || this.state === 'expired') return this.reconnecting ?? Promise.resolve();
    this.setState('disconnected');
    const session = this.session!;
    const inFlight = afterInFlight ? [...this.inFlight] : [];
    this.reconnecting = (async () => {
      // Moving off a live actor: what it is serving finishes there first, so this session's
      // requests still take effect in the order they were sent. Not for long: meanwhile
      // nothing vouches for the session.
      if (inFlight.length > 0) await Promise.race([Promise.allSettled(inFlight), new Promise((r) => setTimeout(r, session.timeout / 3))]);
      for (let attempt = 0; !this.closed; attempt++) {
        try {
          const reply = await call(this.bus, this.subjects.sessionOpen, {
            timeout: session.timeout, events: this.events,
            resume: { session: session.sessionId, secret: session.secret, lastZxid: this.lastZxid, watches: this.watchers.armed(), auth: this.auths },
          }, Math.min(this.requestTimeout, session.timeout));
          this.session = this.sessionFrom(reply);
          this.lastHeardAt = Date.now();
          this.seen(reply);
          this.setState('connected');
          return;
        } catch (err) {
          if ((err as ZkError).codeName === 'SESSIONEXPIRED' || Date.now() - this.lastHeardAt > session.timeout) {
            this.setState('expired');
            return;
          }
          await new Promise((r) => setTimeout(r, Math.min(500, 50 * (attempt + 1))));
        }
      }
    })().finally(() => { this.reconnecting = undefined; });
    return this.reconnecting;
  }

  private sessionFrom(reply: Record<string, unknown>): SessionInfo {
    const info = reply as unknown as Omit<SessionInfo, 'target'>;
    return { ...info, target: { subject: this.subjects.sessionActor(info.actor), fields: { session: info.sessionId, secret: info.secret } } };
  }

  private onEvent(body: Record<string, unknown>): void {
    if (body.state === 'expired') {
      this.setState('expired');
      return;
    }
    // The actor is shutting down: take the session elsewhere before it goes.
    if (body.state === 'moving') {
      if (!this.closed) void this.reconnect(true);
      return;
    }
    for (const e of (body.events as WatchEvent[] | undefined) ?? []) {
      if (e.zxid > this.lastZxid) this.lastZxid = e.zxid;
      this.watchers.dispatch(e);
    }
  }

  private setState(state: SessionState): void {
    if (this.state === state || this.state === 'expired') return;
    this.state = state;
    if (state === 'expired') clearInterval(this.pinger);
    this.emit('state', state);
  }

  private seen(reply: Record<string, unknown>): void {
    if (typeof reply.zxid === 'number' && reply.zxid > this.lastZxid) this.lastZxid = reply.zxid;
  }
}

function checkWatcher(watcher: unknown): asserts watcher is Watcher {
  if (typeof watcher !== 'function') throw zkError('BADARGUMENTS', 'a watcher is a function called with the event');
}

export function connect(opts: ConnectOptions): Promise<Client> {
  return Client.connect(opts);
}
