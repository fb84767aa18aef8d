// How the client's requests travel. A session's requests of one turn (every call made before
// the client's code yields) go to its session actor in one NATS message, and their answers come
// back in as few messages as they are ready in: with several calls in flight per client, NATS,
// the client and the actor each carry a fraction of the messages.

import { errorName } from '../storage/errors.js';
import { NoRespondersError, RequestTimeoutError, type Bus } from '../transport/bus.js';
import { decode, encode } from '../transport/codec.js';
import { isErrorReply, parseBatchReply, type ErrorReply } from '../transport/messages.js';
import { ConnectionLossError, zkError } from './errors.js';

/** CONNECTIONLOSS because the session actor itself did not answer (not an answer that says so). */
export class ActorUnreachable extends ConnectionLossError {}

type Reply = Record<string, unknown>;

/** One request, one reply: an error reply becomes its ZkError. */
export function call(bus: Bus, subject: string, body: Reply, timeoutMs: number): Promise<Reply> {
  let payload: Uint8Array;
  try {
    payload = encode(body);
  } catch (err) {
    return Promise.reject(cannotEncode(err));
  }
  return callEncoded(bus, subject, payload, timeoutMs);
}

/** A request msgpack cannot hold (a BigInt, a function) is the caller's mistake. */
function cannotEncode(err: unknown): Error {
  return zkError('BADARGUMENTS', `the request cannot be encoded: ${(err as Error).message}`);
}

function callEncoded(bus: Bus, subject: string, payload: Uint8Array, timeoutMs: number): Promise<Reply> {
  return bus.request(subject, payload, timeoutMs).then(
    (raw) => replyOrThrow(decode(raw) as Reply),
    (err) => { throw unreachable(err, timeoutMs); },
  );
}

const FIXMAP = 0x80;
const FIXMAP_MAX = 0x8f;

/** Each session's fields (session, secret), encoded once as map entries without their map. */
const encodedFields = new WeakMap<SessionTarget, { count: number; bytes: Uint8Array }>();

/**
 * body with its session's fields, as one msgpack map: the fields' entries, encoded once, follow
 * the body's. Spreading both into a fresh object for every request cost several times the
 * encoding itself.
 */
export function encodeWithFields(body: Reply, target: SessionTarget): Uint8Array {
  let fields = encodedFields.get(target);
  if (!fields) {
    const whole = encode(target.fields);
    fields = { count: whole[0]! - FIXMAP, bytes: whole.subarray(1) };
    encodedFields.set(target, fields);
  }
  const head = encode(body);
  const count = head[0]! - FIXMAP + fields.count;
  // A fixmap holds up to 15 entries, its size in its first byte; anything else the slow way.
  if (head[0]! < FIXMAP || head[0]! > FIXMAP_MAX || count > 15) return encode({ ...body, ...target.fields });
  const out = new Uint8Array(head.length + fields.bytes.length);
  out.set(head);
  out[0] = FIXMAP + count;
  out.set(fields.bytes, head.length);
  return out;
}

function encodable(w: Waiting): boolean {
  try {
    encode(w.body);
    return true;
  } catch (err) {
    w.reject(cannotEncode(err));
    return false;
  }
}

function unreachable(err: unknown, timeoutMs: number): unknown {
  if (err instanceof NoRespondersError) return new ActorUnreachable('no natszk session actor is reachable on this NATS');
  if (err instanceof RequestTimeoutError) return new ActorUnreachable(`no answer within ${timeoutMs} ms`);
  return err;
}

function replyOrThrow(reply: Reply): Reply {
  if (isErrorReply(reply)) throw errorOf(reply);
  return reply;
}

function errorOf(reply: ErrorReply): Error {
  return zkError(errorName(reply.code), reply.message.replace(/^[A-Z]+: /, ''), reply.results);
}

interface Waiting {
  body: Reply;
  resolve: (reply: Reply) => void;
  reject: (err: unknown) => void;
}

/** Where a session's requests go: its actor's subject, and the fields that prove the session. */
export interface SessionTarget {
  subject: string;
  fields: { session: number; secret: string };
}

export class RequestBatcher {
  private waiting: Waiting[] = [];
  private target?: SessionTarget;

  constructor(private readonly bus: Bus, private readonly timeoutMs: number) {}

  call(target: SessionTarget, body: Reply): Promise<Reply> {
    // The session moved meanwhile: what was for the old actor leaves first, to it.
    if (this.waiting.length > 0 && this.target !== target) this.flush();
    this.target = target;
    return new Promise((resolve, reject) => {
      // After every promise reaction of this turn: the calls those make come along.
      if (this.waiting.push({ body, resolve, reject }) === 1) process.nextTick(() => this.flush());
    });
  }

  private flush(): void {
    const batch = this.waiting;
    this.waiting = [];
    try {
      this.send(batch);
    } catch {
      // A request that cannot be encoded (a function, a BigInt) fails alone; the rest go.
      this.send(batch.filter(encodable));
    }
  }

  /** Throws, having sent nothing, when a request cannot be encoded. */
  private send(batch: Waiting[]): void {
    const target = this.target!;
    if (batch.length === 0) return;
    if (batch.length === 1) {
      const [only] = batch as [Waiting];
      callEncoded(this.bus, target.subject, encodeWithFields(only.body, target), this.timeoutMs).then(only.resolve, only.reject);
      return;
    }
    let answered = 0;
    const payload = encode({ ...target.fields, batch: batch.map((w) => w.body) });
    this.bus.requestParts(target.subject, payload, this.timeoutMs, (data) => {
      let part;
      try {
        const reply = decode(data) as Reply;
        if (isErrorReply(reply)) {
          // The whole batch was refused (the session is not on that actor any more, ...).
          for (const w of batch.slice(answered)) w.reject(errorOf(reply));
          answered = batch.length;
          return true;
        }
        part = parseBatchReply(reply, answered, batch.length);
      } catch (err) {
        for (const w of batch.slice(answered)) w.reject(zkError('MARSHALLINGERROR', `the session actor's answer is malformed: ${(err as Error).message}`));
        answered = batch.length;
        return true;
      }
      for (const r of part) {
        const w = batch[answered++]!;
        try {
          w.resolve(replyOrThrow(r));
        } catch (err) {
          w.reject(err);
        }
      }
      return answered === batch.length;
    }).catch((err) => {
      for (const w of batch.slice(answered)) w.reject(unreachable(err, this.timeoutMs));
    });
  }
}
