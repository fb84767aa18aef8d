// natszk's write path with none of natszk's logic: a session actor, a leader and two followers,
// each its own process, passing the messages a natszk create passes, batched per event-loop
// turn as natszk batches them, over natszk's own Bus, codec and log-entry form, logging
// through natszk's own LMDB store (a follower acks once its append is durable; a write is
// answered once the leader's log and one follower's hold it). What it leaves out is everything natszk decides:
// validation, sessions, the tree, Zab's phases, watches, stats. Its throughput beside
// ZooKeeper's is what this architecture allows on a machine before natszk does any work.
// Run as a child of bench/skeleton/system.ts: node actors.js <role> <nats url> <dir> <sid> <log>
// (role: session, leader, follower, or session+leader for a session actor in the leader's
// process; log: see logs.ts).

import type { BusMessage } from '../../transport/bus.js';
import { NatsBus } from '../../transport/nats-bus.js';
import { decode, decodeKeepingItems, encode, encodeWithItems } from '../../transport/codec.js';
import { encodeEntry, parseLogEntry } from '../../transport/log-entry.js';
import type { LogEntry } from '../../storage/txn.js';
import { openLog, type LogKind, type SkeletonLog } from './logs.js';

/** The skeleton's own subjects, on its own nats-server: nothing of natszk's hears them. */
export const SUBJECTS = {
  session: 'skeleton.session',
  write: 'skeleton.write',
  answer: 'skeleton.answer',
  committed: 'skeleton.committed',
  ack: 'skeleton.ack',
  follower: (sid: number) => `skeleton.follower.${sid}`,
  ready: 'skeleton.ready',
};
export const FOLLOWERS = [2, 3];

/** A client's calls of one turn, in one message: paths and data (natszk's client batches so too). */
export type ClientBatch = { path: string; data: Uint8Array }[];
interface Forwarded { batch: number; items: ClientBatch }
interface Answer { batch: number; firstZxid: number }
interface Proposal { entries: LogEntry[]; commit: number }
interface Ack { sid: number; zxid: number }

/** What the actors use of a Bus. */
interface SkeletonBus {
  publish(subject: string, data: Uint8Array): void;
  subscribe(subject: string, handler: (msg: BusMessage) => void): unknown;
}

/**
 * Actors in one process: a subject one of them subscribes to is delivered to it directly (in
 * a later turn, as a message would arrive), the rest go over NATS.
 */
function sharedProcess(bus: NatsBus): SkeletonBus {
  const local = new Map<string, (msg: BusMessage) => void>();
  return {
    publish: (subject, data) => {
      const handler = local.get(subject);
      if (handler) setImmediate(() => handler({ subject, data }));
      else bus.publish(subject, data);
    },
    subscribe: (subject, handler) => {
      if (subject === SUBJECTS.write || subject === SUBJECTS.answer || subject === SUBJECTS.committed) local.set(subject, handler);
      else bus.subscribe(subject, handler);
    },
  };
}

/** Runs fn once at the end of this turn, however often it is asked for during it. */
function perTurn(fn: () => void): () => void {
  let scheduled = false;
  return () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => { scheduled = false; fn(); });
  };
}

/** Takes clients' batches, forwards a turn's worth to the leader in one message, answers each client. */
function sessionActor(bus: SkeletonBus): void {
  const waiting = new Map<number, { reply: string; count: number }[]>();
  let next = 0;
  let turn: { reply: string; items: ClientBatch }[] = [];
  const forward = perTurn(() => {
    const batch = next++;
    waiting.set(batch, turn.map((t) => ({ reply: t.reply, count: t.items.length })));
    bus.publish(SUBJECTS.write, encode({ batch, items: turn.flatMap((t) => t.items) } satisfies Forwarded));
    turn = [];
  });
  bus.subscribe(SUBJECTS.session, (m) => {
    if (!m.reply) return;
    turn.push({ reply: m.reply, items: decode(m.data) as ClientBatch });
    forward();
  });
  bus.subscribe(SUBJECTS.answer, (m) => {
    const { batch, firstZxid } = decode(m.data) as Answer;
    let zxid = firstZxid;
    for (const { reply, count } of waiting.get(batch) ?? []) {
      bus.publish(reply, encode(Array.from({ length: count }, () => zxid++)));
    }
    waiting.delete(batch);
  });
  // A replica follows the committed stream; this one only reads its entries.
  bus.subscribe(SUBJECTS.committed, (m) => { (decode(m.data) as { entries: unknown[] }).entries.map(parseLogEntry); });
}

/** Assigns zxids, proposes a turn's entries to both followers, logs them, commits on a quorum. */
function leader(bus: SkeletonBus, store: SkeletonLog): void {
  let lastZxid = 0;
  let durable = 0;
  let committed = 0;
  const acked = new Map<number, number>(FOLLOWERS.map((sid) => [sid, 0]));
  const batches: { batch: number; entries: LogEntry[] }[] = [];
  let turn: LogEntry[] = [];
  const propose = perTurn(() => {
    const entries = turn;
    turn = [];
    // natszk's encoding: each entry's bytes made once, for both followers and the log.
    const proposal = encodeWithItems({ commit: committed } satisfies Omit<Proposal, 'entries'>, 'entries', entries.map(encodeEntry));
    for (const sid of FOLLOWERS) bus.publish(SUBJECTS.follower(sid), proposal);
    const last = entries[entries.length - 1]!.zxid;
    void store.appendLog(entries).then(() => { durable = last; advance(); });
  });
  const advance = () => {
    // A quorum of three: the leader's own log and the further of its followers.
    const point = Math.min(durable, Math.max(...acked.values()));
    if (point <= committed) return;
    committed = point;
    const done: LogEntry[] = [];
    while (batches.length > 0 && batches[0]!.entries[batches[0]!.entries.length - 1]!.zxid <= committed) {
      const { batch, entries } = batches.shift()!;
      bus.publish(SUBJECTS.answer, encode({ batch, firstZxid: entries[0]!.zxid } satisfies Answer));
      done.push(...entries);
    }
    store.noteCommitted(committed);
    if (done.length > 0) bus.publish(SUBJECTS.committed, encodeWithItems({}, 'entries', done.map(encodeEntry)));
  };
  bus.subscribe(SUBJECTS.write, (m) => {
    const { batch, items } = decode(m.data) as Forwarded;
    const time = Date.now();
    const entries = items.map(({ path, data }): LogEntry => ({
      zxid: ++lastZxid, time, sessionId: 1,
      txn: { type: 'create', path, data, kind: 'persistent', ephemeralOwner: 0, ttlMs: 0, parentCVersion: 0 },
    }));
    batches.push({ batch, entries });
    turn.push(...entries);
    propose();
  });
  bus.subscribe(SUBJECTS.ack, (m) => {
    const { sid, zxid } = decode(m.data) as Ack;
    if (zxid > (acked.get(sid) ?? 0)) acked.set(sid, zxid);
    advance();
  });
}

/** Logs each proposal and acks it once durable. */
function follower(bus: SkeletonBus, store: SkeletonLog, sid: number): void {
  bus.subscribe(SUBJECTS.follower(sid), (m) => {
    // As natszk's follower: the entries logged in the bytes the leader encoded them in.
    const { entries: forms, commit } = decodeKeepingItems(m.data, 'entries') as { entries: unknown[]; commit: number };
    const entries = forms.map(parseLogEntry);
    store.noteCommitted(commit);
    const zxid = entries[entries.length - 1]!.zxid;
    void store.appendLog(entries).then(() => bus.publish(SUBJECTS.ack, encode({ sid, zxid } satisfies Ack)));
  });
}

async function main(role: string, url: string, dir: string, sid: number, log: LogKind): Promise<void> {
  const bus = await NatsBus.connect({ servers: url, name: `skeleton-${role}` });
  if (role === 'session') sessionActor(bus);
  else if (role === 'leader') leader(bus, await openLog(log, dir));
  else if (role === 'session+leader') {
    const shared = sharedProcess(bus);
    sessionActor(shared);
    leader(shared, await openLog(log, dir));
  } else follower(bus, await openLog(log, dir), sid);
  // A round trip through the server (no one answers it): the subscriptions made before are in place.
  await bus.request(SUBJECTS.ready, new Uint8Array(), 5000).catch(() => undefined);
  process.send!('ready');
}

if (process.send) void main(process.argv[2]!, process.argv[3]!, process.argv[4]!, Number(process.argv[5]), process.argv[6] as LogKind);
