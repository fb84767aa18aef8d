// Scripted simulator runs, one for each way ZooKeeper lost or corrupted data around
// synchronization (../shared/ZAB-PITFALLS.md). Each crashes or cuts servers at the protocol
// step where ZooKeeper went wrong, then lets the ensemble recover; the simulator's own checks
// (one leader per epoch, one transaction per zxid, acks in log order, no hole in a log, the
// same tree everywhere, every acknowledged write kept) decide whether natszk held.
// Seeds change the timing; `exercised` says whether a run reached the step at all.

import type { Scenario, SimContext } from './ensemble.js';

export interface ScenarioSpec {
  jira: string;
  what: string;
  make(): Scenario;
}

/** The first running server that is not the leader. */
function aFollower(ctx: SimContext): number | undefined {
  const leader = ctx.leader();
  for (let id = 1; id <= ctx.servers; id++) if (id !== leader && ctx.running(id)) return id;
  return undefined;
}

const leaderOf = (subject: string) => Number(subject.slice(subject.lastIndexOf('.') + 1));

export const SCENARIOS: ScenarioSpec[] = [
  {
    jira: 'ZOOKEEPER-3911, -4646, -4785',
    what: 'a rejoining follower crashes the moment it acknowledges NEWLEADER, and its leader right after',
    make() {
      let follower: number | undefined;
      let fired = false;
      return {
        name: 'crash at ACKNEWLEADER',
        exercised: () => fired,
        play(ctx) {
          ctx.sched.at(700, () => {
            follower = aFollower(ctx);
            if (follower === undefined) return;
            ctx.log(`s${follower} goes down while writes go on`);
            ctx.crash(follower);
            ctx.sched.after(400, () => ctx.start(follower!));
          });
          ctx.onPeerMessage((from, msg, subject) => {
            if (fired || from !== follower || msg.type !== 'ackNewLeader') return;
            fired = true;
            const leader = leaderOf(subject);
            ctx.log(`s${from} acknowledged NEWLEADER of s${leader}: both crash`);
            ctx.crash(from);
            ctx.sched.after(1, () => ctx.crash(leader));
            ctx.sched.after(300, () => { ctx.start(from); ctx.start(leader); });
          });
        },
      };
    },
  },
  {
    jira: 'ZOOKEEPER-4643, -1282',
    what: 'a follower crashes the moment the new epoch it synced to is durable, and the leader it synced from right after',
    make() {
      let fired = false;
      let syncingFrom: number | undefined;
      return {
        name: 'crash at currentEpoch',
        exercised: () => fired,
        play(ctx) {
          ctx.sched.at(700, () => {
            const follower = aFollower(ctx);
            const leader = ctx.leader();
            if (follower === undefined || leader === undefined) return;
            const epochBefore = ctx.store(follower)!.currentEpoch;
            // Both go down, so the follower's return needs a new epoch.
            ctx.crash(follower);
            ctx.crash(leader);
            ctx.onPeerMessage((from, msg, subject) => {
              if (msg.type === 'newLeader' && leaderOf(subject) === follower) syncingFrom = from;
            });
            ctx.onFlush(follower, (disk) => {
              const epoch = disk.meta.get('currentEpoch') ?? 0;
              if (fired || epoch <= epochBefore) return;
              fired = true;
              ctx.log(`s${follower}'s currentEpoch ${epoch} is durable: it crashes, and s${syncingFrom} after it`);
              ctx.crash(follower);
              if (syncingFrom !== undefined && syncingFrom !== follower) ctx.sched.after(1, () => ctx.crash(syncingFrom!));
              ctx.sched.after(300, () => { for (let id = 1; id <= ctx.servers; id++) ctx.start(id); });
            });
            ctx.sched.after(300, () => ctx.start(follower));
            ctx.sched.after(2500, () => ctx.start(leader));
          });
        },
      };
    },
  },
  {
    jira: 'ZOOKEEPER-4394',
    what: 'proposals and commits reach a syncing follower between NEWLEADER and UPTODATE, under heavy writes',
    make() {
      let follower: number | undefined;
      let between = false;
      let interleaved = 0;
      return {
        name: 'broadcast during sync',
        writeEveryMs: 4,
        exercised: () => interleaved > 0,
        play(ctx) {
          ctx.sched.at(700, () => {
            follower = aFollower(ctx);
            if (follower === undefined) return;
            ctx.crash(follower);
            ctx.sched.after(300, () => ctx.start(follower!));
          });
          ctx.onPeerMessage((_from, msg, subject) => {
            if (follower === undefined || leaderOf(subject) !== follower) return;
            if (msg.type === 'newLeader') between = true;
            else if (msg.type === 'upToDate') between = false;
            else if (between && (msg.type === 'proposal' || msg.type === 'commit')) interleaved++;
          });
        },
      };
    },
  },
  {
    jira: 'ZOOKEEPER-1154, -2832, -1156',
    what: 'a leader cut off from its followers logs writes nobody else has, crashes, and returns to a newer epoch',
    make() {
      let oldLeader: number | undefined;
      let truncated = false;
      return {
        name: 'uncommitted tail',
        exercised: () => truncated,
        play(ctx) {
          ctx.sched.at(700, () => {
            oldLeader = ctx.leader();
            if (oldLeader === undefined) return;
            ctx.log(`s${oldLeader}'s proposals stop reaching anyone`);
            for (let id = 1; id <= ctx.servers; id++) if (id !== oldLeader) ctx.net.faults.blocked.add(`s${oldLeader}>s${id}`);
            ctx.sched.after(150, () => {
              ctx.crash(oldLeader!);
              ctx.net.faults.blocked.clear();
              ctx.sched.after(1000, () => ctx.start(oldLeader!));
            });
          });
          ctx.onPeerMessage((_from, msg, subject) => {
            // TRUNC, or a SNAP when the others' logs were purged meanwhile: either drops the tail.
            if ((msg.type === 'trunc' || msg.type === 'snap' || msg.type === 'snapChunk') && leaderOf(subject) === oldLeader) truncated = true;
          });
        },
      };
    },
  },
];
