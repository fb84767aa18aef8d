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
    const { data, stat } = await zk.getData(path);
    lines.push(`${path} ${Buffer.from(data).toString('base64')} ${stat.mzxid} ${stat.version} ${stat.cversion}`);
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

test('session open with a bad timeout is BADARGUMENTS', async () => {
  expectError(await raw(subjects.sessionOpen, encode({ timeout: 'soon' })), 'BADARGUMENTS');
});

test('malformed messages on internal subjects change nothing and crash nothing', async () => {
  for (const payload of [new Uint8Array([0xc1]), encode({ writes: 'x' }), encode({ writes: [{ sessionId: 'a', op: {} }] })]) {
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
