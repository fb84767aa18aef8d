// The zookeeper.jute records the gateway speaks, written down as field lists (names and
// order as in ZooKeeper's zookeeper.jute) with one reader and one writer for all of them, so
// a record's layout is stated once and encoding and decoding cannot disagree.

import type { Stat } from '../../storage/txn.js';
import { JuteReader, JuteWriter } from './buffers.js';

export interface Acl { perms: number; scheme: string; id: string }

type FieldType = 'int' | 'long' | 'bool' | 'buffer' | 'ustring' | 'stat' | 'acls' | 'strings';
type Field = readonly [name: string, type: FieldType];

type TypeOf<F extends FieldType> =
  F extends 'int' | 'long' ? number
    : F extends 'bool' ? boolean
      : F extends 'buffer' ? Uint8Array
        : F extends 'ustring' ? string
          : F extends 'stat' ? Stat
            : F extends 'acls' ? Acl[]
              : string[];

/** The JS shape of a record from its field list. */
export type RecordOf<D extends readonly Field[]> = { [E in D[number] as E[0]]: TypeOf<E[1]> };

const path = ['path', 'ustring'] as const;
const watch = ['watch', 'bool'] as const;
const version = ['version', 'int'] as const;
const stat = ['stat', 'stat'] as const;

export const Records = {
  ConnectRequest: [['protocolVersion', 'int'], ['lastZxidSeen', 'long'], ['timeOut', 'int'], ['sessionId', 'long'], ['passwd', 'buffer']],
  ConnectResponse: [['protocolVersion', 'int'], ['timeOut', 'int'], ['sessionId', 'long'], ['passwd', 'buffer']],
  RequestHeader: [['xid', 'int'], ['type', 'int']],
  ReplyHeader: [['xid', 'int'], ['zxid', 'long'], ['err', 'int']],
  MultiHeader: [['type', 'int'], ['done', 'bool'], ['err', 'int']],
  CreateRequest: [path, ['data', 'buffer'], ['acl', 'acls'], ['flags', 'int']],
  CreateTTLRequest: [path, ['data', 'buffer'], ['acl', 'acls'], ['flags', 'int'], ['ttl', 'long']],
  CreateResponse: [path],
  Create2Response: [path, stat],
  DeleteRequest: [path, version],
  ExistsRequest: [path, watch],
  ExistsResponse: [stat],
  GetDataRequest: [path, watch],
  GetDataResponse: [['data', 'buffer'], stat],
  SetDataRequest: [path, ['data', 'buffer'], version],
  SetDataResponse: [stat],
  GetACLRequest: [path],
  GetACLResponse: [['acl', 'acls'], stat],
  SetACLRequest: [path, ['acl', 'acls'], version],
  GetChildrenRequest: [path, watch],
  GetChildrenResponse: [['children', 'strings']],
  GetChildren2Response: [['children', 'strings'], stat],
  SyncRequest: [path],
  SyncResponse: [path],
  CheckVersionRequest: [path, version],
  ErrorResponse: [['err', 'int']],
  SetWatches: [['relativeZxid', 'long'], ['dataWatches', 'strings'], ['existWatches', 'strings'], ['childWatches', 'strings']],
  SetWatches2: [['relativeZxid', 'long'], ['dataWatches', 'strings'], ['existWatches', 'strings'], ['childWatches', 'strings'], ['persistentWatches', 'strings'], ['persistentRecursiveWatches', 'strings']],
  AddWatchRequest: [path, ['mode', 'int']],
  RemoveWatchesRequest: [path, ['type', 'int']],
  GetEphemeralsRequest: [['prefixPath', 'ustring']],
  GetEphemeralsResponse: [['ephemerals', 'strings']],
  GetAllChildrenNumberRequest: [path],
  GetAllChildrenNumberResponse: [['totalNumber', 'int']],
  AuthPacket: [['type', 'int'], ['scheme', 'ustring'], ['auth', 'buffer']],
  WatcherEvent: [['type', 'int'], ['state', 'int'], path],
} as const satisfies Record<string, readonly Field[]>;

export type RecordName = keyof typeof Records;
export type JuteRecord<N extends RecordName> = RecordOf<(typeof Records)[N]>;

const STAT_FIELDS = [
  ['czxid', 'long'], ['mzxid', 'long'], ['ctime', 'long'], ['mtime', 'long'], ['version', 'int'], ['cversion', 'int'],
  ['aversion', 'int'], ['ephemeralOwner', 'long'], ['dataLength', 'int'], ['numChildren', 'int'], ['pzxid', 'long'],
] as const;

function readField(r: JuteReader, type: FieldType): unknown {
  switch (type) {
    case 'int': return r.int();
    case 'long': return r.long();
    case 'bool': return r.bool();
    case 'buffer': return r.buffer();
    case 'ustring': return r.ustring();
    case 'stat': return readFields(r, STAT_FIELDS);
    case 'acls': return r.vector((v) => ({ perms: v.int(), scheme: v.ustring(), id: v.ustring() }));
    case 'strings': return r.vector((v) => v.ustring());
  }
}

function writeField(w: JuteWriter, type: FieldType, value: unknown): void {
  switch (type) {
    case 'int': w.int(value as number); break;
    case 'long': w.long(value as number); break;
    case 'bool': w.bool(value as boolean); break;
    case 'buffer': w.buffer(value as Uint8Array); break;
    case 'ustring': w.ustring(value as string); break;
    case 'stat': writeFields(w, STAT_FIELDS, value as Record<string, unknown>); break;
    case 'acls': w.vector(value as Acl[], (v, a) => v.int(a.perms).ustring(a.scheme).ustring(a.id)); break;
    case 'strings': w.vector(value as string[], (v, s) => v.ustring(s)); break;
  }
}

function readFields(r: JuteReader, fields: readonly Field[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, type] of fields) out[name] = readField(r, type);
  return out;
}

function writeFields(w: JuteWriter, fields: readonly Field[], value: Record<string, unknown>): void {
  for (const [name, type] of fields) writeField(w, type, value[name]);
}

export function readRecord<N extends RecordName>(r: JuteReader, name: N): JuteRecord<N> {
  return readFields(r, Records[name]) as JuteRecord<N>;
}

export function writeRecord<N extends RecordName>(w: JuteWriter, name: N, value: JuteRecord<N>): JuteWriter {
  writeFields(w, Records[name], value as Record<string, unknown>);
  return w;
}
