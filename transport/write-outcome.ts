// The leader's answer to a session actor's batch, as it travels: each stat as its eleven
// numbers in STAT_FIELDS order, not a map of eleven names. A stat was most of an answer's
// bytes, and every write has one; the session actor gives its client the map again.

import { malformed } from '../storage/errors.js';
import { STAT_FIELDS, type Stat } from '../storage/txn.js';
import { isErrorReply, type ErrorReply, type WriteBatchReply, type WriteOutcome } from './messages.js';

type Result = Exclude<WriteOutcome, ErrorReply>['result'];

export function writeBatchReplyForm(reply: WriteBatchReply): unknown {
  return { outcomes: reply.outcomes.map((o) => (isErrorReply(o) ? o : { zxid: o.zxid, result: resultForm(o.result) })) };
}

function resultForm(r: Result): unknown {
  if ('stat' in r) return { ...r, stat: STAT_FIELDS.map((f) => r.stat[f]) };
  if (r.type === 'multi') return { ...r, results: r.results.map(resultForm) };
  return r;
}

/** A batch's answer from the leader (a peer, but checked all the same), or the error that refused the whole batch. */
export function parseWriteBatchReply(body: unknown): WriteBatchReply | ErrorReply {
  if (isErrorReply(body)) return body;
  const outcomes = (body as { outcomes?: unknown } | null)?.outcomes;
  if (!Array.isArray(outcomes)) throw malformed(`a write batch reply has a list of 'outcomes'`);
  return { outcomes: outcomes.map((o) => (isErrorReply(o) ? o : { zxid: zxidOf(o), result: parseResult((o as { result?: unknown }).result) })) };
}

function zxidOf(o: unknown): number {
  const zxid = (o as { zxid?: unknown } | null)?.zxid;
  if (!Number.isSafeInteger(zxid)) throw malformed(`a write outcome has a 'zxid'`);
  return zxid as number;
}

function parseResult(v: unknown): Result {
  if (v === null || typeof v !== 'object') throw malformed('a write outcome has a result');
  const r = v as Record<string, unknown>;
  if (Array.isArray(r.stat)) return { ...r, stat: parseStat(r.stat) } as Result;
  if (Array.isArray(r.results)) return { ...r, results: r.results.map(parseResult) } as Result;
  return r as Result;
}

function parseStat(v: unknown[]): Stat {
  if (v.length !== STAT_FIELDS.length || !v.every(Number.isSafeInteger)) throw malformed(`a stat is ${STAT_FIELDS.length} integers`);
  const stat = {} as Stat;
  STAT_FIELDS.forEach((f, i) => { stat[f] = v[i] as number; });
  return stat;
}
