// A session actor's batch of writes to the leader, as it travels: { writes: [write, ...] } with
// each write [sessionId, op, auth?] and each op [code, ...fields in the order OP_FORMS lists
// them]. Every write crosses this hop, and as maps its field names were most of its bytes and
// of the work of encoding and decoding it. The leader turns each op back into its map shape
// and checks it exactly as a client's request is checked (parseLeaderOp).
//
//   acl   null for none given (world:anyone), else [[perms, scheme, id], ...]
//   auth  [[scheme, id], ...], left out when the session holds no identity

import type { Acl } from '../storage/acl.js';
import { malformed, ZkError } from '../storage/errors.js';
import { aclForm } from './log-entry.js';
import { parseIdentities, parseLeaderOp, type ForwardedWrite, type Limits, type WriteBatch } from './messages.js';
import type { LeaderOp } from './ops.js';

type OpName = LeaderOp['op'];

const OP_FORMS: { [N in OpName]: readonly string[] } = {
  create: ['path', 'data', 'mode', 'ttlMs', 'acl'],
  delete: ['path', 'version'],
  setData: ['path', 'data', 'version'],
  check: ['path', 'version'],
  setACL: ['path', 'acl', 'version'],
  multi: ['ops'],
  createSession: ['timeoutMs', 'secretHash'],
  closeSession: [],
  sync: ['path'],
};
const OP_CODES = Object.keys(OP_FORMS) as OpName[];

export function writeBatchForm(writes: readonly ForwardedWrite[]): { writes: unknown[] } {
  return {
    writes: writes.map((w) => (w.auth && w.auth.length > 0
      ? [w.sessionId, opForm(w.op), w.auth.map((i) => [i.scheme, i.id])]
      : [w.sessionId, opForm(w.op)])),
  };
}

function opForm(op: LeaderOp): unknown[] {
  const out: unknown[] = [OP_CODES.indexOf(op.op)];
  for (const name of OP_FORMS[op.op]) {
    const v = (op as Record<string, unknown>)[name];
    if (name === 'acl') out.push(v === undefined ? null : aclForm(v as Acl[]));
    else if (name === 'ops') out.push((v as LeaderOp[]).map(opForm));
    else out.push(v);
  }
  return out;
}

/** A session actor's batch (a peer, but checked as a client's request is). */
export function parseWriteBatch(body: unknown, limits: Limits): WriteBatch {
  const writes = (body as { writes?: unknown } | null)?.writes;
  if (!Array.isArray(writes)) throw malformed(`a write batch has a list of 'writes'`);
  return {
    writes: writes.map((w) => {
      if (!Array.isArray(w) || w.length < 2 || w.length > 3) throw malformed('a write is [sessionId, op] or [sessionId, op, auth]');
      const [sessionId, op, auth] = w as [unknown, unknown, unknown];
      if (typeof sessionId !== 'number' || !Number.isSafeInteger(sessionId) || sessionId < 0) throw malformed(`a write's session id is an integer >= 0`);
      const write: ForwardedWrite = { sessionId, op: parseLeaderOp(opShape(op), limits) };
      if (auth !== undefined) write.auth = parseIdentities(Array.isArray(auth) ? auth.map(identityShape) : auth);
      return write;
    }),
  };
}

/** The op's map shape, for the checks a client's request gets; fields are checked there, not here. */
function opShape(form: unknown): Record<string, unknown> {
  if (!Array.isArray(form) || typeof form[0] !== 'number') throw malformed('an op is [code, ...fields]');
  const name = OP_CODES[form[0]];
  if (name === undefined) throw new ZkError('UNIMPLEMENTED', `unknown op code ${form[0]}`);
  const fields = OP_FORMS[name];
  if (form.length !== fields.length + 1) throw malformed(`${name} has ${fields.length} fields`);
  const o: Record<string, unknown> = { op: name };
  fields.forEach((field, i) => {
    const v: unknown = form[i + 1];
    if (field === 'acl') o.acl = v === null ? undefined : Array.isArray(v) ? v.map(aclShape) : v;
    else if (field === 'ops') o.ops = Array.isArray(v) ? v.map(opShape) : v;
    else o[field] = v;
  });
  return o;
}

function aclShape(entry: unknown): unknown {
  return Array.isArray(entry) ? { perms: entry[0], scheme: entry[1], id: entry[2] } : entry;
}

function identityShape(entry: unknown): unknown {
  return Array.isArray(entry) ? { scheme: entry[0], id: entry[1] } : entry;
}
