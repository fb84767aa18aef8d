// ACLs end to end over real processes (3 voting servers, 2 session actors): what one session
// protects, another session and a sessionless request are refused until they authenticate;
// the protection survives a leader's kill -9, a session's move to another actor, and a
// restart of every server from its snapshots; the ip scheme matches a session's address.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  AuthFailedError, BadVersionError, digestOf, Ids, InvalidAclError, NoAuthError, Perms, ZkError, type Acl, type Client,
} from '../client/index.js';
import { SessionActor } from '../actors/session/session-actor.js';
import { DEFAULT_LIMITS } from '../transport/messages.js';
import { NatsBus } from '../transport/nats-bus.js';
import { Subjects } from '../transport/subjects.js';
import { Cluster } from './harness/processes.js';

const ALICE = 'alice:wonderland';
const aliceOnly: Acl[] = [{ perms: Perms.ALL, scheme: 'digest', id: digestOf(ALICE) }];
const text = (b: Uint8Array) => Buffer.from(b).toString('utf8');

let cluster: Cluster;
const clients: Client[] = [];

async function client(opts: Parameters<Cluster['client']>[0] = {}): Promise<Client> {
  const c = await cluster.client({ requestTimeout: 5000, ...opts });
  clients.push(c);
  return c;
}

async function refused(p: Promise<unknown>, cls: new (...args: never[]) => ZkError, what: string): Promise<void> {
  try {
    await p;
  } catch (err) {
    assert.instance(err, cls, `${what}: ${(err as Error).message}`);
    return;
  }
  assert.unreachable(`${what} was allowed`);
}

/** A read retried across a failover: CONNECTIONLOSS while the ensemble elects is not the answer. */
async function settled<T>(f: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await f();
    } catch (err) {
      if ((err as ZkError).codeName !== 'CONNECTIONLOSS' || attempt > 40) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

test.before(async () => {
  cluster = await Cluster.start({
    servers: 3,
    sessions: 2,
    serverArgs: ['--snapshot-every', '20', '--keep-snapshots', '2'],
    sessionArgs: ['--super-digest', digestOf('root:r00t')],
  });
});

test.after(async () => {
  for (const c of clients) await c.close().catch(() => undefined);
  await cluster?.stop();
});

test('a digest ACL: refused to another session and to sessionless requests, allowed after addAuth', async () => {
  const alice = await client();
  await alice.addAuth('digest', ALICE);
  await alice.create('/alice', 'home', { acl: aliceOnly });
  await alice.create('/alice/secret', 'the key', { acl: aliceOnly });

  const bob = await client();
  const anon = await client({ sessionless: true });
  for (const [who, c] of [['a session', bob], ['a sessionless request', anon]] as const) {
    await refused(c.getData('/alice/secret'), NoAuthError, `getData by ${who}`);
    await refused(c.getChildren('/alice'), NoAuthError, `getChildren by ${who}`);
    await refused(c.setData('/alice/secret', 'stolen'), NoAuthError, `setData by ${who}`);
    await refused(c.create('/alice/mine', ''), NoAuthError, `create by ${who}`);
    await refused(c.delete('/alice/secret'), NoAuthError, `delete by ${who}`);
    await refused(c.getACL('/alice'), NoAuthError, `getACL by ${who}`);
    await refused(c.getAllChildrenNumber('/alice'), NoAuthError, `getAllChildrenNumber by ${who}`);
    assert.ok(await c.exists('/alice/secret'), `exists needs no permission (${who})`);
  }
  const [r] = await bob.multiRead([{ op: 'getData', path: '/alice/secret' }]);
  assert.equal(r, { type: 'error', code: -102 }, 'multiRead fails the read alone');

  await bob.addAuth('digest', 'alice:wrong');
  await refused(bob.getData('/alice/secret'), NoAuthError, 'a wrong password is a different identity');
  await refused(bob.addAuth('sasl', 'x'), AuthFailedError, 'a scheme with no provider');
  await bob.addAuth('digest', ALICE);
  assert.is(text((await bob.getData('/alice/secret')).data), 'the key');
  await bob.setData('/alice/secret', 'the key, v2');
  assert.is(text((await alice.getData('/alice/secret')).data), 'the key, v2');
  await refused(anon.getData('/alice/secret'), NoAuthError, 'still refused to the others');
});

test('a multi with one refused op fails whole, per op, and changes nothing', async () => {
  const bob = await client();
  try {
    await bob.multi([{ op: 'create', path: '/bob-was-here', data: '' }, { op: 'setData', path: '/alice/secret', data: 'x' }, { op: 'delete', path: '/alice' }]);
    assert.unreachable('the multi went through');
  } catch (err) {
    assert.instance(err, NoAuthError);
    assert.equal((err as ZkError).results, [{ type: 'error', code: 0 }, { type: 'error', code: -102 }, { type: 'error', code: -2 }]);
  }
  assert.is(await bob.exists('/bob-was-here'), null);
});

test("auth scheme: a create with CREATOR_ALL_ACL gets the creator's digest; without an identity it is INVALIDACL", async () => {
  const alice = await client();
  await alice.addAuth('digest', ALICE);
  await alice.create('/alice/own', 'x', { acl: Ids.CREATOR_ALL_ACL });
  assert.equal((await alice.getACL('/alice/own')).acl, aliceOnly);
  const anon = await client({ sessionless: true });
  await refused(anon.create('/nobodys', 'x', { acl: Ids.CREATOR_ALL_ACL }), InvalidAclError, 'auth without identities');
  await refused(anon.create('/bad', 'x', { acl: [{ perms: Perms.ALL, scheme: 'digest', id: 'no-hash-here' }] }), InvalidAclError, 'a malformed digest id');
  assert.is(await anon.exists('/nobodys'), null);
  assert.is(await anon.exists('/bad'), null);
});

test('getACL: READ is enough to ask (digests shown as user:x); ADMIN sees them whole', async () => {
  const alice = await client();
  await alice.addAuth('digest', ALICE);
  const shared: Acl[] = [{ perms: Perms.READ, scheme: 'world', id: 'anyone' }, ...aliceOnly];
  const { stat } = await alice.create2('/shared', 'hi', { acl: shared });
  const bob = await client();
  const seen = await bob.getACL('/shared');
  assert.equal(seen.acl, [shared[0], { perms: Perms.ALL, scheme: 'digest', id: 'alice:x' }]);
  assert.equal(seen.stat, stat);
  assert.equal((await alice.getACL('/shared')).acl, shared);
  assert.is(text((await bob.getData('/shared')).data), 'hi');
  await refused(bob.setData('/shared', 'no'), NoAuthError, 'READ is not WRITE');
});

test('setACL: ADMIN on the node, checked against aversion, which it bumps; the new ACL applies at once', async () => {
  const alice = await client();
  await alice.addAuth('digest', ALICE);
  await alice.create('/alice/acl', 'x', { acl: aliceOnly });
  const bob = await client();
  await refused(bob.setACL('/alice/acl', Ids.OPEN_ACL_UNSAFE), NoAuthError, 'setACL without ADMIN');
  await refused(alice.setACL('/alice/acl', Ids.READ_ACL_UNSAFE, 3), BadVersionError, 'setACL at a wrong aversion');
  const stat = await alice.setACL('/alice/acl', [...Ids.READ_ACL_UNSAFE, { perms: Perms.ADMIN, scheme: 'digest', id: digestOf(ALICE) }], 0);
  assert.is(stat.aversion, 1);
  assert.is(stat.version, 0, 'the data version does not move');
  assert.is((await bob.exists('/alice/acl'))!.aversion, 1);
  await refused(alice.setData('/alice/acl', 'y'), NoAuthError, 'alice kept only ADMIN');
  await refused(alice.setACL('/alice/acl', Ids.OPEN_ACL_UNSAFE, 0), BadVersionError, 'the old aversion');
  assert.is((await alice.setACL('/alice/acl', Ids.OPEN_ACL_UNSAFE, 1)).aversion, 2);
  await bob.setData('/alice/acl', 'open now');
});

test('the super digest passes every ACL', async () => {
  const root = await client();
  await refused(root.getData('/alice/secret'), NoAuthError, 'before authenticating');
  await root.addAuth('digest', 'root:r00t');
  assert.is(text((await root.getData('/alice/secret')).data), 'the key, v2');
  await root.create('/alice/root-was-here', '', { acl: [{ perms: 0, scheme: 'world', id: 'anyone' }] });
  await root.delete('/alice/root-was-here');
});

test('a session that moves to another actor keeps its identities', async () => {
  const alice = await client({ sessionTimeout: 6000 });
  await alice.addAuth('digest', ALICE);
  const before = alice.actor;
  const index = cluster.sessions.findIndex((p) => p.output.includes(before!));
  assert.ok(index >= 0, 'the actor holding the session is found');
  await cluster.restartSession(index);
  // The first request after the kill may be the one that finds the actor gone (CONNECTIONLOSS).
  const data = await settled(() => alice.getData('/alice/secret'));
  assert.is(text(data.data), 'the key, v2');
  assert.is.not(alice.actor, before, 'the session moved');
  await alice.setData('/alice/secret', 'moved and still alice');
  const bob = await client();
  await refused(bob.getData('/alice/secret'), NoAuthError, 'and the others are still refused');
});

test('ACLs survive kill -9 of the leader, and a restart of every server from its snapshots', async () => {
  const alice = await client();
  await alice.addAuth('digest', ALICE);
  // Enough writes that every server has snapshots holding the ACLs (--snapshot-every 20).
  for (let i = 0; i < 30; i++) await alice.create(`/alice/n${i}`, String(i), { acl: i % 2 ? aliceOnly : Ids.READ_ACL_UNSAFE });
  const acls = JSON.stringify(await Promise.all(['/alice', '/alice/secret', '/alice/n7', '/alice/n8', '/shared'].map((p) => alice.getACL(p))));

  const leader = await cluster.leader();
  await cluster.servers[leader - 1]!.kill('SIGKILL');
  const bob = await client({ sessionless: true });
  await refused(settled(() => bob.setData('/alice/secret', 'after failover')), NoAuthError, 'setData on the new leader');
  await settled(() => alice.setData('/alice/n1', 'written by the new leader'));
  cluster.servers[leader - 1] = cluster.spawnServer(leader);
  await cluster.waitServing();

  await alice.create('/churn', '', { acl: aliceOnly });
  for (let i = 0; i < 25; i++) await alice.setData('/churn', String(i));
  await cluster.settled();
  for (const p of cluster.servers) assert.match(p.output, /snapshot at 0x/, `${p.name} took a snapshot`);
  for (let id = 1; id <= 3; id++) await cluster.servers[id - 1]!.kill('SIGKILL');
  for (let id = 1; id <= 3; id++) cluster.servers[id - 1] = cluster.spawnServer(id);
  await cluster.waitServing();
  await cluster.settled();
  const fresh = await client();
  await fresh.addAuth('digest', ALICE);
  assert.is(JSON.stringify(await Promise.all(['/alice', '/alice/secret', '/alice/n7', '/alice/n8', '/shared'].map((p) => fresh.getACL(p)))), acls, 'every ACL and stat as before');
  const anon = await client({ sessionless: true });
  await refused(settled(() => anon.getData('/alice/n7')), NoAuthError, 'read after the restart');
  assert.is(text((await anon.getData('/alice/n8')).data), '8', 'READ_ACL_UNSAFE still lets anyone read');
  await refused(settled(() => anon.setData('/alice/n8', 'x')), NoAuthError, 'write after the restart');
  assert.is(text((await fresh.getData('/alice/n1')).data), 'written by the new leader');
});

test('ip scheme: a session whose front-end gave its address matches; one without an address does not', async () => {
  const alice = await client();
  await alice.addAuth('digest', ALICE);
  await alice.create('/lan', 'for the lan', { acl: [{ perms: Perms.READ | Perms.CREATE, scheme: 'ip', id: '10.0.0.0/8' }, ...aliceOnly] });
  const bus = await NatsBus.connect({ servers: cluster.url });
  const actor = await SessionActor.start({ bus, subjects: new Subjects(cluster.ensemble), limits: DEFAULT_LIMITS, tickMs: 500, requestTimeoutMs: 5000, log: () => undefined, natsEntryPoints: false });
  try {
    const sink = { events: () => undefined, state: () => undefined };
    const ask = (id: number, secret: string, request: Parameters<SessionActor['localRequest']>[2]) =>
      new Promise<Record<string, unknown>>((resolve) => actor.localRequest(id, secret, request, (body) => resolve(body as Record<string, unknown>)));
    const inLan = await actor.localOpen(4000, sink);
    const outside = await actor.localOpen(4000, sink);
    // As a gateway's dual-stack socket reports an IPv4 client.
    actor.setAddress(inLan.sessionId, '::ffff:10.20.30.40');
    actor.setAddress(outside.sessionId, '192.168.1.1');
    assert.throws(() => actor.setAddress(outside.sessionId, 'not an address'), /BADARGUMENTS/);
    const read = await ask(inLan.sessionId, inLan.secret, { op: 'getData', path: '/lan', watch: false });
    assert.is(text(read.data as Uint8Array), 'for the lan');
    assert.is((await ask(outside.sessionId, outside.secret, { op: 'getData', path: '/lan', watch: false })).error, 'NOAUTH');
    // Writes are checked on the leader, with the address the session actor sends along.
    const created = await ask(inLan.sessionId, inLan.secret, { op: 'create', path: '/lan/host', data: new Uint8Array(), mode: 0, ttlMs: 0 });
    assert.is(created.path, '/lan/host', JSON.stringify(created));
    assert.is((await ask(outside.sessionId, outside.secret, { op: 'create', path: '/lan/other', data: new Uint8Array(), mode: 0, ttlMs: 0 })).error, 'NOAUTH');
    assert.is((await ask(inLan.sessionId, inLan.secret, { op: 'setData', path: '/lan', data: new Uint8Array(), version: -1 })).error, 'NOAUTH', 'the range has READ and CREATE only');
    assert.is((await ask(inLan.sessionId, inLan.secret, { op: 'addAuth', scheme: 'ip', auth: '10.0.0.1' })).error, 'AUTHFAILED', 'an address is never asked for');
    const natsClient = await client({ sessionless: true });
    await refused(natsClient.getData('/lan'), NoAuthError, 'a NATS client has no address');
    await ask(inLan.sessionId, inLan.secret, { op: 'close' });
    await ask(outside.sessionId, outside.secret, { op: 'close' });
  } finally {
    await actor.stop();
    await bus.close();
  }
});

test.run();
