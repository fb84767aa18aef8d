// The connect handshake and the server's frames: a reply (ReplyHeader + the op's response
// record) and a watch notification (xid -1 + WatcherEvent). Decoders exist for the tests,
// which play client.

import type { Stat } from '../../storage/txn.js';
import { JuteError, JuteReader, JuteWriter } from './buffers.js';
import { OpCode, Xid } from './codes.js';
import { readRecord, writeRecord, type Acl, type JuteRecord } from './records.js';

export interface ConnectRequest {
  protocolVersion: number;
  lastZxidSeen: number;
  timeOut: number;
  sessionId: number;
  passwd: Uint8Array;
  /** absent from clients older than ZooKeeper 3.3, which must not be sent it back either */
  readOnly?: boolean;
}

export function decodeConnectRequest(payload: Uint8Array): ConnectRequest {
  const r = new JuteReader(payload);
  const req: ConnectRequest = readRecord(r, 'ConnectRequest');
  if (r.remaining > 0) req.readOnly = r.bool();
  return req;
}

export function encodeConnectRequest(req: ConnectRequest): Uint8Array {
  const w = writeRecord(new JuteWriter(), 'ConnectRequest', req);
  if (req.readOnly !== undefined) w.bool(req.readOnly);
  return w.frame();
}

export interface ConnectResponse { protocolVersion: number; timeOut: number; sessionId: number; passwd: Uint8Array; readOnly?: boolean }

export function encodeConnectResponse(rsp: ConnectResponse): Uint8Array {
  const w = writeRecord(new JuteWriter(), 'ConnectResponse', rsp);
  if (rsp.readOnly !== undefined) w.bool(rsp.readOnly);
  return w.frame();
}

export function decodeConnectResponse(payload: Uint8Array): ConnectResponse {
  const r = new JuteReader(payload);
  const rsp: ConnectResponse = readRecord(r, 'ConnectResponse');
  if (r.remaining > 0) rsp.readOnly = r.bool();
  return rsp;
}

/** One op's result in a multi or multiRead reply. */
export type MultiResult =
  | { type: 'create'; path: string }
  | { type: 'create2'; path: string; stat: Stat }
  | { type: 'delete' } | { type: 'check' }
  | { type: 'setData'; stat: Stat }
  | { type: 'getData'; data: Uint8Array; stat: Stat }
  | { type: 'getChildren'; children: string[] }
  | { type: 'error'; err: number };

/** What follows a successful reply's header, by the shape of the op's response record. */
export type ResponseBody =
  | { type: 'none' }
  /** an ErrorResponse record: what ZooKeeper's addWatch answers on success (err 0), and its client reads */
  | { type: 'errorResponse'; err: number }
  | { type: 'path'; path: string }
  | { type: 'pathStat'; path: string; stat: Stat }
  | { type: 'stat'; stat: Stat }
  | { type: 'data'; data: Uint8Array; stat: Stat }
  | { type: 'children'; children: string[] }
  | { type: 'children2'; children: string[]; stat: Stat }
  | { type: 'acl'; acl: Acl[]; stat: Stat }
  | { type: 'count'; count: number }
  | { type: 'paths'; paths: string[] }
  | { type: 'multi'; results: MultiResult[] };

const MULTI_CODES: Record<MultiResult['type'], number> = {
  create: OpCode.create, create2: OpCode.create2, delete: OpCode.delete, check: OpCode.check, setData: OpCode.setData,
  getData: OpCode.getData, getChildren: OpCode.getChildren, error: OpCode.error,
};

function writeMultiResult(w: JuteWriter, r: MultiResult): void {
  writeRecord(w, 'MultiHeader', { type: MULTI_CODES[r.type], done: false, err: r.type === 'error' ? r.err : 0 });
  switch (r.type) {
    case 'create': writeRecord(w, 'CreateResponse', r); break;
    case 'create2': writeRecord(w, 'Create2Response', r); break;
    case 'setData': writeRecord(w, 'SetDataResponse', r); break;
    case 'getData': writeRecord(w, 'GetDataResponse', r); break;
    case 'getChildren': writeRecord(w, 'GetChildrenResponse', r); break;
    case 'error': writeRecord(w, 'ErrorResponse', r); break;
    case 'delete': case 'check': break;
  }
}

function writeBody(w: JuteWriter, body: ResponseBody): void {
  switch (body.type) {
    case 'none': break;
    case 'errorResponse': writeRecord(w, 'ErrorResponse', body); break;
    case 'path': writeRecord(w, 'CreateResponse', body); break;
    case 'pathStat': writeRecord(w, 'Create2Response', body); break;
    case 'stat': writeRecord(w, 'ExistsResponse', body); break;
    case 'data': writeRecord(w, 'GetDataResponse', body); break;
    case 'children': writeRecord(w, 'GetChildrenResponse', body); break;
    case 'children2': writeRecord(w, 'GetChildren2Response', body); break;
    case 'acl': writeRecord(w, 'GetACLResponse', body); break;
    case 'count': writeRecord(w, 'GetAllChildrenNumberResponse', { totalNumber: body.count }); break;
    case 'paths': writeRecord(w, 'GetEphemeralsResponse', { ephemerals: body.paths }); break;
    case 'multi':
      for (const r of body.results) writeMultiResult(w, r);
      writeRecord(w, 'MultiHeader', { type: -1, done: true, err: -1 });
      break;
  }
}

/** A reply frame; an error reply (err != 0) carries the header alone, as ZooKeeper's do. */
export function encodeReply(xid: number, zxid: number, err: number, body: ResponseBody = { type: 'none' }): Uint8Array {
  const w = writeRecord(new JuteWriter(), 'ReplyHeader', { xid, zxid, err });
  if (err === 0) writeBody(w, body);
  return w.frame();
}

export function encodeNotification(zxid: number, event: JuteRecord<'WatcherEvent'>): Uint8Array {
  const w = writeRecord(new JuteWriter(), 'ReplyHeader', { xid: Xid.notification, zxid, err: 0 });
  return writeRecord(w, 'WatcherEvent', event).frame();
}

// ---------- decoding, for the tests' client ----------

export interface ReplyFrame { xid: number; zxid: number; err: number; reader: JuteReader }

export function decodeReplyHeader(payload: Uint8Array): ReplyFrame {
  const reader = new JuteReader(payload);
  return { ...readRecord(reader, 'ReplyHeader'), reader };
}

/** A multi reply's results, as the client reads them. */
export function readMultiResults(r: JuteReader): MultiResult[] {
  const out: MultiResult[] = [];
  for (;;) {
    const h = readRecord(r, 'MultiHeader');
    if (h.done) return out;
    switch (h.type) {
      case OpCode.create: out.push({ type: 'create', ...readRecord(r, 'CreateResponse') }); break;
      case OpCode.create2: out.push({ type: 'create2', ...readRecord(r, 'Create2Response') }); break;
      case OpCode.setData: out.push({ type: 'setData', ...readRecord(r, 'SetDataResponse') }); break;
      case OpCode.getData: out.push({ type: 'getData', ...readRecord(r, 'GetDataResponse') }); break;
      case OpCode.getChildren: out.push({ type: 'getChildren', ...readRecord(r, 'GetChildrenResponse') }); break;
      case OpCode.delete: out.push({ type: 'delete' }); break;
      case OpCode.check: out.push({ type: 'check' }); break;
      case OpCode.error: out.push({ type: 'error', ...readRecord(r, 'ErrorResponse') }); break;
      default: throw new JuteError(`unexpected multi result type ${h.type}`);
    }
  }
}
