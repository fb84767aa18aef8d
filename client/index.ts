// The natszk client library: `import { connect } from 'natszk'`.
// One NATS connection; with a session (the default) every request goes to the session actor
// that holds the session, in order; sessionless mode sends one-shot requests to any actor.

import { ZkError, errorName, type ErrorName } from '../storage/errors.js';
import { CreateMode, type CreateModeValue, type Stat } from '../storage/txn.js';
import type { Bus } from '../transport/bus.js';
import { NoRespondersError, RequestTimeoutError } from '../transport/bus.js';
import { decode, encode } from '../transport/codec.js';
import { isErrorReply } from '../transport/messages.js';
import { NatsBus } from '../transport/nats-bus.js';
import { DEFAULT_ENSEMBLE, Subjects } from '../transport/subjects.js';

export { ZkError, CreateMode };
export type { Stat, ErrorName, CreateModeValue };

export type CreateModeName = 'persistent' | 'ephemeral' | 'persistentSequential' | 'ephemeralSequential' | 'container' | 'persistentWithTtl' | 'persistentSequentialWithTtl';

export interface ConnectOptions {
  /** NATS server URL(s), e.g. nats://127.0.0.1:4222 */
  servers: string | string[];
  /** Ensemble name (default: env NATSZK_ENSEMBLE, else 'default'). */
  ensemble?: string;
  /** Requested session timeout in ms; the ensemble clamps it to [2, 20] ticks. */
  sessionTimeout?: number;
  /** How long one request may take before it fails with CONNECTIONLOSS. */
  requestTimeout?: number;
  /** No session: each call is a one-shot request to any session actor (no ephemeral nodes). */
  sessionless?: boolean;
}

export type Data = Uint8Array | string;

export interface CreateOptions {
  mode?: CreateModeValue | CreateModeName;
  /** Time to live in ms, for the TTL modes. */
  ttl?: number;
}

export type MultiOp =
  | { op: 'create'; path: string; data?: Data; mode?: CreateModeValue | CreateModeName; ttl?: number }
  | { op: 'delete'; path: string; version?: number }
  | { op: 'setData'; path: string; data?: Data; version?: number }
  | { op: 'check'; path: string; version: number };

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
}

export class Client {
  /** Highest zxid this client has seen: it never accepts older state than this. */
  lastZxid = 0;
  private pinger?: NodeJS.Timeout;

  private constructor(
    private readonly bus: Bus,
    private readonly subjects: Subjects,
    private readonly requestTimeout: number,
    private readonly session: SessionInfo | undefined,
  ) {}

  static async connect(opts: ConnectOptions): Promise<Client> {
    const bus = await NatsBus.connect({ servers: opts.servers, name: 'natszk-client' });
    const subjects = new Subjects(opts.ensemble ?? process.env.NATSZK_ENSEMBLE ?? DEFAULT_ENSEMBLE);
    const requestTimeout = opts.requestTimeout ?? 10_000;
    if (opts.sessionless) return new Client(bus, subjects, requestTimeout, undefined);
    try {
      const reply = await call(bus, subjects.sessionOpen, { timeout: opts.sessionTimeout ?? 30_000 }, requestTimeout);
      const session = reply as unknown as SessionInfo;
      const client = new Client(bus, subjects, requestTimeout, session);
      client.seen(reply);
      // A session lives while its client is heard from; a third of the timeout leaves room for a lost ping.
      client.pinger = setInterval(() => client.request({ op: 'ping' }).catch(() => undefined), Math.max(100, Math.floor(session.timeout / 3)));
      client.pinger.unref();
      return client;
    } catch (err) {
      await bus.close();
      throw err;
    }
  }

  get sessionId(): number | undefined { return this.session?.sessionId; }
  get sessionTimeout(): number | undefined { return this.session?.timeout; }

  async create(path: string, data: Data = '', opts: CreateOptions = {}): Promise<string> {
    const r = await this.request({ op: 'create', path, data, mode: opts.mode ?? CreateMode.PERSISTENT, ttl: opts.ttl });
    return r.path as string;
  }

  /** create, returning the new node's stat too (ZooKeeper's create2). */
  async create2(path: string, data: Data = '', opts: CreateOptions = {}): Promise<{ path: string; stat: Stat }> {
    const r = await this.request({ op: 'create', path, data, mode: opts.mode ?? CreateMode.PERSISTENT, ttl: opts.ttl });
    return { path: r.path as string, stat: r.stat as Stat };
  }

  async getData(path: string): Promise<{ data: Uint8Array; stat: Stat }> {
    const r = await this.request({ op: 'getData', path });
    return { data: r.data as Uint8Array, stat: r.stat as Stat };
  }

  async setData(path: string, data: Data, version = -1): Promise<Stat> {
    return (await this.request({ op: 'setData', path, data, version })).stat as Stat;
  }

  async delete(path: string, version = -1): Promise<void> {
    await this.request({ op: 'delete', path, version });
  }

  async exists(path: string): Promise<Stat | null> {
    return ((await this.request({ op: 'exists', path })).stat as Stat | null) ?? null;
  }

  async getChildren(path: string): Promise<string[]> {
    return (await this.request({ op: 'getChildren', path })).children as string[];
  }

  async getChildren2(path: string): Promise<{ children: string[]; stat: Stat }> {
    const r = await this.request({ op: 'getChildren', path });
    return { children: r.children as string[], stat: r.stat as Stat };
  }

  /** All or nothing. On failure throws a ZkError whose `results` has one entry per op. */
  async multi(ops: MultiOp[]): Promise<MultiResult[]> {
    return (await this.request({ op: 'multi', ops })).results as MultiResult[];
  }

  /** Waits until this client's session actor has everything the leader had committed when it was called. */
  async sync(path = '/'): Promise<void> {
    await this.request({ op: 'sync', path });
  }

  async close(): Promise<void> {
    clearInterval(this.pinger);
    try {
      if (this.session) await this.request({ op: 'close' });
    } finally {
      await this.bus.close();
    }
  }

  private async request(body: Record<string, unknown>): Promise<Record<string, unknown>> {
    let subject = this.subjects.api;
    if (this.session) {
      subject = this.subjects.sessionActor(this.session.actor);
      body = { ...body, session: this.session.sessionId, secret: this.session.secret };
    }
    const reply = await call(this.bus, subject, body, this.requestTimeout);
    this.seen(reply);
    return reply;
  }

  private seen(reply: Record<string, unknown>): void {
    if (typeof reply.zxid === 'number' && reply.zxid > this.lastZxid) this.lastZxid = reply.zxid;
  }
}

async function call(bus: Bus, subject: string, body: Record<string, unknown>, timeoutMs: number): Promise<Record<string, unknown>> {
  let raw: Uint8Array;
  try {
    raw = await bus.request(subject, encode(body), timeoutMs);
  } catch (err) {
    if (err instanceof NoRespondersError) throw new ZkError('CONNECTIONLOSS', 'no natszk session actor is reachable on this NATS');
    if (err instanceof RequestTimeoutError) throw new ZkError('CONNECTIONLOSS', `no answer within ${timeoutMs} ms`);
    throw err;
  }
  const reply = decode(raw) as Record<string, unknown>;
  if (isErrorReply(reply)) {
    throw new ZkError(errorName(reply.code), reply.message.replace(/^[A-Z]+: /, ''), reply.results);
  }
  return reply;
}

export function connect(opts: ConnectOptions): Promise<Client> {
  return Client.connect(opts);
}
