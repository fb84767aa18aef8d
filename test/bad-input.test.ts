// Bad input gets an error reply with a ZooKeeper code, never a crash, and changes nothing.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { encode, decode } from '../transport/codec.js';
import { NatsBus } from '../transport/nats-bus.js';
import { Subjects } from '../transport/subjects.js';
import type { Client } from '../client/index.js';
import { Cluster } from './harness/processes.js';

let cluster: Cluster;
let bus: NatsBus;
let zk: Client;
let subjects: Subjects;
let digestBefore: string;

test.before(async () => {
  cluster = await Cluster.start();
  bus = await NatsBus.connect({ servers: cluster.url });
  subjects = new Subjects(cluster.ensemble);
  zk = await cluster.client();
  await zk.create('/keep', 'same');
  // Readable by anyone, changeable by its owner only; /hidden not even readable.
  await zk.create('/guarded', 'mine', { acl: [{ perms: 1, scheme: 'world', id: 'anyone' }, { perms: 31, scheme: 'digest', id: 'owner:hash' }] });
  await zk.create('/hidden', 'mine', { acl: [{ perms: 31, scheme: 'digest', id: 'owner:hash' }] });
  digestBefore = await treeDigest();
});

test.after(async () => {
  await zk?.close();
  await bus?.close();
  await cluster?.stop();
});

/** What a user can see of the whole tree. */
async function treeDigest(): Promise<string> {
  const lines: string[] = [];
  const walk = async (path: string) => {
    if (path === '/hidden') {
      lines.push(`${path} ${JSON.stringify(await zk.exists(path))}`);
      return;
    }
    const { acl, stat } = await zk.getACL(path);
    const { data } = await zk.getData(path);
    lines.push(`${path} ${Buffer.from(data).toString('base64')} ${JSON.stringify(acl)} ${JSON.stringify(stat)}`);
    for (const c of await zk.getChildren(path)) await walk(path === '/' ? `/${c}` : `${path}/${c}`);
  };
  await walk('/');
  return lines.join('\n');
}

async function raw(subject: string, payload: Uint8Array): Promise<Record<string, unknown>> {
  const reply = await bus.request(subject, payload, 5000);
  if (reply[0] === 0x7b) return JSON.parse(Buffer.from(reply).toString('utf8'));
  return decode(reply) as Record<string, unknown>;
}

function expectError(reply: Record<string, unknown>, name: string): void {
  assert.is(reply.error, name, `reply ${JSON.stringify(reply)}`);
  assert.type(reply.code, 'number');
  assert.type(reply.message, 'string');
}

const json = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));

const cases: [string, Uint8Array, string][] = [
  ['truncated msgpack', encode({ op: 'create', path: '/x', data: 'abc' }).slice(0, 8), 'MARSHALLINGERROR'],
  ['msgpack that is not a map', encode([1, 2, 3]), 'MARSHALLINGERROR'],
  ['msgpack scalar', encode(42), 'MARSHALLINGERROR'],
  ['empty payload', new Uint8Array(0), 'MARSHALLINGERROR'],
  ['malformed JSON', json('{"op": "create", "path": '), 'MARSHALLINGERROR'],
  ['missing op', encode({ path: '/x' }), 'BADARGUMENTS'],
  ['op of the wrong type', encode({ op: 7, path: '/x' }), 'BADARGUMENTS'],
  ['unknown op', encode({ op: 'explode', path: '/x' }), 'UNIMPLEMENTED'],
  ['unknown op in JSON', json('{"op":"rename","path":"/x"}'), 'UNIMPLEMENTED'],
  ['path missing', encode({ op: 'create' }), 'BADARGUMENTS'],
  ['path of the wrong type', encode({ op: 'getData', path: 12 }), 'BADARGUMENTS'],
  ['relative path', encode({ op: 'create', path: 'x' }), 'BADARGUMENTS'],
  ['trailing slash', encode({ op: 'create', path: '/x/' }), 'BADARGUMENTS'],
  ['empty segment', encode({ op: 'create', path: '/x//y' }), 'BADARGUMENTS'],
  ['dot segment', encode({ op: 'create', path: '/x/./y' }), 'BADARGUMENTS'],
  ['dot-dot segment', encode({ op: 'create', path: '/x/../keep' }), 'BADARGUMENTS'],
  ['NUL in path', encode({ op: 'create', path: '/x\u0000y' }), 'BADARGUMENTS'],
  ['empty path', encode({ op: 'getData', path: '' }), 'BADARGUMENTS'],
  ['data of the wrong type', encode({ op: 'setData', path: '/keep', data: { a: 1 } }), 'BADARGUMENTS'],
  ['data over 1 MiB', encode({ op: 'setData', path: '/keep', data: new Uint8Array(1024 * 1024 + 1) }), 'BADARGUMENTS'],
  ['version not an integer', encode({ op: 'setData', path: '/keep', data: 'x', version: 1.5 }), 'BADARGUMENTS'],
  ['version below -1', encode({ op: 'delete', path: '/keep', version: -2 }), 'BADARGUMENTS'],
  ['mode out of range', encode({ op: 'create', path: '/x', mode: 9 }), 'BADARGUMENTS'],
  ['unknown mode name', encode({ op: 'create', path: '/x', mode: 'forever' }), 'BADARGUMENTS'],
  ['ttl mode without ttl', encode({ op: 'create', path: '/x', mode: 5 }), 'BADARGUMENTS'],
  ['multi without ops', encode({ op: 'multi' }), 'BADARGUMENTS'],
  ['multi with a read op', encode({ op: 'multi', ops: [{ op: 'getData', path: '/keep' }] }), 'UNIMPLEMENTED'],
  ['multi with a bad sub-op', encode({ op: 'multi', ops: [{ op: 'create', path: '/ok' }, 'nope'] }), 'MARSHALLINGERROR'],
  ['multiRead without ops', encode({ op: 'multiRead' }), 'BADARGUMENTS'],
  ['multiRead with a write in it', encode({ op: 'multiRead', ops: [{ op: 'delete', path: '/keep' }] }), 'BADARGUMENTS'],
  ['multiRead op not an object', encode({ op: 'multiRead', ops: [7] }), 'MARSHALLINGERROR'],
  ['getEphemerals prefix of the wrong type', encode({ op: 'getEphemerals', prefix: 3 }), 'BADARGUMENTS'],
  ['getEphemerals prefix not absolute', encode({ op: 'getEphemerals', prefix: 'app' }), 'BADARGUMENTS'],
  ['getEphemerals without a session', encode({ op: 'getEphemerals' }), 'BADARGUMENTS'],
  ['getAllChildrenNumber without a path', encode({ op: 'getAllChildrenNumber' }), 'BADARGUMENTS'],
  ['check outside multi', encode({ op: 'check', path: '/keep', version: 0 }), 'BADARGUMENTS'],
  ['bad base64 in JSON', json('{"op":"setData","path":"/keep","dataBase64":"!!"}'), 'BADARGUMENTS'],
  // ACLs: a wrongly typed field is BADARGUMENTS; an ACL ZooKeeper refuses is INVALIDACL.
  ['acl not a list', encode({ op: 'create', path: '/x', acl: 'open' }), 'BADARGUMENTS'],
  ['acl entry not a map', encode({ op: 'create', path: '/x', acl: [7] }), 'BADARGUMENTS'],
  ['acl perms not an integer', encode({ op: 'create', path: '/x', acl: [{ perms: 'cdrwa', scheme: 'world', id: 'anyone' }] }), 'BADARGUMENTS'],
  ['acl perms fractional', encode({ op: 'create', path: '/x', acl: [{ perms: 1.5, scheme: 'world', id: 'anyone' }] }), 'BADARGUMENTS'],
  ['acl scheme missing', encode({ op: 'create', path: '/x', acl: [{ perms: 31, id: 'anyone' }] }), 'BADARGUMENTS'],
  ['acl id of the wrong type', encode({ op: 'create', path: '/x', acl: [{ perms: 31, scheme: 'world', id: 1 }] }), 'BADARGUMENTS'],
  ['acl over its size limit', encode({ op: 'create', path: '/x', acl: [{ perms: 1, scheme: 'digest', id: `u:${'h'.repeat(20_000)}` }] }), 'BADARGUMENTS'],
  ['acl empty', encode({ op: 'create', path: '/x', acl: [] }), 'INVALIDACL'],
  ['acl perms outside ALL', encode({ op: 'create', path: '/x', acl: [{ perms: 32, scheme: 'world', id: 'anyone' }] }), 'INVALIDACL'],
  ['acl negative perms', encode({ op: 'create', path: '/x', acl: [{ perms: -1, scheme: 'world', id: 'anyone' }] }), 'INVALIDACL'],
  ['acl unknown scheme', encode({ op: 'create', path: '/x', acl: [{ perms: 31, scheme: 'kerberos', id: 'me' }] }), 'INVALIDACL'],
  ['acl world but not anyone', encode({ op: 'create', path: '/x', acl: [{ perms: 31, scheme: 'world', id: 'everybody' }] }), 'INVALIDACL'],
  ['acl digest id without a hash', encode({ op: 'create', path: '/x', acl: [{ perms: 31, scheme: 'digest', id: 'bob' }] }), 'INVALIDACL'],
  ['acl ip id not an address', encode({ op: 'create', path: '/x', acl: [{ perms: 31, scheme: 'ip', id: '10.0.0.300' }] }), 'INVALIDACL'],
  ['acl ip prefix too long', encode({ op: 'create', path: '/x', acl: [{ perms: 31, scheme: 'ip', id: '10.0.0.0/40' }] }), 'INVALIDACL'],
  ['acl auth without identities', encode({ op: 'create', path: '/x', acl: [{ perms: 31, scheme: 'auth', id: '' }] }), 'INVALIDACL'],
  ['acl in JSON, unknown scheme', json('{"op":"create","path":"/x","acl":[{"perms":31,"scheme":"sasl","id":"me"}]}'), 'INVALIDACL'],
  ['multi create with a bad acl', encode({ op: 'multi', ops: [{ op: 'create', path: '/m1' }, { op: 'create', path: '/m2', acl: [] }] }), 'INVALIDACL'],
  ['setACL without an acl', encode({ op: 'setACL', path: '/keep', version: 0 }), 'BADARGUMENTS'],
  ['setACL with a bad version', encode({ op: 'setACL', path: '/keep', acl: [{ perms: 31, scheme: 'world', id: 'anyone' }], version: 'now' }), 'BADARGUMENTS'],
  ['setACL with an invalid acl', encode({ op: 'setACL', path: '/keep', acl: [{ perms: 31, scheme: 'digest', id: 'a:b:c' }] }), 'INVALIDACL'],
  ['setACL without permission', encode({ op: 'setACL', path: '/guarded', acl: [{ perms: 31, scheme: 'world', id: 'anyone' }] }), 'NOAUTH'],
  ['setACL at a wrong aversion', encode({ op: 'setACL', path: '/keep', acl: [{ perms: 31, scheme: 'world', id: 'anyone' }], version: 4 }), 'BADVERSION'],
  ['setACL in a multi', encode({ op: 'multi', ops: [{ op: 'setACL', path: '/keep', acl: [{ perms: 31, scheme: 'world', id: 'anyone' }] }] }), 'UNIMPLEMENTED'],
  ['getACL without a path', encode({ op: 'getACL' }), 'BADARGUMENTS'],
  ['getACL of a missing node', encode({ op: 'getACL', path: '/nope' }), 'NONODE'],
  ['getData refused by an ACL', encode({ op: 'getData', path: '/hidden' }), 'NOAUTH'],
  ['getACL refused by an ACL', encode({ op: 'getACL', path: '/hidden' }), 'NOAUTH'],
  ['create under a node that refuses CREATE', encode({ op: 'create', path: '/guarded/x' }), 'NOAUTH'],
  ['delete under a node that refuses DELETE', encode({ op: 'delete', path: '/guarded/x' }), 'NOAUTH'],
  ['setData refused by an ACL', encode({ op: 'setData', path: '/guarded', data: 'x' }), 'NOAUTH'],
  ['addAuth without a session', encode({ op: 'addAuth', scheme: 'digest', auth: 'u:p' }), 'BADARGUMENTS'],
];

for (const [name, payload, code] of cases) {
  test(`sessionless API: ${name} -> ${code}`, async () => {
    expectError(await raw(subjects.api, payload), code);
  });
}

test('session API: a request for a session that does not exist is SESSIONEXPIRED', async () => {
  const actor = (zk as unknown as { session: { actor: string } }).session.actor;
  expectError(await raw(subjects.sessionActor(actor), encode({ op: 'create', path: '/ghost', session: 123456, secret: 'x' })), 'SESSIONEXPIRED');
  expectError(await raw(subjects.sessionActor(actor), encode({ op: 'create', path: '/ghost', session: zk.sessionId, secret: 'wrong' })), 'SESSIONEXPIRED');
  expectError(await raw(subjects.sessionActor(actor), encode({ op: 'create', path: '/ghost' })), 'BADARGUMENTS');
});

test('session API: addAuth with a bad field is BADARGUMENTS, with a scheme nobody provides AUTHFAILED', async () => {
  const { actor } = (zk as unknown as { session: { actor: string } }).session;
  const session = { session: zk.sessionId, secret: (zk as unknown as { session: { secret: string } }).session.secret };
  expectError(await raw(subjects.sessionActor(actor), encode({ ...session, op: 'addAuth', scheme: 'digest' })), 'BADARGUMENTS');
  expectError(await raw(subjects.sessionActor(actor), encode({ ...session, op: 'addAuth', scheme: 7, auth: 'u:p' })), 'BADARGUMENTS');
  expectError(await raw(subjects.sessionActor(actor), encode({ ...session, op: 'addAuth', scheme: 'digest', auth: 'x'.repeat(2000) })), 'BADARGUMENTS');
  expectError(await raw(subjects.sessionActor(actor), encode({ ...session, op: 'addAuth', scheme: 'ip', auth: '127.0.0.1' })), 'AUTHFAILED');
  expectError(await raw(subjects.sessionActor(actor), encode({ ...session, op: 'addAuth', scheme: 'kerberos', auth: 'me' })), 'AUTHFAILED');
  expectError(await raw(subjects.sessionActor(actor), encode({ ...session, op: 'getData', path: '/hidden' })), 'NOAUTH');
  assert.is(zk.sessionState, 'connected');
});

test('session API: a malformed batch is refused whole; a malformed request in a batch gets its error in its place', async () => {
  const { actor, secret } = (zk as unknown as { session: { actor: string; secret: string } }).session;
  const session = { session: zk.sessionId, secret };
  expectError(await raw(subjects.sessionActor(actor), encode({ ...session, batch: 'getData /keep' })), 'BADARGUMENTS');
  expectError(await raw(subjects.sessionActor(actor), encode({ ...session, batch: [] })), 'BADARGUMENTS');
  expectError(await raw(subjects.sessionActor(actor), encode({ ...session, batch: new Array(10_001).fill({ op: 'ping' }) })), 'BADARGUMENTS');
  expectError(await raw(subjects.sessionActor(actor), encode({ session: zk.sessionId, secret: 'wrong', batch: [{ op: 'ping' }] })), 'SESSIONEXPIRED');
  const parts: { first: number; replies: Record<string, unknown>[] }[] = [];
  let answered = 0;
  const batch = [{ op: 'getData', path: '/keep' }, { op: 'explode' }, 7, { op: 'setData', path: '/keep', data: { a: 1 } }, { op: 'getData', path: '/nope' }, { op: 'exists', path: '/keep' }];
  await bus.requestParts(subjects.sessionActor(actor), encode({ ...session, batch }), 5000, (data) => {
    const part = decode(data) as { first: number; replies: Record<string, unknown>[] };
    parts.push(part);
    answered += part.replies.length;
    return answered === batch.length;
  });
  assert.equal(parts.map((p) => p.first), parts.map((_, i) => parts.slice(0, i).reduce((n, p) => n + p.replies.length, 0)), 'parts come in order');
  const replies = parts.flatMap((p) => p.replies);
  assert.is(Buffer.from(replies[0]!.data as Uint8Array).toString(), 'same');
  expectError(replies[1]!, 'UNIMPLEMENTED');
  expectError(replies[2]!, 'MARSHALLINGERROR');
  expectError(replies[3]!, 'BADARGUMENTS');
  expectError(replies[4]!, 'NONODE');
  assert.is((replies[5]!.stat as { version: number }).version, 0);
  assert.is(zk.sessionState, 'connected');
});

test('session resume with malformed credentials is BADARGUMENTS', async () => {
  const resume = { session: zk.sessionId, secret: 'whatever', lastZxid: 0 };
  expectError(await raw(subjects.sessionOpen, encode({ resume: { ...resume, auth: 'u:p' } })), 'BADARGUMENTS');
  expectError(await raw(subjects.sessionOpen, encode({ resume: { ...resume, auth: [{ scheme: 'digest' }] } })), 'BADARGUMENTS');
});

test('session open with a bad timeout is BADARGUMENTS', async () => {
  expectError(await raw(subjects.sessionOpen, encode({ timeout: 'soon' })), 'BADARGUMENTS');
});

test('malformed messages on internal subjects change nothing and crash nothing', async () => {
  const writes = [{ sessionId: 'a', op: {} }, [-1, [1, '/a', -1]], [1, [99]], [1, [0, '/x']], [1, [1, '/a', -1], [{ scheme: 'digest' }]]];
  for (const payload of [new Uint8Array([0xc1]), encode({ writes: 'x' }), ...writes.map((w) => encode({ writes: [w] }))]) {
    const reply = await raw(subjects.proposerWrite, payload);
    assert.type(reply.error, 'string');
  }
  bus.publish(subjects.committed, new Uint8Array([0xde, 0xad]));
  bus.publish(subjects.committed, encode({ prevZxid: 'x', entries: [] }));
  expectError(await raw(subjects.logFetch, encode({ afterZxid: -5 })), 'BADARGUMENTS');
  expectError(await raw(subjects.snapshotChunk(1), encode({ zxid: 'a' })), 'BADARGUMENTS');
});

test('JSON requests get JSON replies', async () => {
  const reply = await raw(subjects.api, json('{"op":"getData","path":"/keep"}'));
  assert.is(reply.data, 'same');
  assert.is((reply.stat as { version: number }).version, 0);
});

test('after all of that, nothing changed and every process is alive', async () => {
  assert.is(await treeDigest(), digestBefore);
  for (const p of [...cluster.servers, ...cluster.sessions]) assert.ok(p.alive, `${p.name} is alive`);
});

test.run();
