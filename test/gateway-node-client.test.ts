// node-zookeeper-client, an unmodified ZooKeeper client, against natszk gateways: only the
// connect string says it is not talking to ZooKeeper.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { Cluster } from './harness/processes.js';
import { fourLetters, startGateway, type GatewayProc } from './gateway/gateways.js';
import { waitFor } from './harness/wait.js';

// Loaded untyped: bench/compare declares only the few calls the benchmark makes.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const zookeeper: any = createRequire(import.meta.url)('node-zookeeper-client');
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type ZkClient = any;
type Stat = { version: number; numChildren: number; ephemeralOwner: Buffer; dataLength: number };
interface Event { getType(): number; getPath(): string; getName(): string }

let cluster: Cluster;
let gateways: GatewayProc[] = [];
const clients: ZkClient[] = [];

test.before(async () => {
  cluster = await Cluster.start({ servers: 1 });
  gateways = [await startGateway(cluster), await startGateway(cluster)];
});

test.after(async () => {
  for (const c of clients) c.close();
  await Promise.all(gateways.map((g) => g.proc.stop()));
  await cluster.stop();
});

async function connect(connectString = gateways[0]!.connect, sessionTimeout = 8000): Promise<ZkClient> {
  const c = zookeeper.createClient(connectString, { sessionTimeout, spinDelay: 100, retries: 0 });
  clients.push(c);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no connection to ${connectString}`)), 20_000);
    c.once('connected', () => {
      clearTimeout(timer);
      resolve();
    });
    c.connect();
  });
  return c;
}

/** A node-zookeeper-client call as a promise: its callback's error, else its results. */
function call<T extends unknown[]>(fn: (cb: (err: Error | null, ...rest: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((err, ...rest) => (err ? reject(err) : resolve(rest))));
}

const codeOf = (err: unknown) => (err as { getCode?: () => number }).getCode?.();

async function rejects(p: Promise<unknown>, code: number, what: string): Promise<void> {
  try {
    await p;
  } catch (err) {
    assert.is(codeOf(err), code, `${what}: ${err}`);
    return;
  }
  assert.unreachable(`${what} succeeded`);
}

function nextEvent(register: (watcher: (e: Event) => void) => Promise<unknown>): { registered: Promise<unknown>; event: Promise<Event> } {
  let fire!: (e: Event) => void;
  const event = new Promise<Event>((resolve) => (fire = resolve));
  return { registered: register((e) => fire(e)), event };
}

const { Exception, CreateMode, Event: Ev } = zookeeper;

test('CRUD: create, read, compare-and-set, list, delete, with ZooKeeper\'s errors', async () => {
  const zk = await connect();
  const [created] = await call<[string]>((cb) => zk.create('/crud', Buffer.from('v1'), cb));
  assert.is(created, '/crud');
  await call((cb) => zk.create('/crud/b', Buffer.from(''), cb));
  await call((cb) => zk.create('/crud/a', Buffer.from(''), cb));
  const [data, stat] = await call<[Buffer, Stat]>((cb) => zk.getData('/crud', cb));
  assert.is(data.toString(), 'v1');
  assert.is(stat.version, 0);
  assert.is(stat.numChildren, 2);
  const [after] = await call<[Stat]>((cb) => zk.setData('/crud', Buffer.from('v2'), 0, cb));
  assert.is(after.version, 1);
  await rejects(call((cb) => zk.setData('/crud', Buffer.from('v3'), 0, cb)), Exception.BAD_VERSION, 'setData at a stale version');
  await rejects(call((cb) => zk.create('/crud', Buffer.from(''), cb)), Exception.NODE_EXISTS, 'create twice');
  await rejects(call((cb) => zk.getData('/nowhere', cb)), Exception.NO_NODE, 'getData of nothing');
  await rejects(call((cb) => zk.create('/nowhere/child', Buffer.from(''), cb)), Exception.NO_NODE, 'create without a parent');
  await rejects(call((cb) => zk.remove('/crud', -1, cb)), Exception.NOT_EMPTY, 'delete with children');
  const [children] = await call<[string[]]>((cb) => zk.getChildren('/crud', cb));
  assert.equal([...children].sort(), ['a', 'b']);
  const [exists] = await call<[Stat | null]>((cb) => zk.exists('/crud/a', cb));
  assert.ok(exists);
  const [missing] = await call<[Stat | null]>((cb) => zk.exists('/crud/zz', cb));
  assert.is(missing, null);
  await call((cb) => zk.remove('/crud/a', 0, cb));
  await call((cb) => zk.remove('/crud/b', -1, cb));
  await call((cb) => zk.remove('/crud', -1, cb));
  const [gone] = await call<[Stat | null]>((cb) => zk.exists('/crud', cb));
  assert.is(gone, null);
  // Binary data comes back byte for byte, and the empty path is refused.
  const bin = Buffer.from([0, 255, 1, 128, 10]);
  await call((cb) => zk.create('/bin', bin, cb));
  assert.equal([...(await call<[Buffer]>((cb) => zk.getData('/bin', cb)))[0]], [...bin]);
});

test('ACLs: a digest ACL refuses other sessions (NOAUTH) until they authenticate; getACL, setACL at a version, INVALIDACL for auth:: unauthenticated', async () => {
  const owner = await connect();
  owner.addAuthInfo('digest', Buffer.from('bob:secret'));
  await call((cb) => owner.create('/acl', Buffer.from('x'), zookeeper.ACL.CREATOR_ALL_ACL, CreateMode.PERSISTENT, cb));
  const [acls, stat] = await call<[{ id: { scheme: string; id: string }; permission: number }[], Stat]>((cb) => owner.getACL('/acl', cb));
  // auth:: became the owner's digest identity, as ZooKeeper stores it.
  const digest = `bob:${createHash('sha1').update('bob:secret').digest('base64')}`;
  assert.equal(acls.map((a) => [a.id.scheme, a.id.id, a.permission]), [['digest', digest, 31]]);
  assert.is(stat.dataLength, 1);
  const stranger = await connect();
  await rejects(call((cb) => stranger.getData('/acl', cb)), Exception.NO_AUTH, 'a read without the identity');
  await rejects(call((cb) => stranger.setData('/acl', Buffer.from('y'), -1, cb)), Exception.NO_AUTH, 'a write without the identity');
  stranger.addAuthInfo('digest', Buffer.from('bob:secret'));
  const [data] = await call<[Buffer]>((cb) => stranger.getData('/acl', cb));
  assert.is(data.toString(), 'x');
  // setACL checks the ACL version; world read-only, then nobody writes, not even bob.
  await rejects(call((cb) => owner.setACL('/acl', zookeeper.ACL.READ_ACL_UNSAFE, 5, cb)), Exception.BAD_VERSION, 'setACL at a wrong aversion');
  await call((cb) => owner.setACL('/acl', zookeeper.ACL.READ_ACL_UNSAFE, 0, cb));
  await rejects(call((cb) => owner.setData('/acl', Buffer.from('z'), -1, cb)), Exception.NO_AUTH, 'a write under world:anyone:r');
  const reader = await connect();
  assert.is((await call<[Buffer]>((cb) => reader.getData('/acl', cb)))[0].toString(), 'x');
  await rejects(call((cb) => reader.create('/acl3', Buffer.from(''), zookeeper.ACL.CREATOR_ALL_ACL, CreateMode.PERSISTENT, cb)), Exception.INVALID_ACL, 'auth:: without an identity');
});

test('ephemeral and sequential nodes: suffixes from the parent, ephemerals gone with their session', async () => {
  const owner = await connect();
  const other = await connect(gateways[1]!.connect);
  await call((cb) => owner.create('/members', Buffer.from(''), cb));
  const paths: string[] = [];
  for (let i = 0; i < 3; i++) paths.push((await call<[string]>((cb) => owner.create('/members/m-', Buffer.from(`${i}`), CreateMode.EPHEMERAL_SEQUENTIAL, cb)))[0]);
  assert.equal(paths, ['/members/m-0000000000', '/members/m-0000000001', '/members/m-0000000002']);
  const [seq] = await call<[string]>((cb) => owner.create('/members/p-', Buffer.from(''), CreateMode.PERSISTENT_SEQUENTIAL, cb));
  assert.is(seq, '/members/p-0000000003');
  const [stat] = await call<[Stat]>((cb) => other.exists('/members/m-0000000001', cb));
  assert.is(stat.ephemeralOwner.toString('hex'), owner.getSessionId().toString('hex'));
  await rejects(call((cb) => owner.create('/members/m-0000000000/x', Buffer.from(''), cb)), Exception.NO_CHILDREN_FOR_EPHEMERALS, 'child of an ephemeral');
  owner.close();
  await waitFor('the ephemerals to go with their session', async () => {
    const [children] = await call<[string[]]>((cb) => other.getChildren('/members', cb));
    return children.length === 1 && children[0] === 'p-0000000003' ? true : undefined;
  });
});

test('watches: data, child and exists watches fire once with ZooKeeper\'s event types', async () => {
  const watcher = await connect();
  const writer = await connect(gateways[1]!.connect);
  await call((cb) => writer.create('/w', Buffer.from('0'), cb));
  const data = nextEvent((w) => call((cb) => watcher.getData('/w', w, cb)));
  const child = nextEvent((w) => call((cb) => watcher.getChildren('/w', w, cb)));
  const exist = nextEvent((w) => call((cb) => watcher.exists('/w/later', w, cb)));
  await Promise.all([data.registered, child.registered, exist.registered]);
  await call((cb) => writer.setData('/w', Buffer.from('1'), -1, cb));
  const d = await data.event;
  assert.equal([d.getType(), d.getPath()], [Ev.NODE_DATA_CHANGED, '/w']);
  await call((cb) => writer.create('/w/later', Buffer.from(''), cb));
  const [c, e] = await Promise.all([child.event, exist.event]);
  assert.equal([c.getType(), c.getPath()], [Ev.NODE_CHILDREN_CHANGED, '/w']);
  assert.equal([e.getType(), e.getPath()], [Ev.NODE_CREATED, '/w/later']);
  const deleted = nextEvent((w) => call((cb) => watcher.exists('/w/later', w, cb)));
  await deleted.registered;
  await call((cb) => writer.remove('/w/later', -1, cb));
  assert.is((await deleted.event).getType(), Ev.NODE_DELETED);
});

test('multi: all or nothing, the failing op named', async () => {
  const zk = await connect();
  const [results] = await call<[{ type: number; path?: string }[]]>((cb) => zk.transaction()
    .create('/tx', Buffer.from('a'))
    .create('/tx/one', Buffer.from(''))
    .setData('/tx', Buffer.from('b'), 0)
    .commit(cb));
  assert.equal(results.map((r) => r.path ?? r.type), ['/tx', '/tx/one', 5]);
  // (node-zookeeper-client sends check(path, 0) as version -1, so the checks name versions above 0.)
  const [checked] = await call<[{ type: number }[]]>((cb) => zk.transaction().check('/tx', 1).setData('/tx', Buffer.from('c'), 1).commit(cb));
  assert.equal(checked.map((r) => r.type), [13, 5]);
  const [data, stat] = await call<[Buffer, Stat]>((cb) => zk.getData('/tx', cb));
  assert.equal([data.toString(), stat.version], ['c', 2]);
  let failed: { err: unknown; results: { type: number; err: number }[] } | undefined;
  await new Promise<void>((resolve) => zk.transaction()
    .create('/tx/two', Buffer.from(''))
    .check('/tx', 1)
    .commit((err: unknown, res: { type: number; err: number }[]) => {
      failed = { err, results: res };
      resolve();
    }));
  assert.is(codeOf(failed!.err), Exception.BAD_VERSION);
  assert.equal(failed!.results.map((r) => r.err), [0, Exception.BAD_VERSION]);
  const [absent] = await call<[Stat | null]>((cb) => zk.exists('/tx/two', cb));
  assert.is(absent, null, 'nothing of the failed multi took effect');
});

test('session resumption: kill -9 of the gateway a client is on; its session, ephemeral and watch survive on the other', async () => {
  const extra = await startGateway(cluster);
  // Whichever gateway is not killed, the test stops extra: one left running keeps the tests' process alive.
  try {
    await resumesAfterKill([gateways[1]!, extra]);
  } finally {
    await extra.proc.stop();
  }
});

async function resumesAfterKill(pair: GatewayProc[]): Promise<void> {
  const zk = await connect(pair.map((g) => g.connect).join(','), 8000);
  const sid = zk.getSessionId().toString('hex');
  await call((cb) => zk.create('/survivor', Buffer.from('alive'), CreateMode.EPHEMERAL, cb));
  await call((cb) => zk.create('/watched', Buffer.from('0'), cb));
  const watch = nextEvent((w) => call((cb) => zk.getData('/watched', w, cb)));
  await watch.registered;
  const holder = await waitFor('the gateway holding the session', async () => {
    for (const g of pair) if ((await fourLetters(g.port, 'cons')).includes(`sid=0x${BigInt(`0x${sid}`).toString(16)}`)) return g;
    return undefined;
  });
  const states: string[] = [];
  zk.on('state', (s: { name: string }) => states.push(s.name));
  await holder.proc.kill('SIGKILL');
  await waitFor('the client to reconnect', () => (states.includes('DISCONNECTED') && states.at(-1) === 'SYNC_CONNECTED' ? true : undefined), 30_000);
  assert.is(zk.getSessionId().toString('hex'), sid, 'the same session');
  assert.not.ok(states.includes('EXPIRED'));
  const observer = await connect(gateways[0]!.connect);
  const [data, stat] = await call<[Buffer, Stat]>((cb) => observer.getData('/survivor', cb));
  assert.is(data.toString(), 'alive');
  assert.is(stat.ephemeralOwner.toString('hex'), sid);
  // The watch came along (setWatches on reconnect) and fires on the change.
  await call((cb) => observer.setData('/watched', Buffer.from('1'), -1, cb));
  assert.is((await watch.event).getType(), Ev.NODE_DATA_CHANGED);
  // And the session still writes.
  await call((cb) => zk.create('/after-kill', Buffer.from(''), cb));
  zk.close();
  await waitFor('the ephemeral to go once the session closes', async () => ((await call<[Stat | null]>((cb) => observer.exists('/survivor', cb)))[0] === null ? true : undefined));
}

test('graceful stop: SIGTERM to the gateway a client is on moves it to the other, session and ephemeral intact', async () => {
  const pair = [await startGateway(cluster), await startGateway(cluster)];
  try {
    const zk = await connect(pair.map((g) => g.connect).join(','), 8000);
    const sid = zk.getSessionId().toString('hex');
    await call((cb) => zk.create('/moved', Buffer.from(''), CreateMode.EPHEMERAL, cb));
    const holder = await waitFor('the gateway holding the session', async () => {
      for (const g of pair) if ((await fourLetters(g.port, 'cons')).includes(`sid=0x${BigInt(`0x${sid}`).toString(16)}`)) return g;
      return undefined;
    });
    const other = pair.find((g) => g !== holder)!;
    const states: string[] = [];
    zk.on('state', (st: { name: string }) => states.push(st.name));
    await holder.proc.stop();
    await waitFor('the client to be back', () => (states.at(-1) === 'SYNC_CONNECTED' ? true : undefined), 30_000);
    assert.match(await fourLetters(other.port, 'cons'), `sid=0x${BigInt(`0x${sid}`).toString(16)}`);
    assert.is(zk.getSessionId().toString('hex'), sid);
    assert.not.ok(states.includes('EXPIRED'));
    const [stat] = await call<[Stat | null]>((cb) => zk.exists('/moved', cb));
    assert.is(stat?.ephemeralOwner.toString('hex'), sid);
  } finally {
    await Promise.all(pair.map((g) => g.proc.stop()));
  }
});

test('expiry: a session whose gateway went silent past its timeout is reported expired, and its ephemeral is gone', async () => {
  const lone = await startGateway(cluster);
  try {
    const zk = await connect(lone.connect, 2000);
    await call((cb) => zk.create('/doomed', Buffer.from(''), CreateMode.EPHEMERAL, cb));
    const states: string[] = [];
    zk.on('state', (s: { name: string }) => states.push(s.name));
    // Frozen, the gateway vouches for the session no more; the leader expires it at its timeout.
    lone.proc.child.kill('SIGSTOP');
    const observer = await connect(gateways[0]!.connect);
    await waitFor('the leader to expire the session', async () => ((await call<[Stat | null]>((cb) => observer.exists('/doomed', cb)))[0] === null ? true : undefined), 30_000);
    lone.proc.child.kill('SIGCONT');
    // The client reconnects (to the only gateway it knows) and hears timeout 0: expired.
    await waitFor('the client to report expiry', () => (states.includes('EXPIRED') ? true : undefined), 30_000);
  } finally {
    lone.proc.child.kill('SIGCONT');
    await lone.proc.stop();
  }
});

test.run();
