// The gateway's port as a raw socket sees it: four-letter words, the handshake for an expired
// session, UNIMPLEMENTED for an unknown op, and garbage that closes only its own connection.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import net from 'node:net';
import { OpCode, Xid } from '../transport/jute/codes.js';
import { FrameSplitter } from '../transport/jute/frames.js';
import { readRecord } from '../transport/jute/records.js';
import { encodeRequest, type ZkRequest } from '../transport/jute/requests.js';
import { decodeConnectResponse, decodeReplyHeader, encodeConnectRequest, type ConnectResponse, type ReplyFrame } from '../transport/jute/responses.js';
import { Cluster } from './harness/processes.js';
import { fourLetters, startGateway, waitFor, type GatewayProc } from './gateway/gateways.js';

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

/** A ZooKeeper client reduced to frames on a socket. */
class RawClient {
  readonly frames: Uint8Array[] = [];
  closed = false;
  private readonly splitter = new FrameSplitter(1 << 22);
  private readonly sock: net.Socket;

  constructor(port: number) {
    this.sock = net.connect(port, '127.0.0.1');
    this.sock.on('data', (d) => this.frames.push(...this.splitter.push(d)));
    this.sock.on('close', () => (this.closed = true));
    this.sock.on('error', () => undefined);
  }

  write(bytes: Uint8Array): void { this.sock.write(bytes); }

  async next(): Promise<Uint8Array> {
    await waitFor('a frame from the gateway', () => (this.frames.length > 0 ? true : undefined), 20_000);
    return this.frames.shift()!;
  }

  async handshake(sessionId = 0, passwd: Uint8Array = new Uint8Array(16), readOnly?: boolean): Promise<ConnectResponse> {
    this.write(encodeConnectRequest({ protocolVersion: 0, lastZxidSeen: 0, timeOut: 6000, sessionId, passwd, readOnly }));
    return decodeConnectResponse(await this.next());
  }

  async request(xid: number, req: ZkRequest): Promise<ReplyFrame> {
    this.write(encodeRequest(xid, req));
    return decodeReplyHeader(await this.next());
  }

  end(): void { this.sock.destroy(); }
}

test('four-letter words answer on the client port, in ZooKeeper\'s layout', async () => {
  assert.is(await fourLetters(gw.port, 'ruok'), 'imok');
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

test('an unknown op is UNIMPLEMENTED, ACL writes and auth are refused, and replies keep request order', async () => {
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
  assert.equal(replies.map((r) => [r.xid, r.err]), [[1, 0], [2, -6], [3, -6], [4, 0], [Xid.ping, 0]]);
  assert.ok(replies.every((r, i) => i === 0 || r.zxid >= replies[i - 1]!.zxid), 'zxids never go back');
  assert.ok(replies[0]!.zxid > 0);
  const auth = await c.request(Xid.auth, { type: 'auth', authType: 0, scheme: 'digest', auth: new Uint8Array(Buffer.from('u:p')) });
  assert.is(auth.err, -115);
  await waitFor('the connection to close after AUTHFAILED', () => (c.closed ? true : undefined));
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
