// The Bus over a real NATS connection. This is the only file that imports the NATS client,
// so moving to the @nats-io/* v3 packages touches only here.

import { connect, createInbox, ErrorCode as NatsErrorCode, type ConnectionOptions, type NatsConnection, type NatsError } from 'nats';
import { NoRespondersError, RequestTimeoutError, type Bus, type BusMessage, type Subscription } from './bus.js';

export interface NatsBusOptions {
  servers: string | string[];
  name?: string;
  /** Passed through to the NATS client: credentials, TLS and the like. */
  extra?: Partial<ConnectionOptions>;
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
      ...opts.extra,
    });
    return new NatsBus(nc);
  }

  get maxPayload(): number {
    return this.nc.info?.max_payload ?? 1024 * 1024;
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
