// The leader's prepare step: ZooKeeper's checks and error codes, against the tree as it will
// be once every proposed transaction commits; prepare then apply must agree.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PendingView, type Prepared } from '../actors/proposer/prepare.js';
import { digestOf, Ids, Perms, SUPER, type Acl, type Identity } from '../storage/acl.js';
import { DataTree } from '../storage/data-tree.js';
import type { LogEntry, Txn, TxnResult } from '../storage/txn.js';
import { makeZxid } from '../storage/zxid.js';
import type { CreateOp, WriteOp } from '../transport/ops.js';

const bytes = (s: string) => new Uint8Array(Buffer.from(s));

/** A leader in miniature: prepare against the view, and commit (apply) when told. */
class Leader {
  tree = new DataTree();
  view = new PendingView(this.tree, 1024);
  private counter = 0;
  pending: LogEntry[] = [];

  propose(op: WriteOp, sessionId = 0, identities: Identity[] = []): Prepared & { zxid?: number } {
    const zxid = makeZxid(1, this.counter + 1);
    const p = this.view.prepare(op, { zxid, time: 100 + this.counter, sessionId, identities });
    if ('txn' in p) {
      this.counter++;
      this.pending.push({ zxid, time: 100 + this.counter, sessionId, txn: p.txn });
      return { ...p, zxid };
    }
    return p;
  }

  commitAll(): TxnResult[] {
    const results = this.pending.map((e) => this.tree.apply(e));
    if (this.pending.length) this.view.committed(this.pending[this.pending.length - 1]!.zxid);
    this.pending = [];
    return results;
  }

  ok(op: WriteOp, sessionId = 0, identities: Identity[] = []): Txn {
    const p = this.propose(op, sessionId, identities);
    if ('error' in p) throw p.error;
    return p.txn;
  }

  err(op: WriteOp, sessionId = 0, identities: Identity[] = []): string {
    const p = this.propose(op, sessionId, identities);
    assert.ok('error' in p, `${op.op} should fail`);
    return (p as { error: { codeName: string } }).error.codeName;
  }
}

const create = (path: string, mode: 0 | 1 | 2 | 3 | 4 | 5 | 6 = 0, data = '', ttlMs = 0): CreateOp => ({ op: 'create', path, data: bytes(data), mode, ttlMs });

test('create: NONODE without a parent, NODEEXISTS, NOCHILDRENFOREPHEMERALS', () => {
  const l = new Leader();
  assert.is(l.err(create('/a/b')), 'NONODE');
  l.ok(create('/a'));
  assert.is(l.err(create('/a')), 'NODEEXISTS', 'a pending create counts');
  const s = l.ok({ op: 'createSession', timeoutMs: 4000, secretHash: 'h' }) as { sessionId: number };
  l.ok(create('/a/e', 1), s.sessionId);
  assert.is(l.err(create('/a/e/child')), 'NOCHILDRENFOREPHEMERALS');
  l.commitAll();
  assert.is(l.err(create('/a')), 'NODEEXISTS', 'and so does a committed one');
  assert.is(l.err(create('/a/e/child')), 'NOCHILDRENFOREPHEMERALS');
});

test('sequential numbers come from the parent\'s cversion, pending creates included', () => {
  const l = new Leader();
  l.ok(create('/q'));
  const a = l.ok(create('/q/n-', 2)) as { path: string };
  const b = l.ok(create('/q/n-', 2)) as { path: string };
  assert.is(a.path, '/q/n-0000000000');
  assert.is(b.path, '/q/n-0000000001');
  l.ok({ op: 'delete', path: b.path, version: -1 });
  const c = l.ok(create('/q/', 2)) as { path: string };
  assert.is(c.path, '/q/0000000002', 'a delete does not give a number back');
  const results = l.commitAll();
  assert.equal(results.filter((r) => r.type === 'create').map((r) => (r as { path: string }).path), ['/q', '/q/n-0000000000', '/q/n-0000000001', '/q/0000000002']);
  assert.is(l.tree.stat('/q').cversion, 4, 'three creates and a delete');
});

test('setData and delete: NONODE, BADVERSION (-1 matches any), versions through pending writes', () => {
  const l = new Leader();
  assert.is(l.err({ op: 'setData', path: '/x', data: bytes(''), version: -1 }), 'NONODE');
  l.ok(create('/x'));
  assert.equal((l.ok({ op: 'setData', path: '/x', data: bytes('1'), version: 0 }) as { version: number }).version, 1);
  assert.equal((l.ok({ op: 'setData', path: '/x', data: bytes('2'), version: 1 }) as { version: number }).version, 2);
  assert.is(l.err({ op: 'setData', path: '/x', data: bytes('3'), version: 1 }), 'BADVERSION');
  assert.is(l.err({ op: 'delete', path: '/x', version: 0 }), 'BADVERSION');
  l.commitAll();
  assert.is(l.tree.stat('/x').version, 2);
  l.ok({ op: 'delete', path: '/x', version: 2 });
  assert.is(l.err({ op: 'setData', path: '/x', data: bytes(''), version: -1 }), 'NONODE', 'a pending delete counts');
  l.ok(create('/x'));
});

test('delete: NOTEMPTY with children (pending ones too), BADVERSION before NOTEMPTY, root refused', () => {
  const l = new Leader();
  l.ok(create('/p'));
  l.ok(create('/p/c'));
  assert.is(l.err({ op: 'delete', path: '/p', version: -1 }), 'NOTEMPTY');
  assert.is(l.err({ op: 'delete', path: '/p', version: 9 }), 'BADVERSION');
  l.ok({ op: 'delete', path: '/p/c', version: -1 });
  l.ok({ op: 'delete', path: '/p', version: 0 });
  assert.is(l.err({ op: 'delete', path: '/', version: -1 }), 'BADARGUMENTS');
  l.commitAll();
  assert.is(l.tree.exists('/p'), null);
});

test('modes: ephemeral needs a live session; TTL needs a ttl; data over the limit', () => {
  const l = new Leader();
  assert.is(l.err(create('/e', 1)), 'BADARGUMENTS', 'sessionless');
  assert.is(l.err(create('/e', 1), 424242), 'SESSIONEXPIRED');
  assert.is(l.err(create('/t', 5)), 'BADARGUMENTS');
  assert.is(l.err(create('/t', 0, '', 500)), 'BADARGUMENTS');
  const t = l.ok(create('/t', 5, '', 500)) as { kind: string; ttlMs: number };
  assert.is(t.kind, 'ttl');
  assert.is(t.ttlMs, 500);
  assert.is(l.err(create('/big', 0, 'x'.repeat(1025))), 'BADARGUMENTS');
  assert.is(l.ok(create('/c', 4)).type, 'create');
});

test('multi: later ops see earlier ones; a failure rolls back and reports per op', () => {
  const l = new Leader();
  const txn = l.ok({ op: 'multi', ops: [create('/m'), create('/m/a'), { op: 'delete', path: '/m/a', version: 0 }, create('/m/a'), { op: 'check', path: '/m', version: 0 }] });
  assert.is(txn.type, 'multi');
  const p = l.propose({ op: 'multi', ops: [create('/n'), { op: 'setData', path: '/m', data: bytes(''), version: 5 }, create('/o')] });
  assert.ok('error' in p);
  const err = (p as { error: { codeName: string; results: unknown[] } }).error;
  assert.is(err.codeName, 'BADVERSION');
  assert.equal(err.results, [{ type: 'error', code: 0 }, { type: 'error', code: -103 }, { type: 'error', code: -2 }]);
  l.ok(create('/n'));
  l.commitAll();
  assert.equal(l.tree.getChildren('/m').children, ['a']);
  assert.ok(l.tree.exists('/n'));
  assert.is(l.tree.exists('/o'), null);
});

test('sessions: writes of a closed session are SESSIONEXPIRED; closeSession takes pending ephemerals too', () => {
  const l = new Leader();
  const s = l.ok({ op: 'createSession', timeoutMs: 4000, secretHash: 'h' }) as { sessionId: number };
  l.commitAll();
  l.ok(create('/e1', 1), s.sessionId);
  l.commitAll();
  l.ok(create('/e2', 1), s.sessionId);
  l.ok({ op: 'closeSession' }, s.sessionId);
  assert.is(l.err(create('/late'), s.sessionId), 'SESSIONEXPIRED');
  assert.is(l.err({ op: 'closeSession' }, s.sessionId), 'SESSIONEXPIRED');
  l.ok(create('/e1'));
  const results = l.commitAll();
  assert.ok(results.some((r) => r.type === 'closeSession' && r.deleted.join() === '/e1,/e2'));
  assert.ok(l.tree.exists('/e1'), 'recreated as a persistent node after the close');
  assert.is(l.tree.stat('/e1').ephemeralOwner, 0);
  assert.is(l.tree.exists('/e2'), null);
  assert.is(l.tree.sessions.size, 0);
});

test('what prepare predicted is what apply does, with many writes in flight', () => {
  const l = new Leader();
  l.ok(create('/w'));
  for (let i = 0; i < 50; i++) {
    l.ok(create(`/w/${i}`, 2));
    l.ok({ op: 'setData', path: '/w', data: bytes(String(i)), version: i });
  }
  const results = l.commitAll();
  assert.is(results.length, 101);
  assert.is(l.tree.stat('/w').version, 50);
  assert.is(l.tree.stat('/w').cversion, 50);
  assert.is(l.tree.getChildren('/w').children.length, 50);
});

// ---------- ACLs (PrepRequestProcessor's fixupACL and checkACL) ----------

const alice: Identity = { scheme: 'digest', id: digestOf('alice:secret') };
const bob: Identity = { scheme: 'digest', id: digestOf('bob:pw') };
const grant = (who: Identity, perms: number = Perms.ALL): Acl[] => [{ perms, scheme: who.scheme, id: who.id }];
const withAcl = (path: string, acl: Acl[]): CreateOp => ({ ...create(path), acl });

test('acl: create stores the fixed-up ACL; no ACL is world:anyone:cdrwa', () => {
  const l = new Leader();
  const plain = l.ok(create('/open')) as { acl?: Acl[] };
  assert.is(plain.acl, undefined, 'the default ACL travels as none');
  const spelled = l.ok(withAcl('/spelled', [...Ids.OPEN_ACL_UNSAFE])) as { acl?: Acl[] };
  assert.is(spelled.acl, undefined, 'world:anyone:cdrwa spelled out is the default');
  const mine = l.ok(withAcl('/mine', [...Ids.CREATOR_ALL_ACL, ...Ids.CREATOR_ALL_ACL]), 0, [alice, bob, { scheme: 'ip', id: '10.0.0.1' }]) as { acl: Acl[] };
  assert.equal(mine.acl, [grant(alice)[0], grant(bob)[0]], "'auth' is each digest identity once; ip is not an authenticated identity");
  assert.is(l.err(withAcl('/nobody', [...Ids.CREATOR_ALL_ACL])), 'INVALIDACL', "'auth' without identities");
  assert.is(l.err(withAcl('/empty', [])), 'INVALIDACL');
  assert.is(l.err(withAcl('/bad', [{ perms: 1, scheme: 'kerberos', id: 'x' }])), 'INVALIDACL');
  assert.is(l.err(withAcl('/bad', [{ perms: 1, scheme: 'world', id: 'somebody' }])), 'INVALIDACL');
  assert.is(l.err(withAcl('/bad', [{ perms: 64, scheme: 'world', id: 'anyone' }])), 'INVALIDACL');
  l.commitAll();
  assert.equal(l.tree.aclOf('/mine'), mine.acl);
  assert.equal(l.tree.aclOf('/open'), [...Ids.OPEN_ACL_UNSAFE]);
  assert.equal(l.tree.aclOf('/spelled'), [...Ids.OPEN_ACL_UNSAFE]);
});

test('acl: create needs CREATE on the parent, delete DELETE on the parent, setData WRITE, check READ', () => {
  const l = new Leader();
  l.ok(withAcl('/p', [{ perms: Perms.READ, scheme: 'world', id: 'anyone' }, ...grant(alice, Perms.CREATE | Perms.DELETE)]), 0, []);
  assert.is(l.err(create('/p/c')), 'NOAUTH', 'world may only read /p');
  assert.is(l.err(create('/p/c'), 0, [bob]), 'NOAUTH');
  l.ok(withAcl('/p/c', grant(alice, Perms.WRITE)), 0, [alice]);
  assert.is(l.err({ op: 'delete', path: '/p/c', version: -1 }), 'NOAUTH');
  assert.is(l.err({ op: 'delete', path: '/p/missing', version: -1 }), 'NOAUTH', 'the parent is checked before the node is looked for');
  assert.is(l.err({ op: 'setData', path: '/p/c', data: bytes('x'), version: -1 }, 0, [bob]), 'NOAUTH');
  assert.is(l.err({ op: 'setData', path: '/p/c', data: bytes('x'), version: 7 }, 0, [bob]), 'NOAUTH', 'NOAUTH before BADVERSION');
  assert.is(l.err({ op: 'setData', path: '/p/c', data: bytes('x'), version: 7 }, 0, [alice]), 'BADVERSION');
  l.ok({ op: 'setData', path: '/p/c', data: bytes('x'), version: 0 }, 0, [alice]);
  assert.is(l.err({ op: 'multi', ops: [{ op: 'check', path: '/p/c', version: 1 }] }, 0, [alice]), 'NOAUTH', 'check needs READ, which alice lacks on /p/c');
  l.ok({ op: 'multi', ops: [{ op: 'check', path: '/p', version: 0 }] });
  l.ok({ op: 'delete', path: '/p/c', version: -1 }, 0, [alice]);
  l.commitAll();
  assert.is(l.tree.exists('/p/c'), null);
});

test('acl: a NOAUTH in a multi fails it whole, per op, and the leader\'s own writes pass every ACL', () => {
  const l = new Leader();
  l.ok(withAcl('/locked', grant(alice)), 0, [alice]);
  l.ok(withAcl('/locked/x', grant(alice)), 0, [alice]);
  const p = l.propose({ op: 'multi', ops: [create('/fine'), { op: 'setData', path: '/locked', data: bytes(''), version: -1 }, create('/also')] }, 0, [bob]);
  assert.ok('error' in p);
  const err = (p as { error: { codeName: string; results: unknown[] } }).error;
  assert.is(err.codeName, 'NOAUTH');
  assert.equal(err.results, [{ type: 'error', code: 0 }, { type: 'error', code: -102 }, { type: 'error', code: -2 }]);
  l.ok({ op: 'delete', path: '/locked/x', version: -1 }, 0, [SUPER]);
  l.commitAll();
  assert.is(l.tree.exists('/fine'), null);
  assert.is(l.tree.exists('/locked/x'), null);
});

test('acl: setACL needs ADMIN, checks the aversion, bumps it, and later writes see the new ACL', () => {
  const l = new Leader();
  l.ok(withAcl('/n', grant(alice)), 0, [alice]);
  const setAcl = (acl: Acl[], version: number) => ({ op: 'setACL' as const, path: '/n', acl, version });
  assert.is(l.err(setAcl([...Ids.OPEN_ACL_UNSAFE], -1), 0, [bob]), 'NOAUTH');
  assert.is(l.err(setAcl([...Ids.OPEN_ACL_UNSAFE], 3), 0, [alice]), 'BADVERSION');
  assert.is(l.err(setAcl([], 0), 0, [alice]), 'INVALIDACL');
  assert.is(l.err({ op: 'setACL', path: '/none', acl: [], version: -1 }), 'INVALIDACL', 'the ACL is fixed up before the node is looked for');
  assert.is(l.err({ op: 'setACL', path: '/none', acl: [...Ids.OPEN_ACL_UNSAFE], version: -1 }), 'NONODE');
  const txn = l.ok(setAcl(grant(bob), 0), 0, [alice]) as { aversion: number };
  assert.is(txn.aversion, 1);
  assert.is(l.err(setAcl([...Ids.OPEN_ACL_UNSAFE], 1), 0, [alice]), 'NOAUTH', 'the pending ACL is the one checked');
  l.ok(setAcl([...Ids.READ_ACL_UNSAFE], 1), 0, [bob]);
  const results = l.commitAll();
  assert.is(results.length, 3);
  const stat = l.tree.stat('/n');
  assert.is(stat.aversion, 2);
  assert.is(stat.version, 0, 'the data version does not move');
  assert.equal(l.tree.aclOf('/n'), [...Ids.READ_ACL_UNSAFE]);
  assert.is(l.err({ op: 'setData', path: '/n', data: bytes(''), version: -1 }, 0, [alice]), 'NOAUTH');
});

test.run();
