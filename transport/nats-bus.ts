// The Bus over a real NATS connection. This is the only product file that imports the NATS
// client, so moving to the @nats-io/* v3 packages touches only here (the JetStream KV side of
// the comparison benchmark, and a test making NKeys, use it directly as any user would).

import { readFileSync } from 'node:fs';
import { connect, createInbox, credsAuthenticator, ErrorCode as NatsErrorCode, Events, nkeyAuthenticator, type ConnectionOptions, type NatsConnection, type NatsError } from 'nats';
import { NoRespondersError, RequestTimeoutError, type Bus, type BusMessage, type Subscription } from './bus.js';

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

export class NatsBus implements Bus {
  private constructor(private readonly nc: NatsConnection) {}

  static async connect(opts: NatsBusOptions): Promise<NatsBus> {
    const nc = await connect({
      servers: opts.servers,
      name: opts.name,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      pingInterval: 10_000,
      ...authOptions(opts.auth),
    });
    return new NatsBus(nc);
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
    this.nc.publish(subject, data);
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
    return { unsubscribe: () => sub.unsubscribe() };
  }

  async request(subject: string, data: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
    try {
      const msg = await this.nc.request(subject, data, { timeout: timeoutMs });
      return msg.data;
    } catch (err) {
      const code = (err as NatsError).code;
      if (code === NatsErrorCode.NoResponders) throw new NoRespondersError(subject);
      if (code === NatsErrorCode.Timeout) throw new RequestTimeoutError(subject, timeoutMs);
      throw err;
    }
  }

  /** Asks everyone listening on subject and gathers the answers that arrive within waitMs. */
  async gather(subject: string, data: Uint8Array, waitMs: number): Promise<Uint8Array[]> {
    const inbox = createInbox();
    const answers: Uint8Array[] = [];
    const sub = this.nc.subscribe(inbox, { callback: (err, msg) => { if (!err) answers.push(msg.data); } });
    this.nc.publish(subject, data, { reply: inbox });
    await new Promise((r) => setTimeout(r, waitMs));
    sub.unsubscribe();
    return answers;
  }

  async close(): Promise<void> {
    if (this.nc.isClosed()) return;
    await this.nc.drain().catch(() => this.nc.close());
  }
}
