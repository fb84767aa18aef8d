// The data tree against ZooKeeper's semantics: every stat field, every transaction, snapshots.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Ids, type Acl } from '../storage/acl.js';
import { DataTree } from '../storage/data-tree.js';
import { decode, encode } from '../transport/codec.js';
import { ZkError } from '../storage/errors.js';
import type { LogEntry, Txn } from '../storage/txn.js';
import { makeZxid } from '../storage/zxid.js';

const bytes = (s: string) => new Uint8Array(Buffer.from(s));
let counter = 0;
function entry(txn: Txn, sessionId = 0, time = 1000 + counter): LogEntry {
  return { zxid: makeZxid(1, ++counter), time, sessionId, txn };
}
function create(path: string, data = '', parentCVersion = 1, extra: Partial<Extract<Txn, { type: 'create' }>> = {}): Txn {
  return { type: 'create', path, data: bytes(data), kind: 'persistent', ephemeralOwner: 0, ttlMs: 0, parentCVersion, ...extra };
}

test('a new tree has /, /zookeeper, /zookeeper/quota and /zookeeper/config', () => {
  const t = new DataTree();
  assert.equal(t.getChildren('/').children, ['zookeeper']);
  assert.equal(t.getChildren('/zookeeper').children, ['config', 'quota']);
  assert.is(t.nodeCount, 4);
});

test('create sets every stat field of the node and its parent', () => {
  const t = new DataTree();
  const e = entry(create('/a', 'xyz', 1), 0, 5000);
  const r = t.apply(e);
  assert.equal(r, { type: 'create', path: '/a', stat: { czxid: e.zxid, mzxid: e.zxid, ctime: 5000, mtime: 5000, version: 0, cversion: 0, aversion: 0, ephemeralOwner: 0, dataLength: 3, pzxid: e.zxid, numChildren: 0 } });
  const root = t.stat('/');
  // As ZooKeeper shows it: /zookeeper was there from the start, never created, so / began at -1.
  assert.is(root.cversion, 0);
  assert.is(root.pzxid, e.zxid);
  assert.is(root.numChildren, 2);
  assert.is(t.lastAppliedZxid, e.zxid);
});

test('setData sets data, version, mzxid and mtime, leaving czxid and ctime', () => {
  const t = new DataTree();
  const c = entry(create('/a', 'x'), 0, 10);
  t.apply(c);
  const s = entry({ type: 'setData', path: '/a', data: bytes('hello'), version: 1 }, 0, 20);
  const r = t.apply(s);
  assert.equal(r.type === 'setData' && r.stat, { czxid: c.zxid, mzxid: s.zxid, ctime: 10, mtime: 20, version: 1, cversion: 0, aversion: 0, ephemeralOwner: 0, dataLength: 5, pzxid: c.zxid, numChildren: 0 });
  assert.is(Buffer.from(t.getData('/a').data).toString(), 'hello');
});

test('delete moves the parent\'s pzxid, and its cversion as ZooKeeper shows it (creates and deletes)', () => {
  const t = new DataTree();
  t.apply(entry(create('/p')));
  t.apply(entry(create('/p/c', '', 1)));
  const d = entry({ type: 'delete', path: '/p/c' });
  t.apply(d);
  const p = t.stat('/p');
  assert.is(p.cversion, 2);
  assert.is(p.pzxid, d.zxid);
  assert.is(p.numChildren, 0);
  assert.is(t.exists('/p/c'), null);
});

test('apply refuses, changing nothing, what cannot apply or was applied already', () => {
  const t = new DataTree();
  t.apply(entry(create('/a')));
  const before = t.digest();
  const bad: Txn[] = [
    create('/missing/child'),
    create('/a'),
    { type: 'delete', path: '/nope' },
    { type: 'setData', path: '/nope', data: bytes(''), version: 1 },
    { type: 'multi', txns: [create('/b'), create('/a')] },
  ];
  for (const txn of bad) {
    assert.throws(() => t.apply(entry(txn)), (e: unknown) => e instanceof ZkError);
    assert.is(t.digest(), before);
  }
  assert.is(t.exists('/b'), null, 'a failing multi applied none of its parts');
  const stale = { ...entry(create('/c')), zxid: 1 };
  assert.throws(() => t.apply(stale), /RUNTIMEINCONSISTENCY/);
});

test('multi applies its parts in order with one zxid and returns per-part results', () => {
  const t = new DataTree();
  const e = entry({ type: 'multi', txns: [create('/m'), create('/m/x', 'v', 1), { type: 'check', path: '/m', version: 0 }, { type: 'setData', path: '/m/x', data: bytes('w'), version: 1 }] });
  const r = t.apply(e);
  assert.equal(r.type === 'multi' && r.results.map((x) => x.type), ['create', 'create', 'check', 'setData']);
  assert.is(t.stat('/m/x').czxid, e.zxid);
  assert.is(t.stat('/m/x').version, 1);
});

test('sessions: closeSession removes exactly that session\'s ephemerals', () => {
  const t = new DataTree();
  t.apply(entry({ type: 'createSession', sessionId: 77, timeoutMs: 5000, secretHash: 'h' }));
  t.apply(entry({ type: 'createSession', sessionId: 88, timeoutMs: 5000, secretHash: 'h' }));
  t.apply(entry(create('/e1', '', 1, { kind: 'ephemeral', ephemeralOwner: 77 })));
  t.apply(entry(create('/e2', '', 2, { kind: 'ephemeral', ephemeralOwner: 77 })));
  t.apply(entry(create('/other', '', 3, { kind: 'ephemeral', ephemeralOwner: 88 })));
  assert.equal(t.ephemeralsOf(77), ['/e1', '/e2']);
  assert.equal([...t.sessions.keys()], [77, 88]);
  const r = t.apply(entry({ type: 'closeSession', sessionId: 77 }));
  assert.equal(r, { type: 'closeSession', deleted: ['/e1', '/e2'] });
  assert.is(t.exists('/e1'), null);
  assert.ok(t.exists('/other'));
  assert.equal([...t.sessions.keys()], [88]);
});

async function collect(gen: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const c of gen) out.push(c);
  return out;
}

test('snapshot / fromChunks round-trips every node, stat, session and the zxid, across chunks', async () => {
  const t = new DataTree();
  t.apply(entry({ type: 'createSession', sessionId: 5, timeoutMs: 4000, secretHash: 'h' }));
  t.apply(entry(create('/r', 'root')));
  for (let i = 0; i < 300; i++) t.apply(entry(create(`/r/n${i}`, 'x'.repeat(i), i + 1)));
  t.apply(entry(create('/r/n7/deep', 'd', 1)));
  t.apply(entry(create('/eph', '', 2, { kind: 'ephemeral', ephemeralOwner: 5 })));
  t.apply(entry({ type: 'setData', path: '/r/n3', data: bytes('changed'), version: 1 }));
  const chunks = await collect(t.snapshot(2048));
  assert.ok(chunks.length > 5, `several chunks (${chunks.length})`);
  const back = DataTree.fromChunks(chunks);
  assert.is(back.digest(), t.digest());
  assert.equal(back.getData('/r/n3'), t.getData('/r/n3'));
  assert.equal(back.getChildren('/r'), t.getChildren('/r'));
  assert.equal(back.ephemeralsOf(5), ['/eph']);
  assert.is(back.lastAppliedZxid, t.lastAppliedZxid);
  assert.is(back.sessions.get(5)?.timeoutMs, 4000);
});

test('a snapshot is the tree as it was when it began, whatever changes while it is written', async () => {
  const t = new DataTree();
  t.apply(entry({ type: 'createSession', sessionId: 9, timeoutMs: 4000, secretHash: 'h' }));
  t.apply(entry(create('/s')));
  for (let i = 0; i < 200; i++) t.apply(entry(create(`/s/n${i}`, 'v'.repeat(50), i + 1)));
  const expected = t.digest();
  const gen = t.snapshot(1024);
  const chunks: Uint8Array[] = [(await gen.next()).value as Uint8Array];
  t.apply(entry({ type: 'setData', path: '/s/n199', data: bytes('changed'), version: 1 }));
  t.apply(entry({ type: 'delete', path: '/s/n150' }));
  t.apply(entry(create('/s/new', 'x', 201)));
  t.apply(entry({ type: 'closeSession', sessionId: 9 }));
  for await (const c of { [Symbol.asyncIterator]: () => gen }) chunks.push(c);
  assert.ok(chunks.length > 3);
  assert.is(DataTree.fromChunks(chunks).digest(), expected);
  const after = DataTree.fromChunks(await collect(t.snapshot()));
  assert.is(after.digest(), t.digest(), 'and the next snapshot has the changes');
});

test('digest differs when anything a client can see differs', () => {
  const a = new DataTree();
  const b = new DataTree();
  const e = entry(create('/x', '1'));
  a.apply(e);
  b.apply({ ...e, txn: create('/x', '2') });
  assert.is.not(a.digest(), b.digest());
});

const bobAcl: Acl[] = [{ perms: 31, scheme: 'digest', id: 'bob:hash' }, { perms: 1, scheme: 'ip', id: '10.0.0.0/8' }];

test('acl: a create stores its ACL; one without an ACL (a log older than ACLs) has world:anyone:cdrwa', () => {
  const t = new DataTree();
  t.apply(entry(create('/old')));
  t.apply(entry(create('/bob', '', 2, { acl: bobAcl })));
  assert.equal(t.getACL('/old').acl, [...Ids.OPEN_ACL_UNSAFE]);
  assert.equal(t.getACL('/bob').acl, bobAcl);
  assert.equal(t.getACL('/').acl, [...Ids.OPEN_ACL_UNSAFE], 'the system nodes are open, as in ZooKeeper');
  assert.equal(t.getACL('/bob').stat, t.stat('/bob'));
});

test('acl: setACL replaces the ACL and sets aversion, nothing else; it refuses a missing node or a malformed ACL', () => {
  const t = new DataTree();
  const c = entry(create('/n', 'data'));
  t.apply(c);
  const r = t.apply(entry({ type: 'setACL', path: '/n', acl: bobAcl, aversion: 1 }));
  const stat = t.stat('/n');
  assert.equal(r, { type: 'setACL', path: '/n', stat });
  assert.is(stat.aversion, 1);
  assert.is(stat.mzxid, c.zxid, 'mzxid stays: an ACL change is not a data change');
  assert.is(stat.version, 0);
  assert.equal(t.getACL('/n').acl, bobAcl);
  const before = t.digest();
  assert.throws(() => t.apply(entry({ type: 'setACL', path: '/gone', acl: bobAcl, aversion: 1 })), /NONODE/);
  assert.throws(() => t.apply(entry({ type: 'setACL', path: '/n', acl: 'x' as unknown as Acl[], aversion: 2 })), /MARSHALLINGERROR/);
  assert.throws(() => t.apply(entry(create('/m', '', 2, { acl: [{ perms: 'all' }] as unknown as Acl[] }))), /MARSHALLINGERROR/);
  assert.is(t.digest(), before);
});

test('acl: ACLs survive a snapshot, count in the digest, and a snapshot older than ACLs loads as open', async () => {
  const t = new DataTree();
  t.apply(entry(create('/a', '', 1, { acl: bobAcl })));
  t.apply(entry(create('/b', '', 2)));
  const chunks = await collect(t.snapshot());
  const back = DataTree.fromChunks(chunks);
  assert.is(back.digest(), t.digest());
  assert.equal(back.getACL('/a').acl, bobAcl);
  // The same tree without ACLs (the 13-field nodes of older snapshots) reads as open everywhere.
  const old = chunks.map((c) => {
    const body = decode(c) as { header?: unknown; nodes: unknown[][] };
    return encode({ ...body, nodes: body.nodes.map((n) => n.slice(0, 13)) });
  });
  const legacy = DataTree.fromChunks(old);
  assert.equal(legacy.getACL('/a').acl, [...Ids.OPEN_ACL_UNSAFE]);
  assert.equal(legacy.getData('/a'), t.getData('/a'));
  const e = entry(create('/a', '', 1));
  const open = new DataTree();
  open.apply(e);
  const readOnly = new DataTree();
  readOnly.apply({ ...e, txn: create('/a', '', 1, { acl: [...Ids.READ_ACL_UNSAFE] }) });
  assert.is.not(open.digest(), readOnly.digest(), 'trees differing only in an ACL differ in digest');
  const explicit = new DataTree();
  explicit.apply({ ...e, txn: create('/a', '', 1, { acl: [...Ids.OPEN_ACL_UNSAFE] }) });
  assert.is(explicit.digest(), open.digest(), 'the default given or implied is the same ACL');
});

test.run();
