// Fast Leader Election over a lossy, reordering network driven by a seed.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Election, betterVote, type ElectionOutput, type Notification, type Vote } from '../actors/election/machine.js';
import { rng } from './sim/scheduler.js';

interface Net {
  machines: Map<number, Election>;
  inflight: { to: number; n: Notification }[];
  decisions: Map<number, { state: string; vote: Vote }>;
  up: Set<number>;
}

function makeNet(ids: number[]): Net {
  return { machines: new Map(ids.map((id) => [id, new Election(id, ids)])), inflight: [], decisions: new Map(), up: new Set(ids) };
}

function emit(net: Net, from: number, outs: ElectionOutput[]): void {
  for (const o of outs) {
    if (o.kind === 'decided') net.decisions.set(from, { state: o.state, vote: o.vote });
    else for (const to of net.machines.keys()) if (to !== from) net.inflight.push({ to, n: o.n });
  }
}

/** Delivers in random order, dropping `loss` of the messages; ticks every `tickEvery` steps. */
function run(net: Net, random: () => number, steps: number, loss = 0.2, tickEvery = 20): void {
  for (let s = 0; s < steps; s++) {
    if (s % tickEvery === 0) for (const id of net.up) emit(net, id, net.machines.get(id)!.step({ kind: 'tick' }));
    if (net.inflight.length === 0) continue;
    const [m] = net.inflight.splice(Math.floor(random() * net.inflight.length), 1);
    if (random() < loss || !net.up.has(m!.to)) continue;
    emit(net, m!.to, net.machines.get(m!.to)!.step({ kind: 'notification', n: m!.n }));
  }
}

test('vote order is epoch, then zxid, then server id', () => {
  assert.ok(betterVote({ leader: 1, epoch: 3, zxid: 0 }, { leader: 9, epoch: 2, zxid: 99 }));
  assert.ok(betterVote({ leader: 1, epoch: 2, zxid: 5 }, { leader: 9, epoch: 2, zxid: 4 }));
  assert.ok(betterVote({ leader: 9, epoch: 2, zxid: 5 }, { leader: 1, epoch: 2, zxid: 5 }));
});

for (const size of [3, 5]) {
  test(`${size} servers over a lossy network agree on one leader that a quorum found best, for 300 seeds`, () => {
    for (let seed = 1; seed <= 300; seed++) {
      const random = rng(seed * 7919 + size);
      const ids = Array.from({ length: size }, (_, i) => i + 1);
      const net = makeNet(ids);
      const own = new Map(ids.map((id) => [id, { leader: id, epoch: 1 + Math.floor(random() * 2), zxid: Math.floor(random() * 3) }]));
      for (const id of ids) emit(net, id, net.machines.get(id)!.step({ kind: 'look', epoch: own.get(id)!.epoch, zxid: own.get(id)!.zxid }));
      run(net, random, 4000);
      assert.is(net.decisions.size, size, `seed ${seed}: everyone decided`);
      // Election only proposes a leader; discovery establishes the one a quorum follows.
      const backing = new Map<number, number>();
      for (const d of net.decisions.values()) backing.set(d.vote.leader, (backing.get(d.vote.leader) ?? 0) + 1);
      const [leader] = [...backing].find(([, n]) => n >= Math.floor(size / 2) + 1) ?? [];
      assert.ok(leader !== undefined, `seed ${seed}: a quorum decided for one leader`);
      assert.is(net.decisions.get(leader!)?.state, 'leading', `seed ${seed}: the leader knows it leads`);
      // Safety rests on this: a quorum elected it, each of whom it was at least as good as.
      const atLeastAsGood = ids.filter((id) => !betterVote(own.get(id)!, own.get(leader!)!));
      assert.ok(atLeastAsGood.length >= Math.floor(size / 2) + 1, `seed ${seed}: a quorum had nothing better than the leader`);
    }
  });
}

test('with no message lost and time to hear everyone, the best candidate wins', () => {
  for (let seed = 1; seed <= 100; seed++) {
    const random = rng(seed);
    const ids = [1, 2, 3, 4, 5];
    const net = makeNet(ids);
    const own = new Map(ids.map((id) => [id, { leader: id, epoch: 1 + Math.floor(random() * 2), zxid: Math.floor(random() * 3) }]));
    for (const id of ids) emit(net, id, net.machines.get(id)!.step({ kind: 'look', epoch: own.get(id)!.epoch, zxid: own.get(id)!.zxid }));
    run(net, random, 4000, 0, 400);
    const best = [...own.values()].reduce((a, b) => (betterVote(a, b) ? a : b));
    for (const d of net.decisions.values()) assert.is(d.vote.leader, best.leader, `seed ${seed}`);
  }
});

test('a server that starts while a leader serves follows it instead of disturbing it', () => {
  const random = rng(42);
  const net = makeNet([1, 2, 3]);
  net.up.delete(3);
  emit(net, 1, net.machines.get(1)!.step({ kind: 'look', epoch: 1, zxid: 1 }));
  emit(net, 2, net.machines.get(2)!.step({ kind: 'look', epoch: 1, zxid: 5 }));
  run(net, random, 2000);
  assert.is(net.decisions.get(2)?.state, 'leading');
  assert.is(net.decisions.get(1)?.vote.leader, 2);
  net.up.add(3);
  // Server 3 has a better position, but 2 already leads a quorum: 3 joins it.
  emit(net, 3, net.machines.get(3)!.step({ kind: 'look', epoch: 1, zxid: 9 }));
  run(net, random, 2000);
  assert.is(net.decisions.get(3)?.state, 'following');
  assert.is(net.decisions.get(3)?.vote.leader, 2);
  assert.is(net.machines.get(2)!.state, 'leading', 'the leader was not disturbed');
});

test('a server does not elect itself on the word of peers that followed it in an older round', () => {
  const e = new Election(2, [1, 2, 3]);
  e.step({ kind: 'look', epoch: 0, zxid: 0 });
  e.step({ kind: 'look', epoch: 0, zxid: 0 }); // its leadership failed: round 2
  const stale = e.step({ kind: 'notification', n: { from: 3, round: 1, state: 'following', vote: { leader: 2, epoch: 0, zxid: 0 } } });
  assert.not.ok(stale.some((o) => o.kind === 'decided'), 'a follower of round 1 is no quorum for round 2');
  const fresh = e.step({ kind: 'notification', n: { from: 3, round: 2, state: 'following', vote: { leader: 2, epoch: 0, zxid: 0 } } });
  assert.ok(fresh.some((o) => o.kind === 'decided' && o.state === 'leading'));
});

test('a restarted server starts from a round its previous life never used', () => {
  const e = new Election(5, [1, 2, 3, 4, 5]);
  e.step({ kind: 'look', epoch: 1, zxid: 80, now: 3000 });
  assert.is(e.round, 3000);
  // Its old followers still repeat round 1: that is no quorum for the new life.
  for (const from of [1, 3, 4]) {
    const out = e.step({ kind: 'notification', n: { from, round: 1, state: 'following', vote: { leader: 5, epoch: 0, zxid: 0 } } });
    assert.not.ok(out.some((o) => o.kind === 'decided'));
  }
});

test('without a quorum nobody decides', () => {
  const random = rng(7);
  const net = makeNet([1, 2, 3, 4, 5]);
  for (const id of [3, 4, 5]) net.up.delete(id);
  for (const id of [1, 2]) emit(net, id, net.machines.get(id)!.step({ kind: 'look', epoch: 1, zxid: id }));
  run(net, random, 3000, 0);
  assert.is(net.decisions.size, 0);
});

test('a server that loses its leader and looks again joins the next election round', () => {
  const random = rng(3);
  const net = makeNet([1, 2, 3]);
  for (const id of [1, 2, 3]) emit(net, id, net.machines.get(id)!.step({ kind: 'look', epoch: 1, zxid: id }));
  run(net, random, 3000);
  assert.is(net.decisions.get(1)?.vote.leader, 3);
  net.up.delete(3);
  // A crash: what server 3 had sent and not yet delivered is gone with it.
  net.inflight = net.inflight.filter((m) => m.n.from !== 3);
  net.decisions.clear();
  for (const id of [1, 2]) emit(net, id, net.machines.get(id)!.step({ kind: 'look', epoch: 2, zxid: 10 + id }));
  run(net, random, 3000);
  assert.is(net.decisions.get(1)?.vote.leader, 2);
  assert.is(net.decisions.get(2)?.state, 'leading');
});

test.run();
