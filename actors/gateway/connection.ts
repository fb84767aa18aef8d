// One ZooKeeper client connection as a pure machine: bytes and the session's answers in,
// actions out (bytes to write, a session to open or resume, a request for the session, the
// end of the connection). The TCP shell (gateway.ts) performs the actions.
//
// Replies leave in the order their requests came, whoever produced them: the session actor
// answers its requests in order, and what the gateway answers itself (an unsupported op, a
// refused path) waits in line behind them.

import { ErrorCode, type ZkError } from '../../storage/errors.js';
import { JuteError } from '../../transport/jute/buffers.js';
import { EventType, fourLetterWord, KeeperState, MAX_FRAME_BYTES, OpCode, type FourLetterWord } from '../../transport/jute/codes.js';
import { FrameSplitter } from '../../transport/jute/frames.js';
import { decodeRequest } from '../../transport/jute/requests.js';
import { decodeConnectRequest, encodeConnectResponse, encodeNotification, encodeReply, type ConnectRequest } from '../../transport/jute/responses.js';
import type { Limits } from '../../transport/messages.js';
import type { WatchEvent } from '../../transport/ops.js';
import type { LocalRequest, LocalSessionInfo } from '../session/local-front-end.js';
import { planRequest, type Answer } from './mapping.js';

export type ConnectionAction =
  | { type: 'write'; bytes: Uint8Array }
  | { type: 'open'; timeoutMs: number }
  | { type: 'resume'; sessionId: number; secret: string; lastZxid: number }
  | { type: 'request'; slot: number; request: LocalRequest }
  /** answer a four-letter word and close, as ZooKeeper does on a connection that starts with one */
  | { type: 'word'; word: FourLetterWord }
  /** close once what was written has gone; the session stays, unless it was closed */
  | { type: 'end'; reason: string };

type Phase = 'new' | 'connecting' | 'open' | 'ended';

interface Slot {
  slot: number;
  xid: number;
  translate?: (reply: object) => Answer;
  /** the reply, once there is one; encoded as it leaves, with the zxid of then */
  answer?: Answer;
  closes?: boolean;
  /** the connection ends if this one fails (a failed authentication) */
  closesOnError?: boolean;
}

/** natszk's secret is 16 random bytes in hex; ZooKeeper's session password is 16 bytes. */
export const secretToPassword = (secret: string): Uint8Array => new Uint8Array(Buffer.from(secret, 'hex'));
export const passwordToSecret = (passwd: Uint8Array): string => Buffer.from(passwd).toString('hex');

export class GatewayConnection {
  private phase: Phase = 'new';
  private readonly frames = new FrameSplitter(MAX_FRAME_BYTES);
  private connect?: ConnectRequest;
  /** frames that came behind the ConnectRequest before the session was there (a client primes setWatches and auth so) */
  private early: Uint8Array[] = [];
  private readonly outbox: Slot[] = [];
  private nextSlot = 1;
  session?: LocalSessionInfo;
  /** for cons */
  readonly counts = { received: 0, sent: 0, lastOp: 'NA', lastXid: 0, lastZxid: 0 };

  constructor(private readonly limits: Limits) {}

  get ended(): boolean { return this.phase === 'ended'; }

  onData(chunk: Uint8Array): ConnectionAction[] {
    if (this.phase === 'ended') return [];
    if (this.phase === 'new' && this.counts.received === 0) {
      const word = fourLetterWord(new Uint8Array([...this.frames.buffered, ...chunk.subarray(0, 4)]).subarray(0, 4));
      if (word) return this.end(`four-letter word ${word}`, [{ type: 'word', word }]);
    }
    let payloads: Uint8Array[];
    try {
      payloads = this.frames.push(chunk);
    } catch (err) {
      return this.end((err as Error).message);
    }
    const out: ConnectionAction[] = [];
    for (const p of payloads) {
      out.push(...this.onFrame(p));
      if (this.ended) break;
    }
    return out;
  }

  private onFrame(payload: Uint8Array): ConnectionAction[] {
    this.counts.received++;
    if (this.phase === 'new') {
      let req: ConnectRequest;
      try {
        req = decodeConnectRequest(payload);
      } catch (err) {
        return this.end(`bad ConnectRequest: ${(err as Error).message}`);
      }
      this.connect = req;
      this.phase = 'connecting';
      if (req.sessionId === 0) return [{ type: 'open', timeoutMs: req.timeOut }];
      return [{ type: 'resume', sessionId: req.sessionId, secret: passwordToSecret(req.passwd), lastZxid: req.lastZxidSeen }];
    }
    if (this.phase === 'connecting') {
      this.early.push(payload);
      return [];
    }
    return this.onRequest(payload);
  }

  private onRequest(payload: Uint8Array): ConnectionAction[] {
    let frame;
    try {
      frame = decodeRequest(payload);
    } catch (err) {
      if (err instanceof JuteError) return this.end(`malformed request: ${err.message}`);
      throw err;
    }
    this.counts.lastXid = frame.xid;
    this.counts.lastOp = frame.request.type;
    const plan = planRequest(frame.request, this.limits);
    // ZooKeeper drops a connection whose authentication failed, once it has said so.
    const slot: Slot = { slot: this.nextSlot++, xid: frame.xid, closes: frame.code === OpCode.closeSession, closesOnError: frame.request.type === 'auth' };
    this.outbox.push(slot);
    if (plan.kind === 'now') {
      slot.answer = plan.answer;
      return this.flush();
    }
    slot.translate = plan.answer;
    return [{ type: 'request', slot: slot.slot, request: plan.request }];
  }

  /** The session is open (or resumed) on the session actor. */
  onOpened(info: LocalSessionInfo): ConnectionAction[] {
    if (this.phase !== 'connecting') return [];
    this.session = info;
    this.phase = 'open';
    this.counts.lastZxid = info.zxid;
    const readOnly = this.connect!.readOnly === undefined ? undefined : false;
    const out: ConnectionAction[] = [{
      type: 'write',
      bytes: encodeConnectResponse({ protocolVersion: 0, timeOut: info.timeout, sessionId: info.sessionId, passwd: secretToPassword(info.secret), readOnly }),
    }];
    const early = this.early;
    this.early = [];
    for (const p of early) {
      out.push(...this.onRequest(p));
      if (this.ended) break;
    }
    return out;
  }

  /**
   * Opening or resuming failed. An expired (or unknown, or wrong-password) session is told
   * as ZooKeeper tells it: timeout 0, session 0, an empty password; the client reports
   * expiry. Anything else (this actor is behind the client, no leader) only closes, so the
   * client tries another server.
   */
  onOpenFailed(err: ZkError | Error): ConnectionAction[] {
    if (this.phase !== 'connecting') return [];
    const code = (err as ZkError).code;
    if (code === ErrorCode.SESSIONEXPIRED) {
      const readOnly = this.connect!.readOnly === undefined ? undefined : false;
      const bytes = encodeConnectResponse({ protocolVersion: 0, timeOut: 0, sessionId: 0, passwd: new Uint8Array(16), readOnly });
      return this.end('session expired', [{ type: 'write', bytes }]);
    }
    return this.end(`cannot open the session: ${err.message}`);
  }

  onReply(slot: number, reply: object, zxidNow: number): ConnectionAction[] {
    const s = this.outbox.find((x) => x.slot === slot);
    if (!s || s.answer || !s.translate) return [];
    const zxid = typeof (reply as { zxid?: unknown }).zxid === 'number' ? (reply as { zxid: number }).zxid : zxidNow;
    this.counts.lastZxid = Math.max(this.counts.lastZxid, zxid);
    s.answer = s.translate(reply);
    return this.flush();
  }

  onEvents(events: WatchEvent[]): ConnectionAction[] {
    if (this.phase !== 'open') return [];
    return events.map((e) => ({
      type: 'write' as const,
      bytes: encodeNotification(e.zxid, { type: EventType[e.type], state: KeeperState.SyncConnected, path: e.path }),
    }));
  }

  /**
   * The session ended or left this actor. ZooKeeper closes the connection of an expired
   * session; its client reconnects, hears timeout 0 and reports expiry. A moving session's
   * client reconnects elsewhere and resumes it.
   */
  onSessionState(state: 'expired' | 'moving' | 'moved'): ConnectionAction[] {
    if (this.phase === 'ended') return [];
    return this.end(`session ${state}`);
  }

  private flush(): ConnectionAction[] {
    const out: ConnectionAction[] = [];
    while (this.outbox.length > 0 && this.outbox[0]!.answer) {
      const s = this.outbox.shift()!;
      out.push({ type: 'write', bytes: encodeReply(s.xid, this.counts.lastZxid, s.answer!.err, s.answer!.body) });
      this.counts.sent++;
      if (s.closesOnError && s.answer!.err !== 0) return [...out, ...this.end('authentication failed')];
      if (s.closes) return [...out, ...this.end('closed by the client')];
    }
    return out;
  }

  private end(reason: string, before: ConnectionAction[] = []): ConnectionAction[] {
    this.phase = 'ended';
    this.outbox.length = 0;
    return [...before, { type: 'end', reason }];
  }
}
