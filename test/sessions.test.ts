// Sessions end two ways: the client closes them, or the leader expires them when nobody
// vouches for them any more; either way their ephemeral nodes go.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decode, encode } from '../transport/codec.js';
import { NatsBus } from '../transport/nats-bus.js';
import { Subjects } from '../transport/subjects.js';
import { CreateMode } from '../client/index.js';
import { Cluster } from './harness/processes.js';

let cluster: Cluster;

test.before(async () => {
  cluster = await Cluster.start({ tick: 250 });
});

test.after(async () => {
  await cluster?.stop();
});

test('a session whose client stops pinging expires within timeout + one tick; its ephemerals go', async () => {
  const bus = await NatsBus.connect({ servers: cluster.url });
  const subjects = new Subjects(cluster.ensemble);
  try {
    const open = decode(await bus.request(subjects.sessionOpen, encode({ timeout: 1000 }), 5000)) as { sessionId: number; secret: string; actor: string; timeout: number };
    assert.is(open.timeout, 1000);
    const created = decode(await bus.request(subjects.sessionActor(open.actor), encode({ op: 'create', path: '/lost', mode: CreateMode.EPHEMERAL, session: open.sessionId, secret: open.secret }), 5000)) as { path: string };
    assert.is(created.path, '/lost');
    const watcher = await cluster.client();
    assert.ok(await watcher.exists('/lost'));
    const silentSince = Date.now();
    while ((await watcher.exists('/lost')) !== null) {
      assert.ok(Date.now() - silentSince < 1000 + 250 + 750, 'gone within timeout + tick (+ slack for the test)');
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(Date.now() - silentSince >= 900, 'not expired before its timeout');
    const late = decode(await bus.request(subjects.sessionActor(open.actor), encode({ op: 'getData', path: '/', session: open.sessionId, secret: open.secret }), 5000)) as { error: string };
    assert.is(late.error, 'SESSIONEXPIRED');
    await watcher.close();
  } finally {
    await bus.close();
  }
});

test('a client that keeps pinging keeps its session past many timeouts', async () => {
  const zk = await cluster.client({ sessionTimeout: 1000 });
  await zk.create('/kept', '', { mode: CreateMode.EPHEMERAL });
  await new Promise((r) => setTimeout(r, 3500));
  assert.ok(await zk.exists('/kept'));
  await zk.close();
  const other = await cluster.client({ sessionless: true });
  assert.is(await other.exists('/kept'), null);
  await other.close();
});

test('session timeouts are clamped to [2, 20] ticks', async () => {
  const short = await cluster.client({ sessionTimeout: 1 });
  const long = await cluster.client({ sessionTimeout: 3_600_000 });
  assert.is(short.sessionTimeout, 500);
  assert.is(long.sessionTimeout, 5000);
  await short.close();
  await long.close();
});

test.run();
