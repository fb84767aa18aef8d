// The Bus is how actors talk; the NATS implementation is the product, the simulator's
// in-memory one is a test instrument with the same contract: at-most-once delivery, FIFO
// from one publisher to one subscriber, and no-responders answered at once.

export interface BusMessage {
  readonly subject: string;
  readonly data: Uint8Array;
  /** Present when the sender expects an answer. */
  readonly reply?: string;
}

export interface Subscription {
  unsubscribe(): void;
}

export class NoRespondersError extends Error {
  constructor(subject: string) {
    super(`no responders on ${subject}`);
    this.name = 'NoRespondersError';
  }
}

export class RequestTimeoutError extends Error {
  constructor(subject: string, ms: number) {
    super(`no answer on ${subject} within ${ms} ms`);
    this.name = 'RequestTimeoutError';
  }
}

/** A request's one reply, through requestParts: what both buses' request() is. */
export async function onlyReply(bus: Pick<Bus, 'requestParts'>, subject: string, data: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
  let reply!: Uint8Array;
  await bus.requestParts(subject, data, timeoutMs, (part) => {
    reply = part;
    return true;
  });
  return reply;
}

export interface Bus {
  publish(subject: string, data: Uint8Array): void;
  subscribe(subject: string, handler: (msg: BusMessage) => void, opts?: { queue?: string }): Subscription;
  /** Rejects with NoRespondersError or RequestTimeoutError. */
  request(subject: string, data: Uint8Array, timeoutMs: number): Promise<Uint8Array>;
  /**
   * A request answered in parts: onPart hears each reply until it returns true (the last part).
   * Rejects as request does: no responders, or no last part within timeoutMs.
   */
  requestParts(subject: string, data: Uint8Array, timeoutMs: number, onPart: (data: Uint8Array) => boolean): Promise<void>;
  /** A fresh subject only this connection's owner listens on (replies, a client's events). */
  inbox(): string;
  /** Largest message the bus carries. */
  readonly maxPayload: number;
  close(): Promise<void>;
}
