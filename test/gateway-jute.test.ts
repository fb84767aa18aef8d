// The gateway's jute codec and connection machine, without processes: records round-trip,
// TCP's arbitrary chunking yields the same frames, and truncated or garbage input fails as a
// JuteError or closes that one connection, never anything else.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { GatewayConnection, type ConnectionAction } from '../actors/gateway/connection.js';
import { JuteError, JuteReader, JuteWriter } from '../transport/jute/buffers.js';
import { OpCode, Xid } from '../transport/jute/codes.js';
import { FrameSplitter } from '../transport/jute/frames.js';
import { readRecord } from '../transport/jute/records.js';
import { decodeRequest, encodeRequest, type ZkRequest } from '../transport/jute/requests.js';
import {
  decodeConnectRequest, decodeConnectResponse, decodeReplyHeader, encodeConnectRequest, encodeReply, readMultiResults,
} from '../transport/jute/responses.js';
import { DEFAULT_LIMITS } from '../transport/messages.js';
import { rng } from './sim/scheduler.js';

const ACL = [{ perms: 31, scheme: 'world', id: 'anyone' }];
const bytes = (s: string) => new Uint8Array(Buffer.from(s));
const stat = { czxid: 2 ** 32 + 1, mzxid: 2 ** 33 + 7, ctime: 1795600800000, mtime: 1795600800123, version: 3, cversion: -1, aversion: 0, ephemeralOwner: 2 ** 40 + 5, dataLength: 5, numChildren: 2, pzxid: 2 ** 32 + 9 };

const REQUESTS: ZkRequest[] = [
  { type: 'create', code: OpCode.create, path: '/a', data: bytes('hello'), acl: ACL, flags: 3, ttl: 0 },
  { type: 'create', code: OpCode.createTTL, path: '/t', data: bytes(''), acl: ACL, flags: 5, ttl: 60_000 },
  { type: 'delete', path: '/a', version: -1 },
  { type: 'setData', path: '/a', data: bytes('ü'), version: 7 },
  { type: 'exists', path: '/a', watch: true },
  { type: 'getData', path: '/a', watch: false },
  { type: 'getChildren2', path: '/', watch: true },
  { type: 'getACL', path: '/a' },
  { type: 'setACL', path: '/a', acl: ACL, version: 0 },
  { type: 'sync', path: '/a' },
  {
    type: 'multi',
    ops: [
      { type: 'create', code: OpCode.create2, path: '/m', data: bytes('x'), acl: ACL, flags: 0, ttl: 0 },
      { type: 'check', path: '/m', version: 0 },
      { type: 'setData', path: '/m', data: bytes('y'), version: 0 },
      { type: 'delete', path: '/m', version: 1 },
    ],
  },
  { type: 'multiRead', ops: [{ type: 'getData', path: '/a', watch: false }, { type: 'getChildren', path: '/', watch: false }] },
  { type: 'ping' },
  { type: 'close' },
  { type: 'setWatches', code: OpCode.setWatches2, relativeZxid: 2 ** 32 + 3, watches: { data: ['/a'], exist: ['/b'], child: ['/'], persistent: ['/p'], persistentRecursive: ['/r'] } },
  { type: 'addWatch', path: '/p', mode: 1 },
  { type: 'removeWatches', path: '/p', watcherType: 3 },
  { type: 'checkWatches', path: '/p', watcherType: 2 },
  { type: 'getEphemerals', prefix: '/app/lock-' },
  { type: 'getAllChildrenNumber', path: '/' },
  { type: 'auth', authType: 0, scheme: 'digest', auth: bytes('u:p') },
  { type: 'unimplemented', code: 999 },
];

test('every request record round-trips through its frame', () => {
  for (const req of REQUESTS) {
    const frame = encodeRequest(42, req);
    assert.is(new DataView(frame.buffer).getInt32(0), frame.length - 4, `${req.type}: the length prefix`);
    const back = decodeRequest(frame.subarray(4));
    assert.is(back.xid, 42);
    assert.equal(back.request, req, req.type);
  }
});

test('a connect request is read with and without the trailing readOnly byte', () => {
  const base = { protocolVersion: 0, lastZxidSeen: 2 ** 32 + 17, timeOut: 30_000, sessionId: 2 ** 32 + 1, passwd: new Uint8Array(16).fill(7) };
  assert.equal(decodeConnectRequest(encodeConnectRequest(base).subarray(4)), base);
  assert.equal(decodeConnectRequest(encodeConnectRequest({ ...base, readOnly: false }).subarray(4)), { ...base, readOnly: false });
});

test('a multi reply carries each result behind its header, with stats intact', () => {
  const frame = encodeReply(9, 2 ** 32 + 4, 0, { type: 'multi', results: [{ type: 'create2', path: '/m', stat }, { type: 'check' }, { type: 'error', err: -101 }] });
  const h = decodeReplyHeader(frame.subarray(4));
  assert.equal([h.xid, h.zxid, h.err], [9, 2 ** 32 + 4, 0]);
  assert.equal(readMultiResults(h.reader), [{ type: 'create2', path: '/m', stat }, { type: 'check' }, { type: 'error', err: -101 }]);
  // An error reply is its header alone, whatever body was meant.
  assert.is(encodeReply(3, 1, -101, { type: 'stat', stat }).length, 4 + 16);
});

test('frames come out whole however TCP cuts the stream', () => {
  const frames = REQUESTS.map((r, i) => encodeRequest(i, r));
  const stream = Buffer.concat(frames);
  const random = rng(7);
  for (let round = 0; round < 200; round++) {
    const splitter = new FrameSplitter(1 << 20);
    const got: number[] = [];
    for (let at = 0; at < stream.length;) {
      const n = 1 + Math.floor(random() * (round % 2 === 0 ? 7 : 300));
      for (const f of splitter.push(stream.subarray(at, at + n))) got.push(decodeRequest(f).xid);
      at += n;
    }
    assert.equal(got, REQUESTS.map((_, i) => i), `round ${round}`);
  }
});

test('truncated records and lying lengths are JuteErrors, not reads past the end', () => {
  for (const req of REQUESTS.filter((r) => r.type !== 'ping' && r.type !== 'close' && r.type !== 'unimplemented')) {
    const payload = encodeRequest(1, req).subarray(4);
    for (let cut = 8; cut < payload.length; cut++) {
      assert.throws(() => decodeRequest(payload.subarray(0, cut)), (e: unknown) => e instanceof JuteError, `${req.type} cut at ${cut}`);
    }
  }
  // A vector claiming more elements than bytes left, a negative buffer length.
  const lying = new Uint8Array([0, 0, 0, 1, 0, 0, 0, OpCode.getChildren, 0x7f, 0xff, 0xff, 0xff]);
  assert.throws(() => decodeRequest(lying), (e: unknown) => e instanceof JuteError);
  assert.throws(() => readRecord(new JuteReader(new Uint8Array([0xff, 0xff, 0xff, 0xf0])), 'SyncRequest'), (e: unknown) => e instanceof JuteError);
  assert.throws(() => new FrameSplitter(1024).push(new Uint8Array([0x7f, 0, 0, 0])), (e: unknown) => e instanceof JuteError);
});

test('random bytes decode as a request or fail as a JuteError, nothing else', () => {
  const random = rng(11);
  let cases = 0;
  for (const req of REQUESTS) {
    const payload = encodeRequest(1, req).subarray(4);
    for (let i = 0; i < 300; i++, cases++) {
      const mutated = new Uint8Array(payload);
      for (let k = 0; k < 1 + Math.floor(random() * 4); k++) mutated[Math.floor(random() * mutated.length)] = Math.floor(random() * 256);
      try {
        decodeRequest(mutated);
      } catch (err) {
        assert.ok(err instanceof JuteError, `${req.type}: ${(err as Error).stack}`);
      }
    }
  }
  console.log(`jute fuzz: ${cases} cases`);
});

const connectFrame = (readOnly?: boolean) => encodeConnectRequest({ protocolVersion: 0, lastZxidSeen: 0, timeOut: 10_000, sessionId: 0, passwd: new Uint8Array(16), readOnly });
const writes = (actions: ConnectionAction[]) => actions.flatMap((a) => (a.type === 'write' ? [a.bytes] : []));
const SESSION = { sessionId: 2 ** 32 + 1, secret: 'ab'.repeat(16), timeout: 10_000, zxid: 2 ** 32 + 1 };

test('connection: the handshake answers the negotiated timeout and the password, readOnly only to clients that sent it', () => {
  for (const readOnly of [undefined, false]) {
    const conn = new GatewayConnection(DEFAULT_LIMITS);
    assert.equal(conn.onData(connectFrame(readOnly)), [{ type: 'open', timeoutMs: 10_000 }]);
    const [reply] = writes(conn.onOpened(SESSION));
    const rsp = decodeConnectResponse(reply!.subarray(4));
    assert.equal(rsp, { protocolVersion: 0, timeOut: 10_000, sessionId: SESSION.sessionId, passwd: new Uint8Array(16).fill(0xab), ...(readOnly === undefined ? {} : { readOnly: false }) });
  }
});

test('connection: replies leave in request order, answers of its own wait behind the session actor\'s', () => {
  const conn = new GatewayConnection(DEFAULT_LIMITS);
  conn.onData(connectFrame());
  conn.onOpened(SESSION);
  const actions = conn.onData(Buffer.concat([encodeRequest(1, { type: 'getData', path: '/a', watch: false }), encodeRequest(2, { type: 'unimplemented', code: 999 }), encodeRequest(3, { type: 'getData', path: 'no/slash', watch: false })]));
  assert.equal(writes(actions), [], 'nothing before the first reply');
  const request = actions.find((a) => a.type === 'request') as Extract<ConnectionAction, { type: 'request' }>;
  const out = writes(conn.onReply(request.slot, { data: bytes('x'), stat, zxid: 2 ** 32 + 5 }, 0)).map((b) => decodeReplyHeader(b.subarray(4)));
  assert.equal(out.map((h) => [h.xid, h.err, h.zxid]), [[1, 0, 2 ** 32 + 5], [2, -6, 2 ** 32 + 5], [3, -8, 2 ** 32 + 5]]);
});

test('a jute long is Java\'s big-endian two\'s complement, exact for every integer below 2^53 in magnitude', () => {
  const values = [0, 1, -1, 2 ** 31, -(2 ** 31) - 1, 2 ** 32, -(2 ** 32), 2 ** 32 + 7, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 1795600800123];
  const w = new JuteWriter();
  for (const v of values) w.long(v);
  const written = w.bytes();
  const java = new DataView(new ArrayBuffer(8 * values.length));
  values.forEach((v, i) => java.setBigInt64(8 * i, BigInt(v)));
  assert.equal([...written], [...new Uint8Array(java.buffer)], 'the bytes Java\'s DataOutputStream.writeLong writes');
  const r = new JuteReader(written);
  assert.equal(values.map(() => r.long()), values);
  // A real ZooKeeper's session id above 2^53 reads as the nearest JS number, as before.
  const big = new DataView(new ArrayBuffer(8));
  big.setBigInt64(0, 0x7234567890abcdefn);
  assert.is(new JuteReader(new Uint8Array(big.buffer)).long(), Number(0x7234567890abcdefn));
});

test('connection: a malformed request, a frame too long, or a failed authentication ends that connection', () => {
  const open = () => {
    const c = new GatewayConnection(DEFAULT_LIMITS);
    c.onData(connectFrame());
    c.onOpened(SESSION);
    return c;
  };
  const garbage = new Uint8Array([0, 0, 0, 9, 0, 0, 0, 1, 0, 0, 0, OpCode.getData, 0xff]);
  assert.is(open().onData(garbage).at(-1)?.type, 'end');
  assert.is(open().onData(new Uint8Array([0x10, 0, 0, 0, 1])).at(-1)?.type, 'end');
  const authenticate = (reply: object) => {
    const c = open();
    const asked = c.onData(encodeRequest(Xid.auth, { type: 'auth', authType: 0, scheme: 'digest', auth: bytes('a:b') }));
    const request = asked.find((a) => a.type === 'request') as Extract<ConnectionAction, { type: 'request' }>;
    assert.equal(request.request, { op: 'addAuth', scheme: 'digest', auth: 'a:b' });
    return c.onReply(request.slot, reply, 0);
  };
  const refused = authenticate({ error: 'AUTHFAILED', code: -115 });
  assert.equal(decodeReplyHeader(writes(refused)[0]!.subarray(4)).err, -115);
  assert.is(refused.at(-1)?.type, 'end');
  const taken = authenticate({ zxid: 7 });
  assert.equal(decodeReplyHeader(writes(taken)[0]!.subarray(4)).err, 0);
  assert.not.ok(taken.some((a) => a.type === 'end'), 'an accepted authentication keeps the connection');
  // A connection that is not a ZooKeeper client at all.
  assert.is(new GatewayConnection(DEFAULT_LIMITS).onData(bytes('GET / HTTP/1.1\r\n\r\n')).at(-1)?.type, 'end');
});

test('connection: a four-letter word is recognised even when its bytes arrive one by one', () => {
  const conn = new GatewayConnection(DEFAULT_LIMITS);
  assert.equal(conn.onData(bytes('m')), []);
  assert.equal(conn.onData(bytes('nt')), []);
  assert.equal(conn.onData(bytes('r\n')), [{ type: 'word', word: 'mntr' }, { type: 'end', reason: 'four-letter word mntr' }]);
});

test('connection: an expired session is answered timeout 0, session 0', () => {
  const conn = new GatewayConnection(DEFAULT_LIMITS);
  const resume = conn.onData(encodeConnectRequest({ protocolVersion: 0, lastZxidSeen: 5, timeOut: 10_000, sessionId: 77, passwd: new Uint8Array(16).fill(1) }));
  assert.equal(resume, [{ type: 'resume', sessionId: 77, secret: '01'.repeat(16), lastZxid: 5 }]);
  const err = Object.assign(new Error('SESSIONEXPIRED'), { code: -112 });
  const actions = conn.onOpenFailed(err);
  const rsp = decodeConnectResponse(writes(actions)[0]!.subarray(4));
  assert.equal([rsp.timeOut, rsp.sessionId, rsp.passwd.length], [0, 0, 16]);
  assert.is(actions.at(-1)?.type, 'end');
});

test.run();
