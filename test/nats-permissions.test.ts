// deploy/nats/natszk-permissions.conf on a real nats-server: clients reach the public API and
// nothing else; a client user's forged proposal, commit or vote is refused by NATS itself and
// changes nothing; only voting servers publish peer subjects.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { encode } from '../transport/codec.js';
import { NatsBus, type NatsAuth } from '../transport/nats-bus.js';
import { Subjects } from '../transport/subjects.js';
import { writeBatchForm } from '../transport/write-batch.js';
import { Cluster } from './harness/processes.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const conf = readFileSync(path.join(root, 'deploy/nats/natszk-permissions.conf'), 'utf8');
// nats-server reads the passwords from its environment, as the file says.
process.env.NATSZK_SERVER_PASSWORD = 'server-secret';
process.env.NATSZK_SESSION_PASSWORD = 'session-secret';
process.env.NATSZK_CLIENT_PASSWORD = 'client-secret';
const serverAuth: NatsAuth = { user: 'natszk-server', password: 'server-secret' };
const sessionAuth: NatsAuth = { user: 'natszk-session', password: 'session-secret' };
const clientAuth: NatsAuth = { user: 'natszk-client', password: 'client-secret' };
const flags = (a: NatsAuth) => ['--nats-user', a.user!, '--nats-password', a.password!];

let cluster: Cluster;
let subjects: Subjects;

test.before(async () => {
  cluster = await Cluster.start({ servers: 3, natsConfig: conf, serverArgs: flags(serverAuth), sessionArgs: flags(sessionAuth), auth: serverAuth });
  subjects = new Subjects(cluster.ensemble);
});

test.after(async () => {
  await cluster?.stop();
});

/** A raw NATS connection as a user, and the codes of what NATS refused it. */
async function as(auth: NatsAuth): Promise<{ bus: NatsBus; refused: string[] }> {
  const bus = await NatsBus.connect({ servers: cluster.url, auth });
  const refused: string[] = [];
  bus.onError((code) => refused.push(code));
  return { bus, refused };
}

test('a client user works through the public API: sessions, ephemeral nodes, watches', async () => {
  const zk = await cluster.client({ auth: clientAuth });
  await zk.create('/open', 'x');
  const events: string[] = [];
  await zk.getData('/open', { watch: (e) => events.push(e.type) });
  await zk.create('/open/me', '', { mode: 'ephemeral' });
  await zk.setData('/open', 'y');
  await zk.sync('/');
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(events, ['NodeDataChanged']);
  await zk.close();
});

test('a client user\'s forged proposal, commit, vote and write batch are refused by NATS and change nothing', async () => {
  // Every server joined first: a server still joining would change its status by itself.
  const before = await cluster.settled();
  const { bus, refused } = await as(clientAuth);
  const entry = { zxid: before[0]!.lastCommittedZxid + 1, time: Date.now(), sessionId: 0, txn: { type: 'create', path: '/forged', data: new Uint8Array(), ephemeralOwner: 0, parentCVersion: 1, kind: 'persistent', ttlMs: 0 } };
  const epoch = before[0]!.epoch;
  const forged: [string, unknown][] = [
    [subjects.peerServer(1), { type: 'proposal', epoch, prevZxid: before[0]!.lastCommittedZxid, committedZxid: entry.zxid, entries: [entry] }],
    [subjects.peerServer(2), { type: 'commit', epoch, zxid: entry.zxid }],
    [subjects.peerVotes, { type: 'vote', from: 1, round: 99, state: 'looking', vote: { leader: 1, epoch: epoch + 5, zxid: 2 ** 40 } }],
    [subjects.committed, { prevZxid: before[0]!.lastCommittedZxid, entries: [entry], leader: 1, epoch }],
    [subjects.proposerWrite, writeBatchForm([{ sessionId: 0, op: { op: 'create', path: '/forged', data: new Uint8Array([1]), mode: 0, ttlMs: 0 } }])],
    [subjects.sessionMoved, { session: 1, actor: 'nobody' }],
  ];
  for (const [subject, body] of forged) bus.publish(subject, encode(body));
  await new Promise((r) => setTimeout(r, 1000));
  assert.is(refused.length, forged.length, `NATS refused each: ${refused.join(', ')}`);
  assert.ok(refused.every((c) => c === 'PERMISSIONS_VIOLATION'));
  await bus.close();
  const zk = await cluster.client({ auth: clientAuth, sessionless: true });
  await zk.sync('/');
  assert.is(await zk.exists('/forged'), null);
  await zk.close();
  const after = await cluster.statuses();
  assert.equal(after.map((s) => [s.serverId, s.role, s.epoch, s.leader]), before.map((s) => [s.serverId, s.role, s.epoch, s.leader]), 'same leader, same epoch');
  assert.equal(after.map((s) => s.lastCommittedZxid), before.map((s) => s.lastCommittedZxid), 'nothing committed');
});

test('a client user cannot read the committed stream or other subjects', async () => {
  const { bus, refused } = await as(clientAuth);
  bus.subscribe(subjects.committed, () => assert.unreachable('a client heard the committed stream'));
  bus.subscribe(subjects.peerServer(1), () => assert.unreachable('a client heard peer traffic'));
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(refused, ['PERMISSIONS_VIOLATION', 'PERMISSIONS_VIOLATION']);
  await bus.close();
});

test('a session actor user cannot publish peer subjects; no credentials, no connection', async () => {
  const { bus, refused } = await as(sessionAuth);
  bus.publish(subjects.peerVotes, encode({ type: 'vote', from: 2, round: 1, state: 'looking', vote: { leader: 2, epoch: 1, zxid: 1 } }));
  bus.publish(subjects.peerServer(3), encode({ type: 'ping', epoch: 1 }));
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(refused, ['PERMISSIONS_VIOLATION', 'PERMISSIONS_VIOLATION']);
  await bus.close();
  try {
    await NatsBus.connect({ servers: cluster.url });
    assert.unreachable('connected without credentials');
  } catch (err) {
    assert.match(String((err as Error).message), /Authorization Violation/i);
  }
});

test.run();
