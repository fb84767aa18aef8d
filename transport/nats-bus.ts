// The Bus over a real NATS connection. This is the only product file that imports the NATS
// client, so moving to the @nats-io/* v3 packages touches only here (the JetStream KV side of
// the comparison benchmark, and a test making NKeys, use it directly as any user would).

import { readFileSync } from 'node:fs';
import { connect, createInbox, credsAuthenticator, Events, nkeyAuthenticator, type ConnectionOptions, type Msg, type NatsConnection } from 'nats';
import { NoRespondersError, onlyReply, RequestTimeoutError, type Bus, type BusMessage, type Subscription } from './bus.js';

interface PendingRequest {
  subject: string;
  /** true: that was the last part */
  onPart: (data: Uint8Array) => boolean;
  resolve: () => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

/** How natszk proves who it is to NATS, and TLS: what an operator configures. */
export interface NatsAuth {
  user?: string;
  password?: string;
  token?: string;
  /** a file holding an NKey seed (SU...) */
  nkeySeedFile?: string;
  /** a .creds file (JWT and NKey seed), as `nsc` writes them */
  credsFile?: string;
  tls?: { caFile?: string; certFile?: string; keyFile?: string };
}

export interface NatsBusOptions {
  servers: string | string[];
  name?: string;
  auth?: NatsAuth;
}

/** The NATS client's options for auth; the files are read now, so a bad path fails at start. */
export function authOptions(auth: NatsAuth = {}): Partial<ConnectionOptions> {
  const read = (file: string, what: string) => {
    try {
      return readFileSync(file);
    } catch (err) {
      throw new Error(`cannot read the NATS ${what} file ${file}: ${(err as Error).message}`);
    }
  };
  const out: Partial<ConnectionOptions> = {};
  if (auth.user !== undefined) out.user = auth.user;
  if (auth.password !== undefined) out.pass = auth.password;
  if (auth.token !== undefined) out.token = auth.token;
  if (auth.credsFile) out.authenticator = credsAuthenticator(read(auth.credsFile, 'creds'));
  else if (auth.nkeySeedFile) out.authenticator = nkeyAuthenticator(new TextEncoder().encode(read(auth.nkeySeedFile, 'NKey seed').toString().trim()));
  if (auth.tls && Object.values(auth.tls).some(Boolean)) out.tls = { ...auth.tls };
  return out;
}

/** How long close() lets the connection drain what it holds before it closes it anyway. */
const DRAIN_MS = 1000;

/** Waits for p to settle, at most DRAIN_MS; its failure is of no interest to a closing bus. */
async function withinDrainTime(p: Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([p.catch(() => undefined), new Promise<void>((resolve) => { timer = setTimeout(resolve, DRAIN_MS); })]);
  clearTimeout(timer);
}

export class NatsBus implements Bus {
  /**
   * Publishes made in one turn of the event loop, sent together: the NATS client writes to its
   * socket once per microtask checkpoint, and a busy actor publishes from many of those, so
   * without this every reply, proposal and ack costs a system call of its own.
   */
  private outgoing: { subject: string; data: Uint8Array }[] = [];
  private flushScheduled = false;
  /**
   * Requests waiting for their reply, by the token that ends their reply subject. Our own
   * multiplexing on one inbox subscription rather than the NATS client's, which builds an
   * error object for every request that succeeds.
   */
  private readonly pending = new Map<string, PendingRequest>();
  private nextToken = 0;
  private readonly replyPrefix = createInbox();

  /** What this bus subscribed to, dropped on close when the connection is not ours to close. */
  private readonly subscriptions = new Set<{ unsubscribe(): void }>();

  private constructor(private readonly nc: NatsConnection, private readonly ownsConnection: boolean) {
    this.subscriptions.add(nc.subscribe(`${this.replyPrefix}.*`, { callback: (err, msg) => { if (!err) this.onReply(msg); } }));
  }

  /** A bus on a connection the caller owns and keeps: close() drops this bus's subscriptions and leaves it open. */
  static over(nc: NatsConnection): NatsBus {
    return new NatsBus(nc, false);
  }

  static async connect(opts: NatsBusOptions): Promise<NatsBus> {
    const nc = await connect({
      servers: opts.servers,
      name: opts.name,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      pingInterval: 10_000,
      ...authOptions(opts.auth),
    });
    return new NatsBus(nc, true);
  }

  get maxPayload(): number {
    return this.nc.info?.max_payload ?? 1024 * 1024;
  }

  /**
   * Registers this process with the NATS services API ($SRV.PING, $SRV.INFO, $SRV.STATS), with
   * one endpoint; `queue` unique to the process makes every instance hear each request.
   */
  async addService(opts: {
    name: string; version: string; description: string; metadata: Record<string, string>;
    endpoint: { name: string; subject: string; queue: string; handle: (data: Uint8Array) => Promise<Uint8Array> };
    stats: () => unknown;
  }): Promise<() => Promise<void>> {
    const service = await this.nc.services.add({ name: opts.name, version: opts.version, description: opts.description, metadata: opts.metadata, statsHandler: async () => opts.stats() });
    service.addEndpoint(opts.endpoint.name, {
      subject: opts.endpoint.subject,
      queue: opts.endpoint.queue,
      handler: (err, msg) => {
        if (err) return;
        void opts.endpoint.handle(msg.data).then((out) => msg.respond(out));
      },
    });
    return () => service.stop().then(() => undefined);
  }

  /**
   * NATS refuses a publish or a subscription it does not permit asynchronously: onError hears
   * its code (PERMISSIONS_VIOLATION, ...), so a misconfigured user is told instead of silent.
   */
  onError(onError: (code: string) => void): void {
    void (async () => {
      for await (const s of this.nc.status()) if (s.type === Events.Error) onError(String(s.data));
    })();
  }

  publish(subject: string, data: Uint8Array): void {
    this.outgoing.push({ subject, data });
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flushOutgoing());
  }

  /** Sends what publish() holds; before a request or a close, so nothing overtakes it. */
  private flushOutgoing(): void {
    this.flushScheduled = false;
    const out = this.outgoing;
    if (out.length === 0) return;
    this.outgoing = [];
    if (this.nc.isClosed()) return;
    for (const m of out) this.nc.publish(m.subject, m.data);
  }

  inbox(): string {
    return createInbox();
  }

  subscribe(subject: string, handler: (msg: BusMessage) => void, opts: { queue?: string } = {}): Subscription {
    const sub = this.nc.subscribe(subject, {
      queue: opts.queue,
      callback: (err, msg) => {
        if (err) return;
        handler({ subject: msg.subject, data: msg.data, reply: msg.reply || undefined });
      },
    });
    this.subscriptions.add(sub);
    return {
      unsubscribe: () => {
        this.subscriptions.delete(sub);
        sub.unsubscribe();
      },
    };
  }

  request(subject: string, data: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
    return onlyReply(this, subject, data, timeoutMs);
  }

  requestParts(subject: string, data: Uint8Array, timeoutMs: number, onPart: (data: Uint8Array) => boolean): Promise<void> {
    this.flushOutgoing();
    if (this.nc.isClosed()) return Promise.reject(new Error(`cannot send to ${subject}: the NATS connection is closed`));
    const token = (this.nextToken++).toString(36);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(token);
        reject(new RequestTimeoutError(subject, timeoutMs));
      }, timeoutMs);
      this.pending.set(token, { subject, onPart, resolve, reject, timer });
      this.nc.publish(subject, data, { reply: `${this.replyPrefix}.${token}` });
    });
  }

  private onReply(msg: Msg): void {
    const token = msg.subject.slice(this.replyPrefix.length + 1);
    const p = this.pending.get(token);
    if (!p) return;
    // NATS answers a request nobody is subscribed to with a 503 status and no body.
    const noResponders = msg.headers?.code === 503;
    if (!noResponders && !p.onPart(msg.data)) return;
    this.pending.delete(token);
    clearTimeout(p.timer);
    if (noResponders) p.reject(new NoRespondersError(p.subject));
    else p.resolve();
  }

  /** Asks everyone listening on subject and gathers the answers that arrive within waitMs. */
  async gather(subject: string, data: Uint8Array, waitMs: number): Promise<Uint8Array[]> {
    const inbox = createInbox();
    const answers: Uint8Array[] = [];
    const sub = this.nc.subscribe(inbox, { callback: (err, msg) => { if (!err) answers.push(msg.data); } });
    this.flushOutgoing();
    this.nc.publish(subject, data, { reply: inbox });
    await new Promise((r) => setTimeout(r, waitMs));
    sub.unsubscribe();
    return answers;
  }

  async close(): Promise<void> {
    this.flushOutgoing();
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new Error(`no reply from ${p.subject}: the NATS connection was closed`));
    }
    this.pending.clear();
    if (this.nc.isClosed()) return;
    if (!this.ownsConnection) {
      for (const sub of this.subscriptions) sub.unsubscribe();
      this.subscriptions.clear();
      // What close() flushed is on its way before close() returns, as with a connection of our
      // own, unless the server does not answer within a drain's time.
      await withinDrainTime(this.nc.flush());
      return;
    }
    // When nats.js's drain() cannot flush (the server is away: its next reconnect attempt fails
    // the flush) it swallows the failure and resolves without closing, leaving the connection
    // to reconnect forever and its process unable to exit; and a server that is there but does
    // not answer holds a drain until pings time out. So the drain gets DRAIN_MS, and the
    // connection is closed whatever it did.
    await withinDrainTime(this.nc.drain());
    await this.nc.close();
  }
}
