// follower-sync, step by step, including the orderings ZooKeeper got wrong:
// ZOOKEEPER-3911 (NEWLEADER acked before the synced history was durable), ZOOKEEPER-4643
// (currentEpoch persisted before that history), ZOOKEEPER-4394 (commits between NEWLEADER
// and UPTODATE), ZOOKEEPER-4685 (acks out of log order).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Follower, type FollowerOutput } from '../actors/follower/machine.js';
import type { LogEntry } from '../storage/txn.js';
import { makeZxid } from '../storage/zxid.js';

const z = (epoch: number, n: number) => makeZxid(epoch, n);
const e = (zxid: number): LogEntry => ({ zxid, time: 0, sessionId: 0, txn: { type: 'delete', path: `/x${zxid}` } });
const kinds = (outs: FollowerOutput[]) => outs.map((o) => (o.kind === 'send' ? `send:${o.msg.type}` : o.kind));

function joined(epoch = 5, lastZxid = z(4, 3), committed = lastZxid): Follower {
  const f = new Follower({ selfId: 2, syncLimitTicks: 5 });
  f.step({ kind: 'start', leader: 1, acceptedEpoch: 4, currentEpoch: 4, lastLoggedZxid: lastZxid, lastCommittedZxid: committed });
  f.step({ kind: 'message', msg: { type: 'newEpoch', epoch } });
  f.step({ kind: 'acceptedEpochPersisted', epoch });
  return f;
}

test('discovery: FOLLOWERINFO, then acceptedEpoch is persisted before ACKEPOCH', () => {
  const f = new Follower({ selfId: 2, syncLimitTicks: 5 });
  const hello = f.step({ kind: 'start', leader: 1, acceptedEpoch: 4, currentEpoch: 4, lastLoggedZxid: z(4, 3), lastCommittedZxid: z(4, 2) });
  assert.equal(hello, [{ kind: 'send', msg: { type: 'followerInfo', from: 2, acceptedEpoch: 4, lastZxid: z(4, 3) } }]);
  assert.equal(f.step({ kind: 'message', msg: { type: 'newEpoch', epoch: 5 } }), [{ kind: 'persistAcceptedEpoch', epoch: 5 }]);
  assert.equal(f.step({ kind: 'acceptedEpochPersisted', epoch: 5 }), [{ kind: 'send', msg: { type: 'ackEpoch', from: 2, epoch: 5, currentEpoch: 4, lastZxid: z(4, 3) } }]);
});

test('between ticks a follower says again what its leader may have missed (FOLLOWERINFO, then ACKEPOCH), and that is no silence', () => {
  const f = new Follower({ selfId: 2, syncLimitTicks: 2 });
  f.step({ kind: 'start', leader: 1, acceptedEpoch: 4, currentEpoch: 4, lastLoggedZxid: z(4, 3), lastCommittedZxid: z(4, 2) });
  for (let i = 0; i < 10; i++) assert.equal(f.step({ kind: 'resend' }), [{ kind: 'send', msg: { type: 'followerInfo', from: 2, acceptedEpoch: 4, lastZxid: z(4, 3) } }]);
  f.step({ kind: 'message', msg: { type: 'newEpoch', epoch: 5 } });
  f.step({ kind: 'acceptedEpochPersisted', epoch: 5 });
  assert.equal(f.step({ kind: 'resend' }), [{ kind: 'send', msg: { type: 'ackEpoch', from: 2, epoch: 5, currentEpoch: 4, lastZxid: z(4, 3) } }]);
  f.step({ kind: 'message', msg: { type: 'diff', epoch: 5, prevZxid: z(4, 3), entries: [] } });
  assert.equal(f.step({ kind: 'resend' }), [], 'the leader has begun its sync: nothing to say again');
  assert.is(f.phase, 'sync', 'resends never count as the leader\'s silence');
  f.step({ kind: 'tick' });
  f.step({ kind: 'tick' });
  assert.equal(kinds(f.step({ kind: 'tick' })), ['lookForLeader'], 'ticks do');
});

test('a NEWEPOCH below the accepted epoch sends the follower back to election', () => {
  const f = new Follower({ selfId: 2, syncLimitTicks: 5 });
  f.step({ kind: 'start', leader: 1, acceptedEpoch: 7, currentEpoch: 6, lastLoggedZxid: 0, lastCommittedZxid: 0 });
  assert.equal(kinds(f.step({ kind: 'message', msg: { type: 'newEpoch', epoch: 6 } })), ['lookForLeader']);
});

test('a leader that says it is leaving sends its followers to election at once; a deposed one is not heard', () => {
  const f = joined();
  assert.equal(f.step({ kind: 'message', msg: { type: 'leaving', epoch: 4 } }), [], 'an older epoch\'s leader is not ours');
  assert.equal(kinds(f.step({ kind: 'message', msg: { type: 'leaving', epoch: 5 } })), ['lookForLeader']);
});

test('ZOOKEEPER-3911/4643: NEWLEADER is acked only after the DIFF is durable, and currentEpoch in between', () => {
  const f = joined();
  assert.equal(f.step({ kind: 'message', msg: { type: 'diff', epoch: 5, prevZxid: z(4, 3), entries: [e(z(4, 4)), e(z(4, 5))] } }), [{ kind: 'appendLog', entries: [e(z(4, 4)), e(z(4, 5))] }]);
  assert.equal(f.step({ kind: 'message', msg: { type: 'newLeader', epoch: 5, zxid: z(4, 5) } }), [], 'not before the log is on disk');
  assert.equal(f.step({ kind: 'logged', zxid: z(4, 4) }), [], 'not with only part of it');
  assert.equal(f.step({ kind: 'logged', zxid: z(4, 5) }), [{ kind: 'persistCurrentEpoch', epoch: 5 }], 'currentEpoch only once the history it vouches for is durable');
  assert.equal(kinds(f.step({ kind: 'currentEpochPersisted', epoch: 5 })), ['send:ackNewLeader']);
  assert.equal(f.step({ kind: 'message', msg: { type: 'upToDate', epoch: 5 } }), [{ kind: 'applyCommitted', zxid: z(4, 5) }]);
  assert.is(f.phase, 'broadcast');
});

test('ZOOKEEPER-4394/4685: proposals and commits between NEWLEADER and UPTODATE are logged, acked after NEWLEADER, applied in order', () => {
  const f = joined();
  f.step({ kind: 'message', msg: { type: 'diff', epoch: 5, prevZxid: z(4, 3), entries: [e(z(4, 4))] } });
  f.step({ kind: 'message', msg: { type: 'newLeader', epoch: 5, zxid: z(4, 4) } });
  f.step({ kind: 'logged', zxid: z(4, 4) });
  // currentEpoch is being persisted; the leader already broadcasts
  assert.equal(f.step({ kind: 'message', msg: { type: 'proposal', epoch: 5, prevZxid: z(4, 4), committedZxid: 0, entries: [e(z(5, 1))] } }), [], 'waits behind the epoch write');
  assert.equal(f.step({ kind: 'message', msg: { type: 'commit', epoch: 5, zxid: z(5, 1) } }), []);
  const out = f.step({ kind: 'currentEpochPersisted', epoch: 5 });
  assert.equal(kinds(out), ['send:ackNewLeader', 'appendLog', 'applyCommitted']);
  assert.equal(out[2], { kind: 'applyCommitted', zxid: z(4, 4) }, 'the commit is cumulative: what is durable here applies now');
  assert.equal(f.step({ kind: 'logged', zxid: z(5, 1) }), [
    { kind: 'send', msg: { type: 'ack', from: 2, epoch: 5, zxid: z(5, 1) } },
    { kind: 'applyCommitted', zxid: z(5, 1) },
  ], 'ack after NEWLEADER, then apply once durable');
  assert.equal(f.step({ kind: 'message', msg: { type: 'upToDate', epoch: 5 } }), [], 'nothing applied twice');
});

test('acks follow the durable log, in order, never ahead of it', () => {
  const f = joined();
  f.step({ kind: 'message', msg: { type: 'newLeader', epoch: 5, zxid: z(4, 3) } });
  f.step({ kind: 'currentEpochPersisted', epoch: 5 });
  f.step({ kind: 'message', msg: { type: 'upToDate', epoch: 5 } });
  assert.equal(kinds(f.step({ kind: 'message', msg: { type: 'proposal', epoch: 5, prevZxid: z(4, 3), committedZxid: 0, entries: [e(z(5, 1)), e(z(5, 2))] } })), ['appendLog']);
  assert.equal(kinds(f.step({ kind: 'message', msg: { type: 'proposal', epoch: 5, prevZxid: z(5, 2), committedZxid: 0, entries: [e(z(5, 3))] } })), ['appendLog']);
  const acks: number[] = [];
  for (const zx of [z(5, 2), z(5, 3)]) for (const o of f.step({ kind: 'logged', zxid: zx })) if (o.kind === 'send' && o.msg.type === 'ack') acks.push(o.msg.zxid);
  assert.equal(acks, [z(5, 2), z(5, 3)]);
  assert.equal(f.step({ kind: 'message', msg: { type: 'commit', epoch: 5, zxid: z(5, 9) } }), [{ kind: 'applyCommitted', zxid: z(5, 3) }], 'commits apply only what is durable here');
});

test('the commit point a proposal carries applies what is durable here, as a commit would', () => {
  const f = joined();
  f.step({ kind: 'message', msg: { type: 'newLeader', epoch: 5, zxid: z(4, 3) } });
  f.step({ kind: 'currentEpochPersisted', epoch: 5 });
  f.step({ kind: 'message', msg: { type: 'upToDate', epoch: 5 } });
  f.step({ kind: 'message', msg: { type: 'proposal', epoch: 5, prevZxid: z(4, 3), committedZxid: z(4, 3), entries: [e(z(5, 1))] } });
  f.step({ kind: 'logged', zxid: z(5, 1) });
  const out = f.step({ kind: 'message', msg: { type: 'proposal', epoch: 5, prevZxid: z(5, 1), committedZxid: z(5, 2), entries: [e(z(5, 2))] } });
  assert.equal(out, [{ kind: 'appendLog', entries: [e(z(5, 2))] }, { kind: 'applyCommitted', zxid: z(5, 1) }], 'z(5, 2) is committed but not yet durable here: only z(5, 1) applies');
  assert.equal(f.step({ kind: 'logged', zxid: z(5, 2) }), [
    { kind: 'send', msg: { type: 'ack', from: 2, epoch: 5, zxid: z(5, 2) } },
    { kind: 'applyCommitted', zxid: z(5, 2) },
  ], 'once durable, the commit point it heard applies it');
});

test('a proposal that does not extend the log is a gap: resync, nothing logged', () => {
  const f = joined();
  f.step({ kind: 'message', msg: { type: 'newLeader', epoch: 5, zxid: z(4, 3) } });
  f.step({ kind: 'currentEpochPersisted', epoch: 5 });
  const out = f.step({ kind: 'message', msg: { type: 'proposal', epoch: 5, prevZxid: z(5, 7), committedZxid: 0, entries: [e(z(5, 8))] } });
  assert.equal(out, [{ kind: 'send', msg: { type: 'resync', from: 2, epoch: 5, lastZxid: z(4, 3) } }]);
  assert.equal(f.step({ kind: 'message', msg: { type: 'proposal', epoch: 5, prevZxid: z(4, 2), committedZxid: 0, entries: [e(z(4, 3))] } }), [], 'a duplicate is ignored');
});

test('ZOOKEEPER-1154: a DIFF that does not follow on from this log\'s last entry (its TRUNC was lost) is refused: resync, nothing logged', () => {
  // An uncommitted tail z(4, 4) from this server's time as leader; the leader's history goes z(4, 3), z(5, 1), ...
  const f = joined(5, z(4, 4), z(4, 2));
  const out = f.step({ kind: 'message', msg: { type: 'diff', epoch: 5, prevZxid: z(4, 3), entries: [e(z(5, 1)), e(z(5, 2))] } });
  assert.equal(out, [{ kind: 'send', msg: { type: 'resync', from: 2, epoch: 5, lastZxid: z(4, 4) } }]);
  assert.equal(f.step({ kind: 'message', msg: { type: 'newLeader', epoch: 5, zxid: z(5, 2) } }), [], 'NEWLEADER waits for a log that holds its history');
  // After the TRUNC, the same DIFF follows on.
  f.step({ kind: 'message', msg: { type: 'trunc', epoch: 5, zxid: z(4, 3) } });
  f.step({ kind: 'truncated', zxid: z(4, 3) });
  assert.equal(kinds(f.step({ kind: 'message', msg: { type: 'diff', epoch: 5, prevZxid: z(4, 3), entries: [e(z(5, 1)), e(z(5, 2))] } })), ['appendLog']);
});

test('a DIFF that repeats entries this log holds adds only what follows them', () => {
  const f = joined(5, z(4, 4), z(4, 2));
  assert.equal(f.step({ kind: 'message', msg: { type: 'diff', epoch: 5, prevZxid: z(4, 2), entries: [e(z(4, 3)), e(z(4, 4)), e(z(5, 1))] } }), [{ kind: 'appendLog', entries: [e(z(5, 1))] }]);
});

test('a lost part of the DIFF is a gap too: resync, never a hole in the log', () => {
  const f = joined();
  const out = f.step({ kind: 'message', msg: { type: 'diff', epoch: 5, prevZxid: z(4, 5), entries: [e(z(4, 6))] } });
  assert.equal(out, [{ kind: 'send', msg: { type: 'resync', from: 2, epoch: 5, lastZxid: z(4, 3) } }]);
});

test('a ping before NEWLEADER arrived means NEWLEADER was lost: resync', () => {
  const f = joined();
  assert.equal(kinds(f.step({ kind: 'message', msg: { type: 'ping', epoch: 5, committedZxid: 0, lastZxid: z(4, 3) } })), ['send:ack', 'send:resync']);
});

test('a ping naming proposals this follower never got asks for them (the lost last proposal)', () => {
  const f = joined();
  f.step({ kind: 'message', msg: { type: 'newLeader', epoch: 5, zxid: z(4, 3) } });
  f.step({ kind: 'currentEpochPersisted', epoch: 5 });
  assert.equal(kinds(f.step({ kind: 'message', msg: { type: 'ping', epoch: 5, committedZxid: z(4, 3), lastZxid: z(4, 3) } })), ['send:ack']);
  assert.equal(kinds(f.step({ kind: 'message', msg: { type: 'ping', epoch: 5, committedZxid: z(4, 3), lastZxid: z(5, 1) } })), ['send:ack', 'send:resync']);
});

test('TRUNC: the uncommitted suffix goes first, and what follows waits for it', () => {
  const f = joined(5, z(4, 9), z(4, 5));
  assert.equal(f.step({ kind: 'message', msg: { type: 'trunc', epoch: 5, zxid: z(4, 6) } }), [{ kind: 'truncate', zxid: z(4, 6) }]);
  assert.equal(f.step({ kind: 'message', msg: { type: 'diff', epoch: 5, prevZxid: z(4, 6), entries: [e(z(4, 7))] } }), []);
  assert.equal(f.step({ kind: 'truncated', zxid: z(4, 6) }), [{ kind: 'appendLog', entries: [e(z(4, 7))] }]);
});

test('TRUNC below what this follower already applied is refused', () => {
  const f = joined(5, z(4, 9), z(4, 5));
  assert.equal(kinds(f.step({ kind: 'message', msg: { type: 'trunc', epoch: 5, zxid: z(4, 4) } })), ['lookForLeader']);
});

test('SNAP replaces the log, then NEWLEADER', () => {
  const f = joined();
  assert.equal(kinds(f.step({ kind: 'message', msg: { type: 'snap', epoch: 5, zxid: z(4, 50), chunks: [new Uint8Array([1])] } })), ['installSnapshot']);
  assert.equal(f.step({ kind: 'message', msg: { type: 'newLeader', epoch: 5, zxid: z(4, 50) } }), []);
  assert.equal(kinds(f.step({ kind: 'snapshotInstalled', zxid: z(4, 50) })), ['persistCurrentEpoch']);
});

test('FOLLOWERINFO and ACKEPOCH are repeated until the leader answers, since NATS may drop them', () => {
  const f = new Follower({ selfId: 2, syncLimitTicks: 5 });
  f.step({ kind: 'start', leader: 1, acceptedEpoch: 4, currentEpoch: 4, lastLoggedZxid: 7, lastCommittedZxid: 7 });
  assert.equal(kinds(f.step({ kind: 'tick' })), ['send:followerInfo']);
  f.step({ kind: 'message', msg: { type: 'newEpoch', epoch: 5 } });
  f.step({ kind: 'acceptedEpochPersisted', epoch: 5 });
  assert.equal(kinds(f.step({ kind: 'tick' })), ['send:ackEpoch']);
  f.step({ kind: 'message', msg: { type: 'diff', epoch: 5, prevZxid: 0, entries: [] } });
  assert.equal(f.step({ kind: 'tick' }), [], 'once the sync stream flows, the follower waits');
});

test('a deposed leader still talking to us does not keep a dead leadership alive', () => {
  const f = new Follower({ selfId: 2, syncLimitTicks: 3 });
  f.step({ kind: 'start', leader: 3, acceptedEpoch: 1, currentEpoch: 1, lastLoggedZxid: 7, lastCommittedZxid: 7 });
  for (let i = 0; i < 3; i++) {
    f.step({ kind: 'message', msg: { type: 'ping', epoch: 1, committedZxid: 7, lastZxid: 7 } });
    f.step({ kind: 'tick' });
  }
  f.step({ kind: 'message', msg: { type: 'ping', epoch: 1, committedZxid: 7, lastZxid: 7 } });
  assert.equal(kinds(f.step({ kind: 'tick' })), ['lookForLeader']);
});

test('messages of another epoch are ignored; silence past syncLimit ends the leadership', () => {
  const f = joined();
  f.step({ kind: 'message', msg: { type: 'diff', epoch: 5, prevZxid: 0, entries: [] } });
  assert.equal(f.step({ kind: 'message', msg: { type: 'diff', epoch: 4, prevZxid: z(4, 3), entries: [e(z(4, 4))] } }), []);
  for (let i = 0; i < 5; i++) assert.equal(f.step({ kind: 'tick' }), []);
  assert.equal(kinds(f.step({ kind: 'tick' })), ['lookForLeader']);
  assert.equal(f.step({ kind: 'message', msg: { type: 'ping', epoch: 5, committedZxid: 0, lastZxid: 0 } }), [], 'a stopped follower does nothing');
});

test('a late answer to an old resync (a SNAP or TRUNC below what is logged) is ignored: acked entries are never dropped', () => {
  const f = joined();
  f.step({ kind: 'message', msg: { type: 'diff', epoch: 5, prevZxid: z(4, 3), entries: [e(z(4, 4))] } });
  f.step({ kind: 'message', msg: { type: 'newLeader', epoch: 5, zxid: z(4, 4) } });
  f.step({ kind: 'logged', zxid: z(4, 4) });
  f.step({ kind: 'currentEpochPersisted', epoch: 5 });
  f.step({ kind: 'message', msg: { type: 'upToDate', epoch: 5 } });
  f.step({ kind: 'message', msg: { type: 'proposal', epoch: 5, prevZxid: z(4, 4), committedZxid: 0, entries: [e(z(5, 1)), e(z(5, 2))] } });
  assert.equal(kinds(f.step({ kind: 'logged', zxid: z(5, 2) })), ['send:ack']);
  assert.equal(f.step({ kind: 'message', msg: { type: 'snap', epoch: 5, zxid: z(5, 1), chunks: [] } }), [], 'no snapshot below the acked log');
  assert.equal(f.step({ kind: 'message', msg: { type: 'trunc', epoch: 5, zxid: z(5, 1) } }), [], 'no truncation of acked entries');
  assert.equal(f.step({ kind: 'message', msg: { type: 'diff', epoch: 5, prevZxid: z(5, 1), entries: [e(z(5, 2)), e(z(5, 3))] } }), [{ kind: 'appendLog', entries: [e(z(5, 3))] }], 'its DIFF only adds what is new');
  assert.equal(f.step({ kind: 'message', msg: { type: 'snap', epoch: 5, zxid: z(5, 9), chunks: [] } }), [{ kind: 'installSnapshot', zxid: z(5, 9), chunks: [] }], 'a snapshot ahead of the log still installs');
});

test.run();
