// A client's request frame (RequestHeader + the op's record) as one typed value, and back: the
// gateway decodes with it, the tests encode with it. A frame that does not hold what its op
// code promises throws JuteError; an op code this table does not know is not an error here but
// a request the gateway answers UNIMPLEMENTED, as ZooKeeper does.

import { JuteError, JuteReader, JuteWriter } from './buffers.js';
import { OpCode } from './codes.js';
import { readRecord, writeRecord, type Acl } from './records.js';

export type CreateCode = typeof OpCode.create | typeof OpCode.create2 | typeof OpCode.createContainer | typeof OpCode.createTTL;

export type CreateRequest = { type: 'create'; code: CreateCode; path: string; data: Uint8Array; acl: Acl[]; flags: number; ttl: number };
export type DeleteRequest = { type: 'delete'; path: string; version: number };
export type SetDataRequest = { type: 'setData'; path: string; data: Uint8Array; version: number };
export type CheckRequest = { type: 'check'; path: string; version: number };
export type MultiSubRequest = CreateRequest | DeleteRequest | SetDataRequest | CheckRequest;
export type MultiReadSubRequest = { type: 'getData' | 'getChildren'; path: string; watch: boolean };
export type WatchLists = { data: string[]; exist: string[]; child: string[]; persistent: string[]; persistentRecursive: string[] };

export type ZkRequest =
  | MultiSubRequest
  | { type: 'exists' | 'getData' | 'getChildren' | 'getChildren2'; path: string; watch: boolean }
  | { type: 'getACL'; path: string }
  | { type: 'setACL'; path: string; acl: Acl[]; version: number }
  | { type: 'sync'; path: string }
  | { type: 'multi'; ops: MultiSubRequest[] }
  | { type: 'multiRead'; ops: MultiReadSubRequest[] }
  | { type: 'ping' }
  | { type: 'close' }
  | { type: 'setWatches'; code: typeof OpCode.setWatches | typeof OpCode.setWatches2; relativeZxid: number; watches: WatchLists }
  | { type: 'addWatch'; path: string; mode: number }
  | { type: 'removeWatches' | 'checkWatches'; path: string; watcherType: number }
  | { type: 'getEphemerals'; prefix: string }
  | { type: 'getAllChildrenNumber'; path: string }
  | { type: 'auth'; authType: number; scheme: string; auth: Uint8Array }
  | { type: 'unimplemented'; code: number };

export interface RequestFrame { xid: number; code: number; request: ZkRequest }

const CREATE_CODES: readonly number[] = [OpCode.create, OpCode.create2, OpCode.createContainer, OpCode.createTTL];

function readCreate(r: JuteReader, code: CreateCode): CreateRequest {
  if (code === OpCode.createTTL) return { type: 'create', code, ...readRecord(r, 'CreateTTLRequest') };
  return { type: 'create', code, ...readRecord(r, 'CreateRequest'), ttl: 0 };
}

function readMultiSub(r: JuteReader, code: number): MultiSubRequest {
  if (CREATE_CODES.includes(code)) return readCreate(r, code as CreateCode);
  switch (code) {
    case OpCode.delete: return { type: 'delete', ...readRecord(r, 'DeleteRequest') };
    case OpCode.setData: return { type: 'setData', ...readRecord(r, 'SetDataRequest') };
    case OpCode.check: return { type: 'check', ...readRecord(r, 'CheckVersionRequest') };
    default: throw new JuteError(`op ${code} cannot be part of a multi`);
  }
}

/** A multi's ops: each behind a MultiHeader, ended by one whose done is set. */
function readOps<T>(r: JuteReader, sub: (r: JuteReader, code: number) => T): T[] {
  const ops: T[] = [];
  for (;;) {
    const h = readRecord(r, 'MultiHeader');
    if (h.done) return ops;
    ops.push(sub(r, h.type));
  }
}

function readReadSub(r: JuteReader, code: number): MultiReadSubRequest {
  if (code === OpCode.getData) return { type: 'getData', ...readRecord(r, 'GetDataRequest') };
  if (code === OpCode.getChildren) return { type: 'getChildren', ...readRecord(r, 'GetChildrenRequest') };
  throw new JuteError(`op ${code} cannot be part of a multiRead`);
}

function readBody(r: JuteReader, code: number): ZkRequest {
  if (CREATE_CODES.includes(code)) return readCreate(r, code as CreateCode);
  switch (code) {
    case OpCode.delete: case OpCode.setData: case OpCode.check: return readMultiSub(r, code);
    case OpCode.exists: return { type: 'exists', ...readRecord(r, 'ExistsRequest') };
    case OpCode.getData: return { type: 'getData', ...readRecord(r, 'GetDataRequest') };
    case OpCode.getChildren: return { type: 'getChildren', ...readRecord(r, 'GetChildrenRequest') };
    case OpCode.getChildren2: return { type: 'getChildren2', ...readRecord(r, 'GetChildrenRequest') };
    case OpCode.getACL: return { type: 'getACL', ...readRecord(r, 'GetACLRequest') };
    case OpCode.setACL: return { type: 'setACL', ...readRecord(r, 'SetACLRequest') };
    case OpCode.sync: return { type: 'sync', ...readRecord(r, 'SyncRequest') };
    case OpCode.multi: return { type: 'multi', ops: readOps(r, readMultiSub) };
    case OpCode.multiRead: return { type: 'multiRead', ops: readOps(r, readReadSub) };
    case OpCode.ping: return { type: 'ping' };
    case OpCode.closeSession: return { type: 'close' };
    case OpCode.setWatches: {
      const s = readRecord(r, 'SetWatches');
      return { type: 'setWatches', code, relativeZxid: s.relativeZxid, watches: { data: s.dataWatches, exist: s.existWatches, child: s.childWatches, persistent: [], persistentRecursive: [] } };
    }
    case OpCode.setWatches2: {
      const s = readRecord(r, 'SetWatches2');
      return {
        type: 'setWatches', code, relativeZxid: s.relativeZxid,
        watches: { data: s.dataWatches, exist: s.existWatches, child: s.childWatches, persistent: s.persistentWatches, persistentRecursive: s.persistentRecursiveWatches },
      };
    }
    case OpCode.addWatch: return { type: 'addWatch', ...readRecord(r, 'AddWatchRequest') };
    case OpCode.removeWatches: case OpCode.checkWatches: {
      const { path, type } = readRecord(r, 'RemoveWatchesRequest');
      return { type: code === OpCode.removeWatches ? 'removeWatches' : 'checkWatches', path, watcherType: type };
    }
    case OpCode.getEphemerals: return { type: 'getEphemerals', prefix: readRecord(r, 'GetEphemeralsRequest').prefixPath };
    case OpCode.getAllChildrenNumber: return { type: 'getAllChildrenNumber', ...readRecord(r, 'GetAllChildrenNumberRequest') };
    case OpCode.auth: {
      const a = readRecord(r, 'AuthPacket');
      return { type: 'auth', authType: a.type, scheme: a.scheme, auth: a.auth };
    }
    default: return { type: 'unimplemented', code };
  }
}

/** One request frame's payload (without its length prefix). */
export function decodeRequest(payload: Uint8Array): RequestFrame {
  const r = new JuteReader(payload);
  const { xid, type } = readRecord(r, 'RequestHeader');
  return { xid, code: type, request: readBody(r, type) };
}

// ---------- encoding, for clients written here (the tests) ----------

function writeCreate(w: JuteWriter, c: CreateRequest): void {
  if (c.code === OpCode.createTTL) writeRecord(w, 'CreateTTLRequest', c);
  else writeRecord(w, 'CreateRequest', c);
}

function writeMultiSub(w: JuteWriter, op: MultiSubRequest): void {
  switch (op.type) {
    case 'create': w.int(op.code).bool(false).int(-1); writeCreate(w, op); break;
    case 'delete': w.int(OpCode.delete).bool(false).int(-1); writeRecord(w, 'DeleteRequest', op); break;
    case 'setData': w.int(OpCode.setData).bool(false).int(-1); writeRecord(w, 'SetDataRequest', op); break;
    case 'check': w.int(OpCode.check).bool(false).int(-1); writeRecord(w, 'CheckVersionRequest', op); break;
  }
}

export function requestCode(req: ZkRequest): number {
  switch (req.type) {
    case 'create': case 'setWatches': case 'unimplemented': return req.code;
    case 'close': return OpCode.closeSession;
    default: return OpCode[req.type];
  }
}

/** The whole frame, length prefix included. */
export function encodeRequest(xid: number, req: ZkRequest): Uint8Array {
  const w = new JuteWriter();
  writeRecord(w, 'RequestHeader', { xid, type: requestCode(req) });
  switch (req.type) {
    case 'create': writeCreate(w, req); break;
    case 'delete': writeRecord(w, 'DeleteRequest', req); break;
    case 'setData': writeRecord(w, 'SetDataRequest', req); break;
    case 'check': writeRecord(w, 'CheckVersionRequest', req); break;
    case 'exists': case 'getData': case 'getChildren': case 'getChildren2': writeRecord(w, 'GetDataRequest', req); break;
    case 'getACL': case 'sync': case 'getAllChildrenNumber': writeRecord(w, 'SyncRequest', req); break;
    case 'setACL': writeRecord(w, 'SetACLRequest', req); break;
    case 'multi':
      for (const op of req.ops) writeMultiSub(w, op);
      writeRecord(w, 'MultiHeader', { type: -1, done: true, err: -1 });
      break;
    case 'multiRead':
      for (const op of req.ops) {
        writeRecord(w, 'MultiHeader', { type: OpCode[op.type], done: false, err: -1 });
        writeRecord(w, 'GetDataRequest', op);
      }
      writeRecord(w, 'MultiHeader', { type: -1, done: true, err: -1 });
      break;
    case 'setWatches': {
      const l = req.watches;
      const base = { relativeZxid: req.relativeZxid, dataWatches: l.data, existWatches: l.exist, childWatches: l.child };
      if (req.code === OpCode.setWatches) writeRecord(w, 'SetWatches', base);
      else writeRecord(w, 'SetWatches2', { ...base, persistentWatches: l.persistent, persistentRecursiveWatches: l.persistentRecursive });
      break;
    }
    case 'addWatch': writeRecord(w, 'AddWatchRequest', req); break;
    case 'removeWatches': case 'checkWatches': writeRecord(w, 'RemoveWatchesRequest', { path: req.path, type: req.watcherType }); break;
    case 'getEphemerals': writeRecord(w, 'GetEphemeralsRequest', { prefixPath: req.prefix }); break;
    case 'auth': writeRecord(w, 'AuthPacket', { type: req.authType, scheme: req.scheme, auth: req.auth }); break;
    case 'ping': case 'close': case 'unimplemented': break;
  }
  return w.frame();
}
