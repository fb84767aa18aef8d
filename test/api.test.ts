// The data model op by op, through the client library, against real processes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CreateMode, ZkError, type Client } from '../client/index.js';
import { Cluster } from './harness/processes.js';

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

async function rejects(p: Promise<unknown>, code: string): Promise<ZkError> {
  try {
    await p;
  } catch (err) {
    assert.instance(err, ZkError);
    assert.is((err as ZkError).codeName, code);
    return err as ZkError;
  }
  throw new assert.Assertion({ message: `expected ${code}`, operator: 'rejects', generated: true, actual: 'resolved', expects: code });
}

const text = (b: Uint8Array) => Buffer.from(b).toString('utf8');

test('create, getData and the stat of a new node', async () => {
  const before = Date.now();
  const created = await zk.create2('/a', 'hello');
  assert.is(created.path, '/a');
  const { data, stat } = await zk.getData('/a');
  assert.is(text(data), 'hello');
  assert.equal(stat, created.stat);
  assert.is(stat.version, 0);
  assert.is(stat.cversion, 0);
  assert.is(stat.aversion, 0);
  assert.is(stat.dataLength, 5);
  assert.is(stat.numChildren, 0);
  assert.is(stat.ephemeralOwner, 0);
  assert.is(stat.czxid, stat.mzxid);
  assert.is(stat.pzxid, stat.czxid);
  assert.ok(stat.ctime >= before - 1000 && stat.ctime <= Date.now() + 1000, 'ctime is the time of the create');
  assert.is(stat.mtime, stat.ctime);
});

test('create under a parent updates the parent\'s cversion, pzxid and numChildren', async () => {
  await zk.create('/p');
  const child = await zk.create2('/p/c1', '');
  const parent = (await zk.exists('/p'))!;
  assert.is(parent.numChildren, 1);
  assert.is(parent.cversion, 1);
  assert.is(parent.pzxid, child.stat.czxid);
  assert.is(parent.version, 0, 'a child does not change the parent\'s data version');
  await zk.delete('/p/c1');
  const after = (await zk.exists('/p'))!;
  assert.is(after.numChildren, 0);
  assert.ok(after.pzxid > child.stat.czxid, 'delete moves pzxid');
});

test('setData bumps version and mzxid; a wrong version is BADVERSION and changes nothing', async () => {
  await zk.create('/v', 'x');
  const s1 = await zk.setData('/v', 'y', 0);
  assert.is(s1.version, 1);
  assert.ok(s1.mzxid > s1.czxid);
  await rejects(zk.setData('/v', 'z', 0), 'BADVERSION');
  const s2 = await zk.setData('/v', 'z');
  assert.is(s2.version, 2);
  assert.is(text((await zk.getData('/v')).data), 'z');
});

test('errors: NONODE, NODEEXISTS, NOTEMPTY, BADVERSION on delete', async () => {
  await rejects(zk.getData('/missing'), 'NONODE');
  await rejects(zk.setData('/missing', 'x'), 'NONODE');
  await rejects(zk.delete('/missing'), 'NONODE');
  await rejects(zk.create('/missing/child'), 'NONODE');
  await zk.create('/e');
  await rejects(zk.create('/e'), 'NODEEXISTS');
  await zk.create('/e/k');
  await rejects(zk.delete('/e'), 'NOTEMPTY');
  await rejects(zk.delete('/e/k', 3), 'BADVERSION');
  await zk.delete('/e/k', 0);
  await zk.delete('/e');
  assert.is(await zk.exists('/e'), null);
});

test('getChildren lists children sorted; root holds /zookeeper', async () => {
  await zk.create('/kids');
  for (const n of ['b', 'a', 'c']) await zk.create(`/kids/${n}`);
  assert.equal(await zk.getChildren('/kids'), ['a', 'b', 'c']);
  const { stat } = await zk.getChildren2('/kids');
  assert.is(stat.numChildren, 3);
  assert.ok((await zk.getChildren('/')).includes('zookeeper'));
});

test('sequential nodes take 10-digit suffixes from the parent\'s cversion', async () => {
  await zk.create('/seq');
  const a = await zk.create('/seq/n-', '', { mode: CreateMode.PERSISTENT_SEQUENTIAL });
  const b = await zk.create('/seq/n-', '', { mode: 'persistentSequential' });
  assert.is(a, '/seq/n-0000000000');
  assert.is(b, '/seq/n-0000000001');
  await zk.delete(b);
  await zk.create('/seq/plain');
  const c = await zk.create('/seq/n-', '', { mode: CreateMode.PERSISTENT_SEQUENTIAL });
  assert.is(c, '/seq/n-0000000003', 'deletes do not reuse numbers; every create counts');
});

test('ephemeral nodes belong to the session and go when it closes', async () => {
  const other = await cluster.client();
  const path = await other.create('/eph', 'mine', { mode: CreateMode.EPHEMERAL });
  const stat = (await zk.exists(path))!;
  assert.is(stat.ephemeralOwner, other.sessionId);
  await rejects(zk.create('/eph/child'), 'NOCHILDRENFOREPHEMERALS');
  const seq = await other.create('/eph-s-', '', { mode: CreateMode.EPHEMERAL_SEQUENTIAL });
  assert.match(seq, /^\/eph-s-\d{10}$/);
  await other.close();
  await zk.sync('/');
  assert.is(await zk.exists('/eph'), null);
  assert.is(await zk.exists(seq), null);
});

test('a sessionless client cannot create ephemeral nodes', async () => {
  const anon = await cluster.client({ sessionless: true });
  try {
    await rejects(anon.create('/anon-eph', '', { mode: CreateMode.EPHEMERAL }), 'BADARGUMENTS');
    assert.is(await anon.exists('/anon-eph'), null);
  } finally {
    await anon.close();
  }
});

test('multi is all or nothing, with per-op results', async () => {
  await zk.create('/m');
  const results = await zk.multi([
    { op: 'create', path: '/m/x', data: '1' },
    { op: 'create', path: '/m/x/y', data: '2' },
    { op: 'setData', path: '/m', data: 'top', version: 0 },
    { op: 'check', path: '/m', version: 1 },
  ]);
  assert.equal(results.map((r) => r.type), ['create', 'create', 'setData', 'check']);
  assert.is((results[0] as { path: string }).path, '/m/x');
  assert.is(text((await zk.getData('/m/x/y')).data), '2');

  const err = await rejects(zk.multi([
    { op: 'create', path: '/m/new', data: '' },
    { op: 'delete', path: '/m/x', version: -1 },
    { op: 'setData', path: '/m', data: 'never' },
  ]), 'NOTEMPTY');
  assert.equal(err.results, [{ type: 'error', code: 0 }, { type: 'error', code: -111 }, { type: 'error', code: -2 }]);
  assert.is(await zk.exists('/m/new'), null, 'the first op was rolled back');
  assert.is(text((await zk.getData('/m')).data), 'top');
});

test('sync, then read: a write from another client is visible', async () => {
  const other = await cluster.client({ sessionless: true });
  try {
    await other.create('/synced', 'v');
    await zk.sync('/synced');
    assert.is(text((await zk.getData('/synced')).data), 'v');
  } finally {
    await other.close();
  }
});

test('binary data round-trips byte for byte, up to the 1 MiB limit', async () => {
  const bytes = new Uint8Array(1024 * 1024).map((_, i) => (i * 7) & 0xff);
  await zk.create('/big', bytes);
  const { data, stat } = await zk.getData('/big');
  assert.is(stat.dataLength, bytes.length);
  assert.ok(Buffer.from(data).equals(Buffer.from(bytes)));
  await rejects(zk.create('/too-big', new Uint8Array(1024 * 1024 + 1)), 'BADARGUMENTS');
  assert.is(await zk.exists('/too-big'), null);
});

test('a session\'s requests are answered in order, writes before the reads behind them', async () => {
  await zk.create('/fifo', '0');
  const ops: Promise<unknown>[] = [];
  for (let i = 1; i <= 50; i++) {
    ops.push(zk.setData('/fifo', String(i)));
    ops.push(zk.getData('/fifo').then((r) => text(r.data)));
  }
  const results = await Promise.all(ops);
  for (let i = 1; i <= 50; i++) assert.is(results[2 * i - 1], String(i), `read ${i} sees write ${i}`);
});

test.run();
