// A log entry as it travels and as it is logged: positional arrays, not maps. Every entry
// crosses NATS three times (to each follower, to the session actors) and is logged on every
// voter; as a map its field names were more than half its bytes, and decoding a map costs
// three times what an array does.
//
//   entry  [zxid, time, sessionId, txn]
//   txn    [code, ...fields in the order FORMS lists them]
//   acl    null for world:anyone:cdrwa, else [[perms, scheme, id], ...]
//
// Logs written before this form hold maps; parseLogEntry reads those too.

import { DEFAULT_ACL, aclEquals, type Acl } from '../storage/acl.js';
import { malformed } from '../storage/errors.js';
import type { LogEntry, NodeKind, Txn } from '../storage/txn.js';
import { adoptEncoding, encodeOnce } from './codec.js';

const TXN_CODES = ['createSession', 'closeSession', 'create', 'delete', 'setData', 'setACL', 'check', 'multi'] as const;
const KIND_CODES: readonly NodeKind[] = ['persistent', 'ephemeral', 'container', 'ttl'];

type Field = 'int' | 'str' | 'bytes' | 'kind' | 'acl' | 'aclOrDefault' | 'txns';

/** Each transaction type's fields, in their order in the array. */
const FORMS: { [T in Txn['type']]: [keyof Extract<Txn, { type: T }>, Field][] } = {
  createSession: [['sessionId', 'int'], ['timeoutMs', 'int'], ['secretHash', 'str']],
  closeSession: [['sessionId', 'int']],
  create: [['path', 'str'], ['data', 'bytes'], ['kind', 'kind'], ['ephemeralOwner', 'int'], ['ttlMs', 'int'], ['parentCVersion', 'int'], ['acl', 'aclOrDefault']],
  delete: [['path', 'str']],
  setData: [['path', 'str'], ['data', 'bytes'], ['version', 'int']],
  setACL: [['path', 'str'], ['acl', 'acl'], ['aversion', 'int']],
  check: [['path', 'str'], ['version', 'int']],
  multi: [['txns', 'txns']],
};

/** The bytes of an entry in its logged form, made once however many places it goes. */
export function encodeEntry(entry: LogEntry): Uint8Array {
  return encodeOnce(entry, entryForm);
}

/** The entry as it is logged: the same transaction has the same form wherever it was parsed. */
export function entryForm(e: LogEntry): unknown[] {
  return [e.zxid, e.time, e.sessionId, txnForm(e.txn)];
}

function txnForm(txn: Txn): unknown[] {
  const out: unknown[] = [TXN_CODES.indexOf(txn.type)];
  for (const [name, field] of FORMS[txn.type] as [string, Field][]) {
    const v = (txn as unknown as Record<string, unknown>)[name];
    switch (field) {
      case 'kind': out.push(KIND_CODES.indexOf(v as NodeKind)); break;
      case 'acl': out.push(aclForm(v as Acl[])); break;
      case 'aclOrDefault': out.push(v === undefined || aclEquals(v as Acl[], DEFAULT_ACL) ? null : aclForm(v as Acl[])); break;
      case 'txns': out.push((v as Txn[]).map(txnForm)); break;
      default: out.push(v);
    }
  }
  return out;
}

/** An ACL as log entries and forwarded writes carry it. */
export function aclForm(acl: readonly Acl[]): [number, string, string][] {
  return acl.map((a) => [a.perms, a.scheme, a.id]);
}

/**
 * A decoded entry, checked field by field (the tree then refuses a transaction that does not
 * apply). The bytes it was decoded from, when kept (see decodeKeepingItems), go with it.
 */
export function parseLogEntry(v: unknown): LogEntry {
  if (!Array.isArray(v)) return parseMapEntry(v);
  if (v.length !== 4) throw malformed('a log entry is [zxid, time, sessionId, txn]');
  const entry: LogEntry = { zxid: int(v[0], 'zxid', 1), time: int(v[1], 'time'), sessionId: int(v[2], 'sessionId', 0), txn: parseTxn(v[3]) };
  adoptEncoding(v, entry);
  return entry;
}

function parseTxn(v: unknown): Txn {
  if (!Array.isArray(v)) throw malformed('a txn is [code, ...fields]');
  const type = TXN_CODES[v[0] as number];
  if (type === undefined) throw malformed(`unknown txn code ${JSON.stringify(v[0])}`);
  const form = FORMS[type] as [string, Field][];
  if (v.length !== form.length + 1) throw malformed(`a ${type} txn has ${form.length} fields`);
  const txn: Record<string, unknown> = { type };
  form.forEach(([name, field], i) => {
    const f = v[i + 1];
    switch (field) {
      case 'int': txn[name] = int(f, name); break;
      case 'str':
        if (typeof f !== 'string') throw malformed(`txn '${name}' must be a string`);
        txn[name] = f;
        break;
      case 'bytes':
        if (!(f instanceof Uint8Array)) throw malformed(`txn '${name}' must be bytes`);
        txn[name] = f;
        break;
      case 'kind': {
        const kind = KIND_CODES[f as number];
        if (kind === undefined) throw malformed(`unknown node kind ${JSON.stringify(f)}`);
        txn[name] = kind;
        break;
      }
      case 'acl': txn[name] = parseAcl(f); break;
      // Absent is the default, as in logs older than ACLs.
      case 'aclOrDefault': if (f !== null) txn[name] = parseAcl(f); break;
      case 'txns':
        if (!Array.isArray(f)) throw malformed(`txn '${name}' must be a list`);
        txn[name] = f.map(parseTxn);
        break;
    }
  });
  return txn as unknown as Txn;
}

function parseAcl(v: unknown): Acl[] {
  if (!Array.isArray(v)) throw malformed('an ACL is a list of [perms, scheme, id]');
  return v.map((a) => {
    if (!Array.isArray(a) || a.length !== 3 || typeof a[1] !== 'string' || typeof a[2] !== 'string') throw malformed('an ACL entry is [perms, scheme, id]');
    return { perms: int(a[0], 'perms'), scheme: a[1], id: a[2] };
  });
}

/** An entry as logs before the array form hold it: only the envelope is checked. */
function parseMapEntry(v: unknown): LogEntry {
  if (v === null || typeof v !== 'object') throw malformed('a log entry must be an array');
  const o = v as Record<string, unknown>;
  if (o.txn === null || typeof o.txn !== 'object' || typeof (o.txn as { type?: unknown }).type !== 'string') throw malformed(`txn 'type' must be a string`);
  return { zxid: int(o.zxid, 'zxid', 1), time: int(o.time, 'time'), sessionId: int(o.sessionId, 'sessionId', 0), txn: o.txn as Txn };
}

function int(v: unknown, name: string, min = Number.MIN_SAFE_INTEGER): number {
  if (!Number.isSafeInteger(v) || (v as number) < min) throw malformed(`'${name}' must be an integer${min > Number.MIN_SAFE_INTEGER ? ` >= ${min}` : ''}`);
  return v as number;
}
