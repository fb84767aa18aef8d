// Every message natszk sends, and the validation each gets at the edge before it reaches a
// state machine. Anything malformed becomes a ZkError with ZooKeeper's code; nothing here
// trusts a field it has not checked.

import { checkAclList, type Acl, type Identity } from '../storage/acl.js';
import { ZkError } from '../storage/errors.js';
import { validateCreatePath, validatePath } from '../storage/paths.js';
import { CreateMode, modeIsSequential, type CreateModeValue, type LogEntry, type TxnResult } from '../storage/txn.js';
import { decode, encode } from './codec.js';
import { parseLogEntry } from './log-entry.js';
import { ANY_VERSION, isSessionActorOp, WATCH_KINDS, type AddAuthOp, type ClientOp, type LeaderOp, type MultiSubOp, type WatchSet } from './ops.js';

export type Format = 'msgpack' | 'json';

export interface Limits {
  /** Largest znode data in bytes (ZooKeeper's jute.maxbuffer default is 1 MiB). */
  maxDataBytes: number;
}

export const DEFAULT_LIMITS: Limits = { maxDataBytes: 1024 * 1024 };
const MAX_MULTI_OPS = 10_000;
/** Far more than any real ACL or login holds; only there so a request cannot make the leader loop for long. */
const MAX_ACL_ENTRIES = 1000;
const MAX_ACL_CHARS = 16 * 1024;
const MAX_AUTH_CHARS = 1024;
const MAX_AUTHS = 32;

const OPEN_BRACE = 0x7b;
const utf8 = new TextDecoder('utf-8', { fatal: true });
const utf8Encoder = new TextEncoder();

/** A JSON request starts with '{' (a msgpack request never does: it is a map). */
export function decodeBody(bytes: Uint8Array): { format: Format; body: unknown } {
  if (bytes.length > 0 && bytes[0] === OPEN_BRACE) {
    try {
      return { format: 'json', body: JSON.parse(utf8.decode(bytes)) };
    } catch (err) {
      throw new ZkError('MARSHALLINGERROR', `request is not valid JSON: ${(err as Error).message}`);
    }
  }
  try {
    return { format: 'msgpack', body: decode(bytes) };
  } catch (err) {
    throw new ZkError('MARSHALLINGERROR', `request is not valid msgpack: ${(err as Error).message}`);
  }
}

export function encodeBody(format: Format, body: object): Uint8Array {
  return format === 'json' ? utf8Encoder.encode(JSON.stringify(toJson(body))) : encode(body);
}

/** JSON has no bytes: data travels as UTF-8 text when it is text, else as base64. */
function toJson(value: unknown): unknown {
  if (value instanceof Uint8Array) return value;
  if (Array.isArray(value)) return value.map(toJson);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (v instanceof Uint8Array) {
        try {
          out[k] = utf8.decode(v);
        } catch {
          out[`${k}Base64`] = Buffer.from(v).toString('base64');
        }
      } else out[k] = toJson(v);
    }
    return out;
  }
  return value;
}

// ---------- field readers ----------

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

function requireObject(v: unknown, what: string): Record<string, unknown> {
  if (!isObject(v)) throw new ZkError('MARSHALLINGERROR', `${what} must be a map`);
  return v;
}

function str(o: Record<string, unknown>, key: string): string {
  const v = o[key];
  if (typeof v !== 'string') throw new ZkError('BADARGUMENTS', `'${key}' must be a string`);
  return v;
}

function int(o: Record<string, unknown>, key: string, fallback?: number, min = -Infinity): number {
  const v = o[key] ?? fallback;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) {
    throw new ZkError('BADARGUMENTS', `'${key}' must be an integer${min > -Infinity ? ` >= ${min}` : ''}`);
  }
  return v;
}

function version(o: Record<string, unknown>): number {
  return int(o, 'version', ANY_VERSION, ANY_VERSION);
}

function data(o: Record<string, unknown>, limits: Limits): Uint8Array {
  let bytes: Uint8Array;
  const v = o.data;
  if (v === undefined || v === null) {
    const b64 = o.dataBase64;
    if (b64 === undefined) bytes = new Uint8Array(0);
    else if (typeof b64 === 'string' && /^[A-Za-z0-9+/]*={0,2}$/.test(b64)) bytes = new Uint8Array(Buffer.from(b64, 'base64'));
    else throw new ZkError('BADARGUMENTS', `'dataBase64' must be a base64 string`);
  } else if (v instanceof Uint8Array) bytes = v;
  else if (typeof v === 'string') bytes = utf8Encoder.encode(v);
  else throw new ZkError('BADARGUMENTS', `'data' must be bytes or a string`);
  if (bytes.length > limits.maxDataBytes) {
    throw new ZkError('BADARGUMENTS', `data is ${bytes.length} bytes, over the limit of ${limits.maxDataBytes}`);
  }
  return bytes;
}

const MODE_NAMES: Record<string, CreateModeValue> = Object.fromEntries(
  Object.entries(CreateMode).flatMap(([name, value]) => [
    [name.toLowerCase(), value],
    [name.toLowerCase().replace(/_(\w)/g, (_, c: string) => c.toUpperCase()), value],
  ]),
);

function mode(o: Record<string, unknown>): CreateModeValue {
  const v = o.mode ?? CreateMode.PERSISTENT;
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 6) return v as CreateModeValue;
  if (typeof v === 'string' && Object.hasOwn(MODE_NAMES, v.toLowerCase())) return MODE_NAMES[v.toLowerCase()]!;
  if (typeof v === 'string' && Object.hasOwn(MODE_NAMES, v)) return MODE_NAMES[v]!;
  throw new ZkError('BADARGUMENTS', `'mode' must be 0-6 or a CreateMode name`);
}

/**
 * An ACL field: a list of { perms, scheme, id }. A wrongly typed field is BADARGUMENTS; a
 * well-typed ACL ZooKeeper would refuse (no entries, perms outside ALL, an unknown scheme, a
 * malformed digest or ip id) is INVALIDACL, unless `deferred`: inside a multi the leader
 * refuses it, so that the failure is reported per op as ZooKeeper reports it.
 */
function acl(o: Record<string, unknown>, where: string, deferred: boolean): Acl[] {
  const v = o.acl;
  if (!Array.isArray(v)) throw new ZkError('BADARGUMENTS', `'acl' must be a list of { perms, scheme, id }`);
  if (v.length > MAX_ACL_ENTRIES) throw new ZkError('BADARGUMENTS', `an ACL holds at most ${MAX_ACL_ENTRIES} entries`);
  const list = v.map((entry): Acl => {
    if (!isObject(entry)) throw new ZkError('BADARGUMENTS', `an ACL entry must be a map { perms, scheme, id }`);
    const perms = entry.perms;
    if (typeof perms !== 'number' || !Number.isSafeInteger(perms)) throw new ZkError('BADARGUMENTS', `an ACL entry's 'perms' must be an integer`);
    const scheme = str(entry, 'scheme');
    const id = str(entry, 'id');
    return { perms, scheme, id };
  });
  // An ACL travels in every create's transaction and lives in every replica: keep it small.
  if (list.reduce((n, a) => n + a.scheme.length + a.id.length, 0) > MAX_ACL_CHARS) throw new ZkError('BADARGUMENTS', `an ACL's schemes and ids are at most ${MAX_ACL_CHARS} characters in all`);
  if (!deferred) checkAclList(where, list);
  return list;
}

function path(o: Record<string, unknown>): string {
  const p = str(o, 'path');
  validatePath(p);
  return p;
}

function subOp(o: Record<string, unknown>, limits: Limits, inMulti: boolean): MultiSubOp {
  switch (o.op) {
    case 'create': {
      const m = mode(o);
      const p = str(o, 'path');
      validateCreatePath(p, modeIsSequential(m));
      // Clients say `ttl`; a session actor forwards the parsed op, which says `ttlMs`.
      const ttlMs = int(o, o.ttlMs !== undefined ? 'ttlMs' : 'ttl', 0, 0);
      const d = data(o, limits);
      if (o.acl === undefined || o.acl === null) return { op: 'create', path: p, data: d, mode: m, ttlMs };
      return { op: 'create', path: p, data: d, mode: m, ttlMs, acl: acl(o, p, inMulti) };
    }
    case 'delete':
      return { op: 'delete', path: path(o), version: version(o) };
    case 'setData':
      return { op: 'setData', path: path(o), data: data(o, limits), version: version(o) };
    case 'check':
      if (!inMulti) throw new ZkError('BADARGUMENTS', `'check' is only valid inside a multi`);
      return { op: 'check', path: path(o), version: version(o) };
    default:
      throw new ZkError('UNIMPLEMENTED', `unknown op ${JSON.stringify(o.op)}${inMulti ? ' in multi' : ''}`);
  }
}

/** A client's operation, from a decoded public-API request body. */
export function parseClientOp(body: unknown, limits: Limits = DEFAULT_LIMITS): ClientOp {
  const o = requireObject(body, 'request');
  if (typeof o.op !== 'string') throw new ZkError('BADARGUMENTS', `'op' must be a string`);
  switch (o.op) {
    case 'getData':
    case 'exists':
    case 'getChildren':
      if (o.watch !== undefined && typeof o.watch !== 'boolean') throw new ZkError('BADARGUMENTS', `'watch' must be a boolean`);
      return { op: o.op, path: path(o), watch: o.watch === true };
    case 'sync':
    case 'getAllChildrenNumber':
    case 'getACL':
      return { op: o.op, path: path(o) };
    case 'setACL': {
      const p = path(o);
      // ZooKeeper fixes the ACL up before it looks at the node or the version.
      const list = acl(o, p, false);
      return { op: 'setACL', path: p, acl: list, version: version(o) };
    }
    case 'addAuth':
      throw new ZkError('BADARGUMENTS', `addAuth authenticates a session; it needs one`);
    case 'getEphemerals': {
      // A prefix of a path, so it need not name a node ('/app/lock-' is fine).
      const prefix = o.prefix === undefined ? '/' : str(o, 'prefix');
      if (!prefix.startsWith('/')) throw new ZkError('BADARGUMENTS', `'prefix' must start with /`);
      return { op: 'getEphemerals', prefix };
    }
    case 'multiRead': {
      const ops = o.ops;
      if (!Array.isArray(ops)) throw new ZkError('BADARGUMENTS', `'ops' must be an array`);
      if (ops.length > MAX_MULTI_OPS) throw new ZkError('BADARGUMENTS', `a multiRead holds at most ${MAX_MULTI_OPS} ops`);
      return {
        op: 'multiRead',
        ops: ops.map((sub) => {
          const so = requireObject(sub, 'multiRead op');
          if (so.op !== 'getData' && so.op !== 'getChildren') throw new ZkError('BADARGUMENTS', `a multiRead holds only getData and getChildren, not ${JSON.stringify(so.op)}`);
          return { op: so.op, path: path(so) };
        }),
      };
    }
    case 'addWatch':
      if (o.mode !== 'persistent' && o.mode !== 'persistentRecursive') throw new ZkError('BADARGUMENTS', `'mode' must be 'persistent' or 'persistentRecursive'`);
      return { op: 'addWatch', path: path(o), mode: o.mode };
    case 'removeWatches': {
      const type = o.type ?? 'any';
      if (type !== 'data' && type !== 'children' && type !== 'any' && type !== 'persistent' && type !== 'persistentRecursive') {
        throw new ZkError('BADARGUMENTS', `'type' must be one of data, children, any, persistent, persistentRecursive`);
      }
      return { op: 'removeWatches', path: path(o), type };
    }
    case 'multi': {
      const ops = o.ops;
      if (!Array.isArray(ops)) throw new ZkError('BADARGUMENTS', `'ops' must be an array`);
      if (ops.length > MAX_MULTI_OPS) throw new ZkError('BADARGUMENTS', `a multi holds at most ${MAX_MULTI_OPS} ops`);
      return { op: 'multi', ops: ops.map((sub) => subOp(requireObject(sub, 'multi op'), limits, true)) };
    }
    default:
      return subOp(o, limits, false);
  }
}

/** ZooKeeper's auth packet: a scheme and its credentials (bytes; for digest, "user:password" in UTF-8). */
function addAuth(o: Record<string, unknown>): AddAuthOp {
  const scheme = str(o, 'scheme');
  const v = o.auth;
  let auth: string;
  if (typeof v === 'string') auth = v;
  else if (v instanceof Uint8Array) auth = Buffer.from(v).toString('utf8');
  else throw new ZkError('BADARGUMENTS', `'auth' must be a string or bytes`);
  // What it yields travels with every write of the session: keep it small.
  if (scheme.length > MAX_AUTH_CHARS || auth.length > MAX_AUTH_CHARS) throw new ZkError('BADARGUMENTS', `'scheme' and 'auth' are at most ${MAX_AUTH_CHARS} characters`);
  return { op: 'addAuth', scheme, auth };
}

/** What a session may send its actor: a client op, or one of the session's own (close, ping, addAuth). */
export function parseSessionRequest(body: unknown, limits: Limits = DEFAULT_LIMITS): ClientOp | AddAuthOp | { op: 'close' } | { op: 'ping' } {
  const o = requireObject(body, 'request');
  if (o.op === 'close' || o.op === 'ping') return { op: o.op };
  if (o.op === 'addAuth') return addAuth(o);
  return parseClientOp(o, limits);
}

/** Fields of a session-bound request beside its op. */
export function parseSessionFields(body: unknown): { sessionId: number; secret: string } {
  const o = requireObject(body, 'request');
  return { sessionId: int(o, 'session', undefined, 1), secret: str(o, 'secret') };
}

/** Most requests one batch may carry (a client's requests of one turn). */
export const MAX_BATCH = 10_000;

/**
 * A batch: { session, secret, batch: [request, ...] } carries a client's requests of one turn,
 * taken in order as if each came alone; undefined for a request that is not a batch.
 */
export function parseSessionBatch(body: unknown): unknown[] | undefined {
  const o = requireObject(body, 'request');
  if (o.batch === undefined) return undefined;
  if (!Array.isArray(o.batch) || o.batch.length === 0 || o.batch.length > MAX_BATCH) {
    throw new ZkError('BADARGUMENTS', `'batch' must be a list of 1 to ${MAX_BATCH} requests`);
  }
  return o.batch;
}

/** One part of a batch's answers: replies[i] answers request first + i. */
export interface BatchReplyPart {
  first: number;
  replies: object[];
}

/** The next part of a batch of size requests, of which answered have their replies already. */
export function parseBatchReply(body: unknown, answered: number, size: number): Record<string, unknown>[] {
  const o = requireObject(body, 'batch reply');
  const first = int(o, 'first', undefined, 0);
  if (first !== answered) throw new ZkError('MARSHALLINGERROR', `batch replies out of order: ${first} after ${answered}`);
  if (!Array.isArray(o.replies) || o.replies.length === 0 || first + o.replies.length > size) {
    throw new ZkError('MARSHALLINGERROR', `'replies' must be a list of 1 to ${size - first} replies`);
  }
  return o.replies.map((r) => requireObject(r, 'reply'));
}

export interface SessionOpenRequest {
  timeoutMs: number;
  /** where the client hears watch events and session states: an inbox of its own */
  events?: string;
  /** resuming a session that lived on another actor */
  resume?: { sessionId: number; secret: string; lastZxid: number; watches: WatchSet; auth?: AddAuthOp[] };
}

/** A session actor took over a session. */
export function parseSessionMoved(body: unknown): { sessionId: number; actor: string } {
  const o = requireObject(body, 'session moved');
  return { sessionId: int(o, 'session', undefined, 1), actor: str(o, 'actor') };
}

export function parseSessionOpen(body: unknown): SessionOpenRequest {
  const o = requireObject(body, 'request');
  const out: SessionOpenRequest = { timeoutMs: int(o, 'timeout', 30_000, 0) };
  if (o.events !== undefined) {
    const events = str(o, 'events');
    // Events go only to a client's own inbox, never onto an ensemble subject.
    if (!/^_INBOX\.[A-Za-z0-9_\-.]+$/.test(events) || events.includes('..') || events.endsWith('.')) {
      throw new ZkError('BADARGUMENTS', `'events' must be an _INBOX subject without wildcards`);
    }
    out.events = events;
  }
  if (o.resume !== undefined) {
    const r = requireObject(o.resume, 'resume');
    const watches: WatchSet = {};
    const w = r.watches === undefined ? {} : requireObject(r.watches, 'watches');
    for (const kind of WATCH_KINDS) {
      if (w[kind] === undefined) continue;
      if (!Array.isArray(w[kind])) throw new ZkError('BADARGUMENTS', `'watches.${kind}' must be an array of paths`);
      watches[kind] = (w[kind] as unknown[]).map((p) => {
        if (typeof p !== 'string') throw new ZkError('BADARGUMENTS', `'watches.${kind}' must be an array of paths`);
        validatePath(p);
        return p;
      });
    }
    // Identities belong to a session's connection, as in ZooKeeper: the client gives its
    // credentials again (as ZooKeeper's clients re-send their auth packets) and they are checked again.
    let auth: AddAuthOp[] = [];
    if (r.auth !== undefined) {
      if (!Array.isArray(r.auth) || r.auth.length > MAX_AUTHS) throw new ZkError('BADARGUMENTS', `'resume.auth' must be a list of at most ${MAX_AUTHS} { scheme, auth }`);
      auth = r.auth.map((a) => addAuth(requireObject(a, 'resume.auth entry')));
    }
    out.resume = { sessionId: int(r, 'session', undefined, 1), secret: str(r, 'secret'), lastZxid: int(r, 'lastZxid', 0, 0), watches, auth };
  }
  return out;
}

// ---------- replies ----------

export interface ErrorReply {
  error: string;
  code: number;
  message: string;
  results?: unknown[];
}

export function errorReply(err: unknown): ErrorReply {
  if (err instanceof ZkError) {
    const reply: ErrorReply = { error: err.codeName, code: err.code, message: err.message };
    if (err.results) reply.results = err.results;
    return reply;
  }
  return { error: 'SYSTEMERROR', code: -1, message: `internal error: ${(err as Error)?.message ?? String(err)}` };
}

export function isErrorReply(v: unknown): v is ErrorReply {
  return isObject(v) && typeof v.error === 'string' && typeof v.code === 'number';
}

// ---------- session actor <-> proposer ----------

/**
 * One write forwarded to the leader; sync asks for a barrier and carries no op. auth: the
 * identities the session holds (session actors are trusted peers; the leader checks ACLs with them).
 */
export type ForwardedWrite = { sessionId: number; op: LeaderOp; auth?: Identity[] };

export interface WriteBatch {
  writes: ForwardedWrite[];
}

/** Per write: the committed zxid and result, or an error. */
export type WriteOutcome = { zxid: number; result: TxnResult | { type: 'sync' } } | ErrorReply;

export interface WriteBatchReply {
  outcomes: WriteOutcome[];
}

/** The identities a forwarded write carries (write-batch.ts gives them their map shape). */
export function parseIdentities(v: unknown): Identity[] {
  if (!Array.isArray(v) || v.length > MAX_ACL_ENTRIES) throw new ZkError('MARSHALLINGERROR', `'auth' must be a list of identities`);
  return v.map((i) => {
    const o = requireObject(i, 'identity');
    return { scheme: str(o, 'scheme'), id: str(o, 'id') };
  });
}

/** Forwarded ops were validated by the session actor; the leader checks again, never trusting the wire. */
export function parseLeaderOp(body: unknown, limits: Limits): LeaderOp {
  const o = requireObject(body, 'op');
  if (o.op === 'createSession') return { op: 'createSession', timeoutMs: int(o, 'timeoutMs', undefined, 1), secretHash: str(o, 'secretHash') };
  if (o.op === 'closeSession') return { op: 'closeSession' };
  const op = parseClientOp(o, limits);
  if (isSessionActorOp(op)) {
    throw new ZkError('BADARGUMENTS', `${op.op} is served by session actors, not the leader`);
  }
  return op;
}

/** A session actor's periodic { sessions: [...] }: the sessions whose clients it still hears from. */
export function parseTouches(body: unknown): number[] {
  const o = requireObject(body, 'touches');
  if (!Array.isArray(o.sessions) || !o.sessions.every((id) => Number.isSafeInteger(id) && id > 0)) {
    throw new ZkError('MARSHALLINGERROR', `'sessions' must be a list of session ids`);
  }
  return o.sessions as number[];
}

// ---------- committed stream and catch-up ----------

export interface CommittedBatch {
  /** zxid of the last entry committed before this batch: a replica that is not there has a gap. */
  prevZxid: number;
  entries: LogEntry[];
  /** leader's server id and epoch, so replicas know whom they follow */
  leader: number;
  epoch: number;
}

export function parseCommittedBatch(body: unknown): CommittedBatch {
  const o = requireObject(body, 'committed batch');
  if (!Array.isArray(o.entries)) throw new ZkError('MARSHALLINGERROR', `'entries' must be an array`);
  return { prevZxid: int(o, 'prevZxid', undefined, 0), entries: o.entries.map(parseLogEntry), leader: int(o, 'leader'), epoch: int(o, 'epoch') };
}

export interface LogFetchRequest { afterZxid: number; limit: number }
export function parseLogFetchReply(body: unknown): LogFetchReply {
  const o = requireObject(body, 'log fetch reply');
  if (!Array.isArray(o.entries)) throw new ZkError('MARSHALLINGERROR', `'entries' must be an array`);
  return { entries: o.entries.map(parseLogEntry), snapshotNeeded: o.snapshotNeeded === true, lastCommittedZxid: int(o, 'lastCommittedZxid', undefined, 0) };
}

export interface LogFetchReply {
  /** committed entries after afterZxid, in order; empty when caught up */
  entries: LogEntry[];
  /** true when the server's log no longer reaches back to afterZxid: load a snapshot */
  snapshotNeeded: boolean;
  lastCommittedZxid: number;
}

export function parseLogFetch(body: unknown): LogFetchRequest {
  const o = requireObject(body, 'log fetch');
  return { afterZxid: int(o, 'afterZxid', undefined, 0), limit: Math.min(int(o, 'limit', 1000, 1), 10_000) };
}

export interface SnapshotInfoReply { serverId: number; zxid: number; chunks: number; bytes: number }
export interface SnapshotChunkRequest { zxid: number; index: number }

export function parseSnapshotChunkRequest(body: unknown): SnapshotChunkRequest {
  const o = requireObject(body, 'snapshot chunk request');
  return { zxid: int(o, 'zxid', undefined, 0), index: int(o, 'index', undefined, 0) };
}

export interface ServerStatus {
  serverId: number;
  role: 'leader' | 'follower' | 'looking';
  epoch: number;
  lastLoggedZxid: number;
  lastCommittedZxid: number;
  leader: number | null;
  /** absent where the answering process holds no tree (a split server's election actor) */
  nodeCount?: number;
  sessions?: number;
  followers?: Record<string, number>;
}


// ---------- peer messages (voting servers only) ----------

/** Leader to follower, in the order Zab sends them. */
export type LeaderMessage =
  | { type: 'newEpoch'; epoch: number }
  /** the follower's log after zxid is not the leader's: drop it (a DIFF follows) */
  | { type: 'trunc'; epoch: number; zxid: number }
  /** the leader's history after prevZxid (chained like proposals, so a lost part is seen) */
  | { type: 'diff'; epoch: number; prevZxid: number; entries: LogEntry[] }
  /** the leader's tree at zxid, replacing the follower's log (the shell gathers snapChunks into one) */
  | { type: 'snap'; epoch: number; zxid: number; chunks: Uint8Array[] }
  | { type: 'snapChunk'; epoch: number; zxid: number; index: number; total: number; chunk: Uint8Array }
  /** end of synchronization: the leader's history runs up to zxid */
  | { type: 'newLeader'; epoch: number; zxid: number }
  /** a quorum holds the new history: it is committed, and broadcast begins */
  | { type: 'upToDate'; epoch: number }
  /** committedZxid: the commit point rides along, so a busy leader sends few commits of their own */
  | { type: 'proposal'; epoch: number; prevZxid: number; committedZxid: number; entries: LogEntry[] }
  /** cumulative: everything up to zxid is committed */
  | { type: 'commit'; epoch: number; zxid: number }
  /** lastZxid: the leader's last proposal, so a follower that missed the latest ones asks for them */
  | { type: 'ping'; epoch: number; committedZxid: number; lastZxid: number }
  /** the leader is shutting down: look for the next one now, not after syncLimit of silence */
  | { type: 'leaving'; epoch: number };

/** Follower to leader. */
export type FollowerMessage =
  | { type: 'followerInfo'; from: number; acceptedEpoch: number; lastZxid: number }
  | { type: 'ackEpoch'; from: number; epoch: number; currentEpoch: number; lastZxid: number }
  | { type: 'ackNewLeader'; from: number; epoch: number }
  /** durably logged everything up to zxid */
  | { type: 'ack'; from: number; epoch: number; zxid: number }
  /** a gap: proposals do not extend what this follower has; sync it again from lastZxid */
  | { type: 'resync'; from: number; epoch: number; lastZxid: number };

/** An election notification (see actors/election). */
export interface VoteMessage {
  type: 'vote';
  from: number;
  round: number;
  state: 'looking' | 'following' | 'leading';
  vote: { leader: number; epoch: number; zxid: number };
}

export type PeerMessage = LeaderMessage | FollowerMessage | VoteMessage;

const PEER_INT_FIELDS: Record<PeerMessage['type'], string[]> = {
  newEpoch: ['epoch'],
  trunc: ['epoch', 'zxid'],
  diff: ['epoch', 'prevZxid'],
  snap: ['epoch', 'zxid'],
  snapChunk: ['epoch', 'zxid', 'index', 'total'],
  newLeader: ['epoch', 'zxid'],
  upToDate: ['epoch'],
  proposal: ['epoch', 'prevZxid', 'committedZxid'],
  commit: ['epoch', 'zxid'],
  ping: ['epoch', 'committedZxid', 'lastZxid'],
  leaving: ['epoch'],
  followerInfo: ['from', 'acceptedEpoch', 'lastZxid'],
  ackEpoch: ['from', 'epoch', 'currentEpoch', 'lastZxid'],
  ackNewLeader: ['from', 'epoch'],
  ack: ['from', 'epoch', 'zxid'],
  resync: ['from', 'epoch', 'lastZxid'],
  vote: ['from', 'round'],
};

/**
 * A follower's probe of its leader's subject when it has nothing else to send as the probe:
 * empty, as only whether NATS delivers it counts (no responders: the leader's process is
 * gone), so the leader drops it before decoding.
 */
export const LEADER_PROBE = new Uint8Array(0);

export function isLeaderProbe(data: Uint8Array): boolean {
  return data.length === 0;
}

/** Peer traffic is checked like client traffic: a malformed message is dropped, never acted on. */
export function parsePeerMessage(body: unknown): PeerMessage {
  const o = requireObject(body, 'peer message');
  const type = o.type as PeerMessage['type'];
  if (typeof type !== 'string' || !Object.hasOwn(PEER_INT_FIELDS, type)) throw new ZkError('UNIMPLEMENTED', `unknown peer message ${JSON.stringify(o.type)}`);
  for (const field of PEER_INT_FIELDS[type]) int(o, field, undefined, 0);
  if (type === 'diff' || type === 'proposal') {
    if (!Array.isArray(o.entries)) throw new ZkError('MARSHALLINGERROR', `'entries' must be an array`);
    o.entries = o.entries.map(parseLogEntry);
  }
  if (type === 'snapChunk' && !(o.chunk instanceof Uint8Array)) throw new ZkError('MARSHALLINGERROR', `'chunk' must be bytes`);
  if (type === 'vote') {
    const v = requireObject(o.vote, 'vote');
    for (const f of ['leader', 'epoch', 'zxid']) int(v, f, undefined, 0);
    if (o.state !== 'looking' && o.state !== 'following' && o.state !== 'leading') throw new ZkError('BADARGUMENTS', `bad vote state`);
  }
  return o as unknown as PeerMessage;
}

// ---------- between the actors of one voting server (split into processes) ----------

export type ActorRole = 'proposer' | 'follower';

export type ServerActorMessage =
  /** the election actor's current decision, repeated every peer tick; `decidedAt` identifies it */
  | { type: 'decision'; decidedAt: number; state: 'looking' | 'leading' | 'following'; leader: number }
  /** a role actor is running; `active`: it runs the role of decision `decision` */
  | { type: 'alive'; actor: ActorRole; active: boolean; decision: number }
  /** the role of decision `decision` ended on its own (leader gone, quorum lost, restarted) */
  | { type: 'lost'; decision: number; reason: string };

export function parseServerActorMessage(body: unknown): ServerActorMessage {
  const o = requireObject(body, 'actor message');
  switch (o.type) {
    case 'decision':
      int(o, 'decidedAt', undefined, 0);
      int(o, 'leader', undefined, 0);
      if (o.state !== 'looking' && o.state !== 'leading' && o.state !== 'following') throw new ZkError('BADARGUMENTS', 'bad decision state');
      break;
    case 'alive':
      int(o, 'decision', undefined, 0);
      if (o.actor !== 'proposer' && o.actor !== 'follower') throw new ZkError('BADARGUMENTS', 'bad actor');
      if (typeof o.active !== 'boolean') throw new ZkError('MARSHALLINGERROR', `'active' must be a boolean`);
      break;
    case 'lost':
      int(o, 'decision', undefined, 0);
      str(o, 'reason');
      break;
    default:
      throw new ZkError('UNIMPLEMENTED', `unknown actor message ${JSON.stringify(o.type)}`);
  }
  return o as unknown as ServerActorMessage;
}
