// The gateway's port as a raw socket sees it: four-letter words, the handshake for an expired
// session, UNIMPLEMENTED for an unknown op, and garbage that closes only its own connection.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { OpCode, Xid } from '../transport/jute/codes.js';
import { readRecord } from '../transport/jute/records.js';
import { encodeRequest, type ZkRequest } from '../transport/jute/requests.js';
import { decodeReplyHeader, readMultiResults, type ReplyFrame } from '../transport/jute/responses.js';
import { Cluster } from './harness/processes.js';
import { fourLetters, startGateway, type GatewayProc } from './gateway/gateways.js';
import { waitFor } from './harness/wait.js';
import { RawClient } from './gateway/raw-client.js';

let cluster: Cluster;
let gw: GatewayProc;

test.before(async () => {
  cluster = await Cluster.start({ servers: 1 });
  gw = await startGateway(cluster);
});

test.after(async () => {
  await gw.proc.stop();
  await cluster.stop();
});

test('four-letter words answer on the client port, in ZooKeeper\'s layout', async () => {
  assert.is(await fourLetters(gw.port, 'ruok'), 'imok');
  assert.is(await fourLetters(gw.port, 'isro'), 'rw');
  const srvr = await fourLetters(gw.port, 'srvr');
  assert.match(srvr, /^Zookeeper version: natszk/);
  assert.match(srvr, /\nZxid: 0x[0-9a-f]+\n/);
  const mntr = await fourLetters(gw.port, 'mntr');
  assert.match(mntr, /^zk_version\tnatszk/m);
  assert.match(mntr, /^zk_num_alive_connections\t\d+$/m);
  const conf = await fourLetters(gw.port, 'conf');
  assert.match(conf, new RegExp(`^clientPort=${gw.port}$`, 'm'));
  assert.match(conf, /^tickTime=500$/m);
  assert.match(conf, /^maxSessionTimeout=10000$/m);
  assert.match(await fourLetters(gw.port, 'envi'), /^Environment:\n/);
  const c = new RawClient(gw.port);
  const session = await c.handshake();
  const sid = `sid=0x${session.sessionId.toString(16)}`;
  await c.request(1, { type: 'getData', path: '/', watch: true });
  assert.match(await fourLetters(gw.port, 'cons'), sid);
  const stat = await fourLetters(gw.port, 'stat');
  assert.match(stat, /\nClients:\n/);
  assert.match(stat, sid);
  assert.match(await fourLetters(gw.port, 'wchs'), /Total watches:1/);
  c.end();
});

test('the handshake: negotiated timeout, readOnly echoed only to clients that sent it, a wrong password is an expired session', async () => {
  const old = new RawClient(gw.port);
  const rsp = await old.handshake();
  assert.is(rsp.timeOut, 6000);
  assert.is(rsp.readOnly, undefined);
  assert.is(rsp.passwd.length, 16);
  const fresh = new RawClient(gw.port);
  assert.is((await fresh.handshake(0, new Uint8Array(16), false)).readOnly, false);
  // Reconnecting with the session's id and password resumes it; a wrong password does not.
  const again = new RawClient(gw.port);
  const resumed = await again.handshake(rsp.sessionId, rsp.passwd);
  assert.equal([resumed.sessionId, resumed.timeOut], [rsp.sessionId, 6000]);
  await waitFor('the first connection to be let go (one connection per session)', () => (old.closed ? true : undefined));
  const impostor = new RawClient(gw.port);
  const refused = await impostor.handshake(rsp.sessionId, new Uint8Array(16).fill(9));
  assert.equal([refused.timeOut, refused.sessionId], [0, 0]);
  await waitFor('the refused connection to close', () => (impostor.closed ? true : undefined));
  // A session that has ended is answered the same way.
  assert.is((await again.request(5, { type: 'close' })).err, 0);
  const late = new RawClient(gw.port);
  assert.is((await late.handshake(rsp.sessionId, rsp.passwd)).timeOut, 0);
  fresh.end();
});

test('an unknown op is UNIMPLEMENTED, digest auth is taken and another scheme refused, and replies keep request order', async () => {
  const c = new RawClient(gw.port);
  await c.handshake();
  c.write(Buffer.concat([
    encodeRequest(1, { type: 'create', code: OpCode.create, path: '/order', data: new Uint8Array(), acl: [{ perms: 31, scheme: 'world', id: 'anyone' }], flags: 0, ttl: 0 }),
    encodeRequest(2, { type: 'unimplemented', code: 999 }),
    encodeRequest(3, { type: 'setACL', path: '/order', acl: [{ perms: 1, scheme: 'world', id: 'anyone' }], version: -1 }),
    encodeRequest(4, { type: 'getData', path: '/order', watch: false }),
    encodeRequest(Xid.ping, { type: 'ping' }),
  ]));
  const replies: ReplyFrame[] = [];
  for (let i = 0; i < 5; i++) replies.push(decodeReplyHeader(await c.next()));
  // The setACL (world read-only) took effect between the create and the read.
  assert.equal(replies.map((r) => [r.xid, r.err]), [[1, 0], [2, -6], [3, 0], [4, 0], [Xid.ping, 0]]);
  assert.ok(replies.every((r, i) => i === 0 || r.zxid >= replies[i - 1]!.zxid), 'zxids never go back');
  assert.ok(replies[0]!.zxid > 0);
  const refused = await c.request(5, { type: 'setData', path: '/order', data: new Uint8Array(), version: -1 });
  assert.is(refused.err, -102, 'NOAUTH under world:anyone:r');
  const empty = await c.request(6, { type: 'create', code: OpCode.create, path: '/empty-acl', data: new Uint8Array(), acl: [], flags: 0, ttl: 0 });
  assert.is(empty.err, -114, 'INVALIDACL for an empty ACL');
  const digest = await c.request(Xid.auth, { type: 'auth', authType: 0, scheme: 'digest', auth: new Uint8Array(Buffer.from('u:p')) });
  assert.is(digest.err, 0);
  const other = await c.request(Xid.auth, { type: 'auth', authType: 0, scheme: 'kerberos', auth: new Uint8Array(Buffer.from('u')) });
  assert.is(other.err, -115);
  await waitFor('the connection to close after AUTHFAILED', () => (c.closed ? true : undefined));
});

const ACL = [{ perms: 31, scheme: 'world', id: 'anyone' }];
const create = (code: 1 | 15 | 19 | 21, path: string, flags = 0, ttl = 0): ZkRequest => ({ type: 'create', code, path, data: new Uint8Array(Buffer.from('d')), acl: ACL, flags, ttl });

/** The next frames up to and including the reply to xid; notifications (xid -1) among them are returned as events. */
async function replyTo(c: RawClient, xid: number): Promise<{ reply: ReplyFrame; events: [number, string][] }> {
  const events: [number, string][] = [];
  for (;;) {
    const f = decodeReplyHeader(await c.next());
    if (f.xid === Xid.notification) {
      const e = readRecord(f.reader, 'WatcherEvent');
      assert.is(e.state, 3, 'SyncConnected');
      events.push([e.type, e.path]);
    } else {
      assert.is(f.xid, xid);
      return { reply: f, events };
    }
  }
}

test('the ops ZooKeeper 3.5-3.8 added: create2, container, TTL, getChildren2, getEphemerals, getAllChildrenNumber, multiRead, sync', async () => {
  const c = new RawClient(gw.port);
  await c.handshake();
  let r = await c.request(1, create(OpCode.create2, '/ops', 0));
  const created = readRecord(r.reader, 'Create2Response');
  assert.equal([r.err, created.path, created.stat.version, created.stat.dataLength], [0, '/ops', 0, 1]);
  r = await c.request(2, create(OpCode.createContainer, '/ops/box', 4));
  assert.is(readRecord(r.reader, 'Create2Response').path, '/ops/box');
  r = await c.request(3, create(OpCode.createTTL, '/ops/ttl', 5, 60_000));
  assert.is(readRecord(r.reader, 'Create2Response').path, '/ops/ttl');
  assert.is((await c.request(4, create(OpCode.createTTL, '/ops/ttl0', 5, 0))).err, -8, 'a TTL node needs a ttl: BADARGUMENTS');
  r = await c.request(5, create(OpCode.create, '/ops/e-', 3));
  assert.is(readRecord(r.reader, 'CreateResponse').path, '/ops/e-0000000002');
  r = await c.request(6, { type: 'getChildren2', path: '/ops', watch: false });
  const children = readRecord(r.reader, 'GetChildren2Response');
  assert.equal([children.children.sort(), children.stat.numChildren], [['box', 'e-0000000002', 'ttl'], 3]);
  r = await c.request(7, { type: 'getEphemerals', prefix: '/ops/e' });
  assert.equal(readRecord(r.reader, 'GetEphemeralsResponse').ephemerals, ['/ops/e-0000000002']);
  r = await c.request(8, { type: 'getAllChildrenNumber', path: '/ops' });
  assert.is(readRecord(r.reader, 'GetAllChildrenNumberResponse').totalNumber, 3);
  r = await c.request(9, { type: 'multiRead', ops: [{ type: 'getData', path: '/ops', watch: false }, { type: 'getChildren', path: '/nope', watch: false }, { type: 'getChildren', path: '/ops/box', watch: false }] });
  assert.equal(readMultiResults(r.reader).map((x) => (x.type === 'getData' ? Buffer.from(x.data).toString() : x.type === 'error' ? x.err : x.type === 'getChildren' ? x.children : x.type)), ['d', -101, []]);
  r = await c.request(10, { type: 'sync', path: '/ops' });
  assert.is(readRecord(r.reader, 'SyncResponse').path, '/ops');
  r = await c.request(11, { type: 'multi', ops: [{ type: 'check', path: '/ops', version: 0 }, { type: 'delete', path: '/ops/ttl', version: 5 }] });
  assert.equal([r.err, readMultiResults(r.reader)], [0, [{ type: 'error', err: 0 }, { type: 'error', err: -103 }]], 'a failed multi: OK in the header, an error per op');
  assert.is((await c.request(12, { type: 'check', path: '/ops', version: 3 })).err, -103);
  c.end();
});

test('watch management: addWatch (persistent, recursive), checkWatches, removeWatches', async () => {
  const c = new RawClient(gw.port);
  await c.handshake();
  const writer = new RawClient(gw.port);
  await writer.handshake();
  await writer.request(1, create(OpCode.create, '/pw'));
  const added = await c.request(1, { type: 'addWatch', path: '/pw', mode: 1 });
  assert.is(added.err, 0);
  // ZooKeeper's addWatch reply carries an ErrorResponse(0) body, which the Java client (Curator's CuratorCache) reads.
  assert.equal(readRecord(added.reader, 'ErrorResponse'), { err: 0 }, 'addWatch answers an ErrorResponse body');
  assert.is(added.reader.remaining, 0);
  assert.is((await c.request(2, { type: 'checkWatches', path: '/pw', watcherType: 3 })).err, 0);
  assert.is((await c.request(3, { type: 'checkWatches', path: '/pw', watcherType: 2 })).err, 0, 'a recursive watch counts as a data watch, as in ZooKeeper');
  assert.is((await c.request(3, { type: 'checkWatches', path: '/pw/a', watcherType: 3 })).err, -121, 'none on a node below it: NOWATCHER');
  await writer.request(2, create(OpCode.create, '/pw/a'));
  await writer.request(3, { type: 'setData', path: '/pw/a', data: new Uint8Array(), version: -1 });
  // A sync after the writes were answered: their events come before its reply, in the order of the changes.
  c.write(encodeRequest(4, { type: 'sync', path: '/pw' }));
  const { events } = await replyTo(c, 4);
  assert.equal(events, [[1, '/pw/a'], [3, '/pw/a']]);
  assert.is((await c.request(5, { type: 'removeWatches', path: '/pw', watcherType: 3 })).err, 0);
  assert.is((await c.request(6, { type: 'removeWatches', path: '/pw', watcherType: 3 })).err, -121);
  c.end();
  writer.end();
});

test('setWatches on reconnect fires what changed since relativeZxid and keeps the rest', async () => {
  const writer = new RawClient(gw.port);
  await writer.handshake();
  await writer.request(1, create(OpCode.create, '/sw'));
  await writer.request(2, create(OpCode.create, '/sw/same'));
  const c = new RawClient(gw.port);
  const session = await c.handshake();
  const seen = (await c.request(1, { type: 'getData', path: '/sw', watch: true })).zxid;
  c.end();
  await writer.request(3, { type: 'setData', path: '/sw', data: new Uint8Array(), version: -1 });
  await writer.request(4, create(OpCode.create, '/sw/new'));
  const back = new RawClient(gw.port);
  assert.is((await back.handshake(session.sessionId, session.passwd)).sessionId, session.sessionId);
  back.write(encodeRequest(Xid.setWatches, {
    type: 'setWatches', code: OpCode.setWatches, relativeZxid: seen,
    watches: { data: ['/sw', '/sw/same'], exist: ['/sw/new', '/sw/absent'], child: [], persistent: [], persistentRecursive: [] },
  }));
  const { events } = await replyTo(back, Xid.setWatches);
  assert.equal(events.sort(), [[1, '/sw/new'], [3, '/sw']]);
  // The unchanged ones were kept: they fire at their next change.
  await writer.request(5, { type: 'setData', path: '/sw/same', data: new Uint8Array(), version: -1 });
  back.write(encodeRequest(2, { type: 'sync', path: '/' }));
  const later = await replyTo(back, 2);
  assert.equal(later.events, [[3, '/sw/same']]);
  back.end();
  writer.end();
});

test('a malformed frame closes that connection only; the process and other connections carry on', async () => {
  const good = new RawClient(gw.port);
  await good.handshake();
  const bad = new RawClient(gw.port);
  await bad.handshake();
  bad.write(new Uint8Array([0, 0, 0, 9, 0, 0, 0, 7, 0, 0, 0, OpCode.getData, 0xff]));
  await waitFor('the malformed connection to close', () => (bad.closed ? true : undefined));
  const noise = new RawClient(gw.port);
  noise.write(new Uint8Array(Buffer.from('\x7f\xff\xff\xffnot zookeeper at all')));
  await waitFor('the noisy connection to close', () => (noise.closed ? true : undefined));
  const r = await good.request(1, { type: 'exists', path: '/', watch: false });
  assert.is(r.err, 0);
  assert.is(readRecord(r.reader, 'ExistsResponse').stat.czxid, 0);
  assert.ok(gw.proc.alive);
  assert.is(await fourLetters(gw.port, 'ruok'), 'imok');
  good.end();
});

test.run();
