// The leader's choice of DIFF, TRUNC or SNAP for a follower (ZOOKEEPER-1154, -1156, -2832).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { planSync, type LeaderHistory } from '../actors/proposer/sync-plan.js';
import { makeZxid } from '../storage/zxid.js';

const z = makeZxid;

function history(zxids: number[], logStartZxid = 0): LeaderHistory {
  const held = zxids.filter((x) => x > logStartZxid);
  return {
    lastZxid: zxids[zxids.length - 1] ?? 0,
    logStartZxid,
    has: (x) => held.includes(x),
    floor: (x) => Math.max(0, ...held.filter((h) => h <= x)),
  };
}

const leader = history([z(1, 1), z(1, 2), z(1, 3), z(3, 1), z(3, 2)]);

test('a follower that is up to date, or behind on the leader\'s history, gets a DIFF', () => {
  assert.equal(planSync(z(3, 2), leader), { kind: 'diff', after: z(3, 2) });
  assert.equal(planSync(z(1, 2), leader), { kind: 'diff', after: z(1, 2) });
  assert.equal(planSync(0, leader), { kind: 'diff', after: 0 });
});

test('an uncommitted tail in a shared epoch is truncated to the last shared zxid (ZOOKEEPER-1154/2832)', () => {
  assert.equal(planSync(z(1, 5), leader), { kind: 'trunc', to: z(1, 3) });
  assert.equal(planSync(z(3, 9), leader), { kind: 'trunc', to: z(3, 2) }, 'ahead of the leader in its own epoch');
});

test('never TRUNC across an epoch the leader does not have: SNAP (ZOOKEEPER-1156)', () => {
  // The follower's z(2, 1) was never committed; the leader's last entry below it is z(1, 3),
  // which the follower may not hold: truncating there could leave a hole.
  assert.equal(planSync(z(2, 1), leader), { kind: 'snap' });
  assert.equal(planSync(z(4, 1), leader), { kind: 'snap' });
});

test('a follower behind the leader\'s purged log gets a SNAP; at the log start, a DIFF', () => {
  const purged = history([z(1, 1), z(1, 2), z(1, 3), z(3, 1)], z(1, 2));
  assert.equal(planSync(z(1, 1), purged), { kind: 'snap' });
  assert.equal(planSync(z(1, 2), purged), { kind: 'diff', after: z(1, 2) });
  assert.equal(planSync(z(1, 3), purged), { kind: 'diff', after: z(1, 3) });
});

test.run();
