// The leader's discovery and synchronization steps.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Discovery, type DiscoveryOutput } from '../actors/proposer/discovery.js';

const kinds = (outs: DiscoveryOutput[]) => outs.map((o) => o.kind === 'send' ? `send:${o.to}:${o.msg.type}` : o.kind);
const config = { selfId: 1, voters: [1, 2, 3], acceptedEpoch: 4, currentEpoch: 4, lastZxid: 400, initLimitTicks: 10 };

test('the new epoch is one past the largest acceptedEpoch of a quorum, persisted before it is sent', () => {
  const d = new Discovery(config);
  assert.equal(d.start(), [], 'alone it is no quorum');
  assert.equal(d.step({ kind: 'followerInfo', from: 2, acceptedEpoch: 6, lastZxid: 300 }), [{ kind: 'persistAcceptedEpoch', epoch: 7 }]);
  assert.equal(d.step({ kind: 'followerInfo', from: 3, acceptedEpoch: 9, lastZxid: 300 }), [], 'the epoch is chosen once');
  assert.equal(kinds(d.step({ kind: 'acceptedEpochPersisted', epoch: 7 })), ['send:2:newEpoch', 'send:3:newEpoch']);
});

test('currentEpoch is persisted only once a quorum acknowledged the epoch with no newer history', () => {
  const d = new Discovery(config);
  d.step({ kind: 'followerInfo', from: 2, acceptedEpoch: 4, lastZxid: 300 });
  assert.equal(kinds(d.step({ kind: 'acceptedEpochPersisted', epoch: 5 })), ['send:2:newEpoch'], 'not yet: a follower may turn out newer');
  assert.equal(kinds(d.step({ kind: 'ackEpoch', from: 2, epoch: 5, currentEpoch: 4, lastZxid: 300 })), ['sync', 'persistCurrentEpoch']);
});

test('a leader that finds a newer follower gives up without having taken the new epoch as current', () => {
  const d = new Discovery(config);
  d.step({ kind: 'followerInfo', from: 2, acceptedEpoch: 4, lastZxid: 900 });
  const outs = [...d.step({ kind: 'acceptedEpochPersisted', epoch: 5 }), ...d.step({ kind: 'ackEpoch', from: 2, epoch: 5, currentEpoch: 4, lastZxid: 900 })];
  assert.not.ok(outs.some((o) => o.kind === 'persistCurrentEpoch'));
  assert.ok(outs.some((o) => o.kind === 'giveUp'));
});

test('a lone voter is its own quorum', () => {
  const d = new Discovery({ ...config, voters: [1] });
  assert.equal(d.start(), [{ kind: 'persistAcceptedEpoch', epoch: 5 }]);
  assert.equal(d.step({ kind: 'acceptedEpochPersisted', epoch: 5 }), [{ kind: 'persistCurrentEpoch', epoch: 5 }], 'its own acknowledgement is the quorum');
  assert.equal(d.step({ kind: 'currentEpochPersisted', epoch: 5 }), [{ kind: 'established', epoch: 5, followers: [] }]);
});

test('established only once a quorum (the leader included) acknowledged NEWLEADER', () => {
  const d = new Discovery(config);
  d.step({ kind: 'followerInfo', from: 2, acceptedEpoch: 4, lastZxid: 300 });
  d.step({ kind: 'acceptedEpochPersisted', epoch: 5 });
  assert.equal(d.step({ kind: 'ackEpoch', from: 2, epoch: 5, currentEpoch: 4, lastZxid: 300 }), [{ kind: 'sync', to: 2, followerLastZxid: 300 }, { kind: 'persistCurrentEpoch', epoch: 5 }]);
  assert.equal(d.step({ kind: 'ackNewLeader', from: 2, epoch: 5 }), [], 'the leader\'s own currentEpoch is not durable yet');
  assert.equal(d.step({ kind: 'currentEpochPersisted', epoch: 5 }), [{ kind: 'established', epoch: 5, followers: [2] }]);
  // a late follower joins the running broadcast
  assert.equal(kinds(d.step({ kind: 'followerInfo', from: 3, acceptedEpoch: 4, lastZxid: 100 })), ['send:3:newEpoch']);
  assert.equal(kinds(d.step({ kind: 'ackEpoch', from: 3, epoch: 5, currentEpoch: 4, lastZxid: 100 })), ['sync']);
  assert.equal(d.step({ kind: 'ackNewLeader', from: 3, epoch: 5 }), [{ kind: 'joined', follower: 3 }]);
  // a follower that restarts after it took the new epoch rejoins the established leader
  d.step({ kind: 'followerInfo', from: 3, acceptedEpoch: 5, lastZxid: 100 });
  assert.equal(kinds(d.step({ kind: 'ackEpoch', from: 3, epoch: 5, currentEpoch: 5, lastZxid: 100 })), ['sync']);
});

test('a follower with a newer history than the leader forces a new election', () => {
  const d = new Discovery(config);
  d.step({ kind: 'followerInfo', from: 2, acceptedEpoch: 4, lastZxid: 900 });
  d.step({ kind: 'acceptedEpochPersisted', epoch: 5 });
  assert.equal(kinds(d.step({ kind: 'ackEpoch', from: 2, epoch: 5, currentEpoch: 4, lastZxid: 900 })), ['giveUp']);
});

test('acknowledgements of another epoch or of strangers count for nothing; initLimit ends a stalled start', () => {
  const d = new Discovery(config);
  assert.equal(d.step({ kind: 'followerInfo', from: 9, acceptedEpoch: 4, lastZxid: 0 }), []);
  d.step({ kind: 'followerInfo', from: 2, acceptedEpoch: 4, lastZxid: 0 });
  d.step({ kind: 'acceptedEpochPersisted', epoch: 5 });
  assert.equal(d.step({ kind: 'ackEpoch', from: 2, epoch: 4, currentEpoch: 4, lastZxid: 0 }), []);
  assert.equal(d.step({ kind: 'ackNewLeader', from: 2, epoch: 5 }), [], 'NEWLEADER before ACKEPOCH is ignored');
  for (let i = 0; i < 10; i++) assert.equal(d.step({ kind: 'tick' }), []);
  assert.equal(kinds(d.step({ kind: 'tick' })), ['giveUp']);
});

test.run();
