// The broadcast machine on the leader: session expiry is proposed like any write, and a
// leader that steps down answers every waiting client, never its own expiries.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Proposer, type ProposerOutput } from '../actors/proposer/machine.js';
import { DataTree } from '../storage/data-tree.js';
import { makeZxid } from '../storage/zxid.js';

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
  assert.equal(kinds(out), ['log', 'propose']);
  assert.is((out[0] as { entries: { txn: { type: string } }[] }).entries[0]!.txn.type, 'closeSession');
});

test('stepping down with an expiry in flight answers the clients only (the expiry has nobody to answer)', () => {
  const { p } = leaderWithSession();
  p.step({ kind: 'tick', now: 5000 });
  const client = { who: 'a client' };
  p.step({ kind: 'writes', now: 5001, writes: [{ sessionId: 0, op: { op: 'create', path: '/x', data: new Uint8Array(), mode: 0, ttlMs: 0 }, target: client }] });
  assert.equal(p.abandon(), [client]);
});

test.run();
