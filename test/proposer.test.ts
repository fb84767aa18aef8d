// The broadcast machine on the leader: session expiry is proposed like any write, and a
// leader that steps down answers every waiting client, never its own expiries.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Proposer, type ProposerInput, type ProposerOutput } from '../actors/proposer/machine.js';
import { DataTree } from '../storage/data-tree.js';
import { makeZxid } from '../storage/zxid.js';
import type { LogEntry, Txn } from '../storage/txn.js';
import { reapable } from '../actors/proposer/reaper.js';

const kinds = (outs: ProposerOutput[]) => outs.map((o) => o.kind);

function leaderWithSession(): { p: Proposer; sessionId: number } {
  const tree = new DataTree();
  tree.apply({ zxid: makeZxid(1, 1), time: 0, sessionId: 0, txn: { type: 'createSession', sessionId: 77, timeoutMs: 1000, secretHash: 'h' } });
  const p = new Proposer({ selfId: 1, voters: [1, 2, 3], epoch: 2, maxDataBytes: 1024, now: 0 }, tree);
  return { p, sessionId: 77 };
}

test('a session nobody touches is expired by a proposed closeSession; touched ones are not', () => {
  const { p } = leaderWithSession();
  assert.equal(kinds(p.step({ kind: 'touch', sessionIds: [77], now: 900 })), []);
  assert.equal(kinds(p.step({ kind: 'tick', now: 1500 })), [], 'the touch at 900 keeps it until 1900');
  const out = p.step({ kind: 'tick', now: 1950 });
  assert.equal(kinds(out), ['propose', 'log'], 'the proposal leaves before the leader\'s own log write');
  assert.is((out[0] as { entries: { txn: { type: string } }[] }).entries[0]!.txn.type, 'closeSession');
});

test('stepping down with an expiry in flight answers the clients only (the expiry has nobody to answer)', () => {
  const { p } = leaderWithSession();
  p.step({ kind: 'tick', now: 5000 });
  const client = { who: 'a client' };
  p.step({ kind: 'writes', now: 5001, writes: [{ sessionId: 0, op: { op: 'create', path: '/x', data: new Uint8Array(), mode: 0, ttlMs: 0 }, target: client }] });
  assert.equal(p.abandon(), [client]);
});

test('the commit point rides on proposals; a commit says it must go alone only once nothing proposed is left uncommitted', () => {
  const p = new Proposer({ selfId: 1, voters: [1, 2, 3], epoch: 2, maxDataBytes: 1024, now: 0 }, new DataTree());
  const write = (path: string): ProposerInput => ({ kind: 'writes', now: 1, writes: [{ sessionId: 0, op: { op: 'create', path, data: new Uint8Array(), mode: 0, ttlMs: 0 }, target: path }] });
  const first = p.step(write('/a'));
  const z1 = makeZxid(2, 1);
  const z2 = makeZxid(2, 2);
  assert.equal(first.find((o) => o.kind === 'propose'), { kind: 'propose', prevZxid: 0, committedZxid: 0, entries: (first[0] as { entries: LogEntry[] }).entries });
  p.step(write('/b'));
  p.step({ kind: 'logged', zxid: z2 });
  const partly = p.step({ kind: 'ack', from: 2, zxid: z1 });
  assert.equal(partly.filter((o) => o.kind === 'commit').map((o) => (o as { drained: boolean }).drained), [false], '/b is still in flight: its commit will carry this one');
  const third = p.step(write('/c'));
  assert.is((third.find((o) => o.kind === 'propose') as { committedZxid: number }).committedZxid, z1, 'the next proposal carries the commit point');
  p.step({ kind: 'logged', zxid: makeZxid(2, 3) });
  const all = p.step({ kind: 'ack', from: 3, zxid: makeZxid(2, 3) });
  assert.equal(all.filter((o) => o.kind === 'commit').map((o) => (o as { drained: boolean }).drained), [true], 'nothing left in flight: the commit goes alone');
});

let zxid = makeZxid(1, 0);
const at = (time: number, txn: Txn): LogEntry => ({ zxid: ++zxid, time, sessionId: 0, txn });
const create = (path: string, kind: 'persistent' | 'container' | 'ttl', ttlMs = 0, parentCversion = 1): Txn =>
  ({ type: 'create', path, data: new Uint8Array(), kind, ephemeralOwner: 0, ttlMs, parentCVersion: parentCversion });

test('containers go once emptied, never before they had a child; TTL nodes once unchanged and childless past their TTL', async () => {
  const tree = new DataTree();
  tree.apply(at(0, create('/never-used', 'container')));
  tree.apply(at(0, create('/emptied', 'container')));
  tree.apply(at(0, create('/emptied/a', 'persistent')));
  tree.apply(at(0, { type: 'delete', path: '/emptied/a' }));
  tree.apply(at(0, create('/busy', 'container')));
  tree.apply(at(0, create('/busy/a', 'persistent')));
  tree.apply(at(1000, create('/ttl-old', 'ttl', 500)));
  tree.apply(at(1000, create('/ttl-fresh', 'ttl', 5000)));
  tree.apply(at(1000, create('/ttl-parent', 'ttl', 500)));
  tree.apply(at(1000, create('/ttl-parent/c', 'persistent')));
  tree.apply(at(1000, create('/plain', 'persistent')));
  assert.equal(reapable(tree, 2000, 100).map((d) => d.path).sort(), ['/emptied', '/ttl-old']);
  assert.is(reapable(tree, 2000, 1).length, 1, 'the limit holds');
  assert.equal(reapable(tree, 2000, 100).find((d) => d.path === '/emptied'), { op: 'delete', path: '/emptied', version: 0 }, 'deleted at the version it was checked at');
  // A snapshot keeps what is removable.
  const chunks: Uint8Array[] = [];
  for await (const c of tree.snapshot()) chunks.push(c);
  const restored = DataTree.fromChunks(chunks);
  assert.equal(reapable(restored, 2000, 100).map((d) => d.path).sort(), ['/emptied', '/ttl-old']);
});

test('the leader proposes the removals on its tick, every reapEveryMs', () => {
  const tree = new DataTree();
  tree.apply(at(0, create('/c', 'container')));
  tree.apply(at(0, create('/c/a', 'persistent')));
  tree.apply(at(0, { type: 'delete', path: '/c/a' }));
  const p = new Proposer({ selfId: 1, voters: [1], epoch: 2, maxDataBytes: 1024, now: 0, reapEveryMs: 1000 }, tree);
  assert.equal(kinds(p.step({ kind: 'tick', now: 500 })), [], 'not before the period');
  const out = p.step({ kind: 'tick', now: 1000 });
  assert.is(kinds(out)[0], 'log');
  assert.equal((out[0] as { entries: LogEntry[] }).entries[0]!.txn, { type: 'delete', path: '/c' });
});

test.run();
