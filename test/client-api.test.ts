// The client library as a program uses it: an error class per code, per-call deadlines and
// AbortSignal, and the reads beyond getData (getAllChildrenNumber, getEphemerals, multiRead).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  BadArgumentsError, BadVersionError, NoNodeError, NodeExistsError, NotEmptyError, OperationTimeoutError, ZkError, CreateMode,
  connect, type Client, type WatchEvent,
} from '../client/index.js';
import { connect as natsConnect, type NatsConnection } from 'nats';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedNats } from '../deploy/local/embedded-nats.js';
import { Cluster } from './harness/processes.js';
import { NatsBus } from '../transport/nats-bus.js';
import { encode } from '../transport/codec.js';
import { Subjects } from '../transport/subjects.js';
import { until } from './harness/wait.js';

let cluster: Cluster;
let zk: Client;

test.before(async () => {
  cluster = await Cluster.start();
  zk = await cluster.client();
});

test.after(async () => {
  await zk?.close();
  await cluster?.stop();
});

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to fail');
}

test('each failure is an instance of its code\'s class, and of ZkError', async () => {
  const none = await rejection(zk.getData('/absent'));
  assert.instance(none, NoNodeError);
  assert.instance(none, ZkError);
  assert.is((none as ZkError).codeName, 'NONODE');
  assert.is((none as ZkError).code, -101);
  assert.is((none as Error).name, 'NoNodeError');
  await zk.create('/e', 'x');
  assert.instance(await rejection(zk.create('/e')), NodeExistsError);
  assert.instance(await rejection(zk.setData('/e', 'y', 7)), BadVersionError);
  await zk.create('/e/child');
  assert.instance(await rejection(zk.delete('/e')), NotEmptyError);
  assert.instance(await rejection(zk.getData('no-slash')), BadArgumentsError);
  const multi = await rejection(zk.multi([{ op: 'create', path: '/m1' }, { op: 'check', path: '/e', version: 9 }]));
  assert.instance(multi, BadVersionError);
  assert.equal((multi as ZkError).results, [{ type: 'error', code: 0 }, { type: 'error', code: -103 }], 'ops before the failing one say OK, as in ZooKeeper');
  assert.is(await zk.exists('/m1'), null, 'a failed multi changes nothing');
});

test('an aborted signal fails the call with its reason and sends nothing', async () => {
  const ctl = new AbortController();
  ctl.abort(new Error('user gave up'));
  const err = await rejection(zk.create('/never', 'x', { signal: ctl.signal }));
  assert.is((err as Error).message, 'user gave up');
  assert.is(await zk.exists('/never'), null);
});

test('a deadline or an abort while the ensemble is stalled fails only that call; the session stays', async () => {
  const actor = zk.actor;
  const server = cluster.servers[0]!.child;
  server.kill('SIGSTOP');
  try {
    const started = Date.now();
    const late = await rejection(zk.create('/stalled', 'x', { timeout: 300 }));
    assert.instance(late, OperationTimeoutError);
    assert.ok(Date.now() - started < 2000, 'the deadline is the call\'s, not the client\'s');
    const ctl = new AbortController();
    const pending = rejection(zk.setData('/e', 'z', -1, { signal: ctl.signal }));
    setTimeout(() => ctl.abort(), 100);
    assert.is(((await pending) as Error).name, 'AbortError');
  } finally {
    server.kill('SIGCONT');
  }
  // The stalled writes may still take effect (their outcome was unknown); the session did not move.
  await zk.sync('/');
  assert.is(zk.actor, actor);
  assert.is(zk.sessionState, 'connected');
  assert.ok((await zk.exists('/e')) !== null);
});

test('getAllChildrenNumber counts every node below, at any depth', async () => {
  await zk.create('/count');
  await zk.create('/count/a');
  await zk.create('/count/a/b');
  await zk.create('/count/a/b/c');
  await zk.create('/count/d');
  assert.is(await zk.getAllChildrenNumber('/count'), 4);
  assert.is(await zk.getAllChildrenNumber('/count/d'), 0);
  assert.instance(await rejection(zk.getAllChildrenNumber('/nothing')), NoNodeError);
});

test('getEphemerals lists this session\'s ephemeral nodes under a prefix, not another\'s', async () => {
  await zk.create('/eph');
  await zk.create('/eph/lock-', '', { mode: CreateMode.EPHEMERAL_SEQUENTIAL });
  await zk.create('/eph/lock-', '', { mode: CreateMode.EPHEMERAL_SEQUENTIAL });
  await zk.create('/eph/member', '', { mode: 'ephemeral' });
  const other = await cluster.client();
  await other.create('/eph/other', '', { mode: 'ephemeral' });
  assert.equal(await zk.getEphemerals('/eph/lock-'), ['/eph/lock-0000000000', '/eph/lock-0000000001']);
  assert.equal(await zk.getEphemerals(), ['/eph/lock-0000000000', '/eph/lock-0000000001', '/eph/member']);
  assert.equal(await other.getEphemerals('/'), ['/eph/other']);
  await other.close();
  const sessionless = await cluster.client({ sessionless: true });
  assert.instance(await rejection(sessionless.getEphemerals('/')), BadArgumentsError);
  await sessionless.close();
});

test('multiRead reads several nodes at one state; each read fails alone', async () => {
  await zk.create('/mr', 'top');
  await zk.create('/mr/x', 'one');
  const results = await zk.multiRead([
    { op: 'getData', path: '/mr' },
    { op: 'getChildren', path: '/mr' },
    { op: 'getData', path: '/mr/absent' },
  ]);
  assert.is(results.length, 3);
  const [data, children, missing] = results;
  assert.is(data!.type, 'getData');
  assert.is(Buffer.from((data as { data: Uint8Array }).data).toString(), 'top');
  assert.equal(children, { type: 'getChildren', children: ['x'] });
  assert.equal(missing, { type: 'error', code: -101 });
});

test('calls made in one turn travel to the session actor in one message; each gets its own answer, in the session\'s order', async () => {
  await zk.create('/batch', 'v0');
  const subjects = new Subjects(cluster.ensemble);
  const listener = await NatsBus.connect({ servers: cluster.url });
  let messages = 0;
  listener.subscribe(subjects.sessionActor(zk.actor!), () => messages++);
  // A round trip on the same connection: the subscription is in place once it is answered.
  await listener.request(subjects.api, encode({ op: 'exists', path: '/' }), 5000);
  const [, first, , second, , children, missing, created] = await Promise.all([
    zk.setData('/batch', 'v1'),
    zk.getData('/batch'),
    zk.setData('/batch', 'v2'),
    zk.getData('/batch'),
    zk.create('/batch/x'),
    zk.getChildren('/batch'),
    zk.getData('/absent').catch((err: unknown) => err),
    zk.exists('/batch/x'),
  ]).finally(() => listener.close());
  assert.is(messages, 1, 'eight calls, one message');
  assert.is(Buffer.from(first.data).toString(), 'v1', 'a read sees the writes before it');
  assert.is(first.stat.version, 1, 'and none after it');
  assert.is(Buffer.from(second.data).toString(), 'v2');
  assert.is(second.stat.version, 2);
  assert.equal(children, ['x']);
  assert.instance(missing, NoNodeError);
  assert.ok(created, 'the create before it shows');
});

test('sessions over one shared NATS connection: each its own session, ephemerals and watches; close leaves the connection to its owner', async () => {
  const nc = await natsConnect({ servers: cluster.url });
  try {
    await sharedConnection(nc);
  } finally {
    await nc.close();
  }
  assert.instance(await rejection(connect({ ensemble: cluster.ensemble })), BadArgumentsError, 'neither servers nor a connection');
});

async function sharedConnection(nc: NatsConnection): Promise<void> {
  const own = { connection: nc, ensemble: cluster.ensemble };
  const [a, b] = [await connect(own), await connect(own)];
  assert.is.not(a.sessionId, b.sessionId);
  await a.create('/shared-a', 'a', { mode: 'ephemeral' });
  await b.create('/shared-b', 'b', { mode: 'ephemeral' });
  assert.equal(await a.getEphemerals('/shared'), ['/shared-a']);
  const heardByB: WatchEvent[] = [];
  const heardByA: WatchEvent[] = [];
  await b.getData('/shared-a', { watch: (e) => heardByB.push(e) });
  await a.getData('/shared-b', { watch: (e) => heardByA.push(e) });
  await a.setData('/shared-a', 'a2');
  await until('b told of the change', () => heardByB.length > 0, 5000);
  assert.equal(heardByB.map((e) => [e.type, e.path]), [['NodeDataChanged', '/shared-a']]);
  assert.equal(heardByA, [], 'a change to /shared-a reaches only the session watching it');

  await a.close();
  assert.not.ok(nc.isClosed(), 'closing a client leaves the shared connection open');
  await b.sync();
  assert.is(await b.exists('/shared-a'), null, 'the closed session\'s ephemeral node went with it');
  assert.ok(await b.exists('/shared-b'), 'the other session lives on');
  await b.setData('/shared-b', 'b2');
  await b.close();
  const c = await connect(own);
  await c.sync();
  assert.is(await c.exists('/shared-b'), null, 'b\'s ephemeral node went when b closed');
  await c.close();
  assert.not.ok(nc.isClosed());
}

test('a call whose arguments cannot be encoded fails alone with BADARGUMENTS; the calls of its turn and the client go on', async () => {
  await zk.create('/enc', 'v0');
  const bigVersion = 10n as unknown as number;
  // Alone in its turn, then in a turn with others (one message to the session actor).
  assert.instance(await rejection(zk.setData('/enc', 'x', bigVersion)), BadArgumentsError);
  const [bad, good, read] = await Promise.allSettled([zk.setData('/enc', 'x', bigVersion), zk.setData('/enc', 'v1'), zk.getData('/enc')]);
  assert.is(bad.status, 'rejected');
  assert.instance((bad as PromiseRejectedResult).reason, BadArgumentsError);
  assert.is(good.status, 'fulfilled');
  assert.is(read.status === 'fulfilled' && Buffer.from(read.value.data).toString(), 'v1');
  assert.is(Buffer.from((await zk.getData('/enc')).data).toString(), 'v1');
  const sessionless = await cluster.client({ sessionless: true });
  try {
    assert.instance(await rejection(sessionless.setData('/enc', 'x', bigVersion)), BadArgumentsError);
  } finally {
    await sessionless.close();
  }
});

test('a closed client refuses calls with SESSIONEXPIRED', async () => {
  const c = await cluster.client();
  await c.close();
  const err = await rejection(c.exists('/'));
  assert.is((err as ZkError).codeName, 'SESSIONEXPIRED');
});

// A program of its own, so that what its client leaves behind shows as a process that never
// exits: one client on a connection of its own, one on a connection the program shares.
const CLOSE_WHEN_TOLD = `
const { connect } = await import(process.argv[1]);
const { connect: natsConnect } = await import(process.argv[2]);
const own = await connect({ servers: process.argv[3], sessionless: true });
const shared = await natsConnect({ servers: process.argv[3], maxReconnectAttempts: -1 });
const onShared = await connect({ connection: shared, sessionless: true });
process.stdout.write('connected\\n');
(async () => { for await (const s of shared.status()) if (s.type === 'disconnect') process.stdout.write('disconnected\\n'); })();
process.stdin.once('data', async () => {
  process.stdin.destroy();
  const started = performance.now();
  await own.close();
  await onShared.close();
  await shared.close();
  process.stdout.write('closed in ' + Math.round(performance.now() - started) + ' ms\\n');
});`;

test('close() while the NATS server is away returns, and leaves nothing that keeps the program from exiting', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'natszk-close-'));
  const nats = await startEmbeddedNats({ dir, quiet: true });
  const modules = [new URL('../client/index.js', import.meta.url).href, import.meta.resolve('nats')];
  const program = spawn(process.execPath, ['--input-type=module', '-e', CLOSE_WHEN_TOLD, ...modules, nats.url], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  program.stdout.on('data', (d) => { out += d; });
  const exited = new Promise<number | null>((resolve) => program.once('exit', resolve));
  try {
    await until('the program connected', () => out.includes('connected'), 10_000);
    await nats.stop();
    await until('the program saw its server go', () => out.includes('disconnected'), 5_000);
    program.stdin.end('close\n');
    await until('close() returned', () => out.includes('closed in'), 5_000);
    const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('still running 5 s after close() returned'), 5_000))]);
    assert.is(code, 0, out);
  } finally {
    program.kill('SIGKILL');
    await nats.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
