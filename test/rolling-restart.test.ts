// A rolling restart under load, as an operator does one: every voting server, then every
// session actor, stopped with SIGTERM (a leader hands over, a session actor moves its
// sessions) and started again, one at a time. No request fails beyond its retries, no write
// is lost, no session expires.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ZkError, type Client } from '../client/index.js';
import { Cluster } from './harness/processes.js';

const RETRYABLE = new Set(['CONNECTIONLOSS', 'SESSIONMOVED', 'OPERATIONTIMEOUT']);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('rolling restart of 3 voting servers and 2 session actors under load', async () => {
  const cluster = await Cluster.start({ servers: 3, sessions: 2 });
  try {
    const clients: Client[] = [];
    for (let i = 0; i < 6; i++) clients.push(await cluster.client({ sessionTimeout: 4000 }));
    const expired: number[] = [];
    const t0 = Date.now();
    const phases: string[] = [];
    const mark = (what: string) => phases.push(`${Date.now() - t0} ms ${what}`);
    clients.forEach((c, i) => c.on('state', (s) => {
      mark(`client ${i} (session 0x${c.sessionId?.toString(16)} on ${c.actor}) ${s}`);
      if (s === 'expired') expired.push(i);
    }));
    await clients[0]!.create('/rr');
    for (const [i, c] of clients.entries()) await c.create(`/rr/member-${i}`, '', { mode: 'ephemeral' });

    const acked: string[] = [];
    const failures: string[] = [];
    let retries = 0;
    /** when the first write of each epoch was acknowledged */
    const epochStarts = new Map<number, number>();
    let stop = false;
    const latencies: number[] = [];
    const load = clients.map(async (zk, i) => {
      for (let n = 0; !stop && failures.length === 0; n++) {
        const path = `/rr/c${i}-${n}`;
        const started = performance.now();
        for (let attempt = 0; ; attempt++) {
          try {
            const { stat } = await zk.create2(path, 'x', { timeout: 3000 });
            const epoch = Math.floor(stat.czxid / 2 ** 32);
            if (!epochStarts.has(epoch)) epochStarts.set(epoch, Date.now());
            break;
          } catch (err) {
            const code = (err as ZkError).codeName;
            if (code === 'NODEEXISTS' && attempt > 0) break; // an earlier attempt took effect
            if (!RETRYABLE.has(code) || attempt >= 30) {
              failures.push(`${path}: ${(err as Error).message} after ${attempt} retries`);
              mark(`failure: ${path} ${(err as Error).message}`);
              return;
            }
            retries++;
            await sleep(50);
          }
        }
        latencies.push(performance.now() - started);
        acked.push(path);
        if (n % 5 === 0) await zk.getData(`/rr/member-${i}`).catch((err) => failures.push(`read: ${(err as Error).message}`));
      }
    });

    await sleep(1000);
    const handovers: number[] = [];
    for (let id = 1; id <= 3; id++) {
      const leader = (await cluster.statuses()).find((s) => s.role === 'leader');
      const stoppedAt = Date.now();
      mark(`SIGTERM server ${id}${leader?.serverId === id ? ' (leader)' : ''}`);
      await cluster.servers[id - 1]!.stop(); // SIGTERM
      if (leader?.serverId === id) {
        // The hand-over: from SIGTERM to the first write committed in the next epoch.
        while (![...epochStarts.keys()].some((e) => e > leader.epoch)) await sleep(5);
        handovers.push(Math.max(...[...epochStarts].filter(([e]) => e > leader.epoch).map(([, t]) => t)) - stoppedAt);
      }
      cluster.servers[id - 1] = cluster.spawnServer(id);
      const { lastCommittedZxid } = (await cluster.statuses()).find((s) => s.role === 'leader') ?? { lastCommittedZxid: 0 };
      await cluster.caughtUp(id, lastCommittedZxid).catch(async () => {
        // It may have become the leader itself; then it is caught up by definition.
        assert.is(await cluster.leader(), id);
      });
    }
    for (let i = 0; i < cluster.sessions.length; i++) {
      mark(`SIGTERM session actor ${i}`);
      await cluster.sessions[i]!.stop(); // SIGTERM: its sessions move first
      mark(`session actor ${i} exited`);
      cluster.sessions[i] = cluster.spawnSession(i);
      await sleep(1500);
    }
    await sleep(1000);
    stop = true;
    await Promise.all(load);

    assert.equal(failures, [], `no request failed beyond its retries:\n${phases.join('\n')}\n${cluster.logs()}`);
    assert.equal(expired, [], 'no session expired');
    const reader = await cluster.client({ sessionless: true });
    await reader.sync('/');
    const present = new Set((await reader.getChildren('/rr')).map((c) => `/rr/${c}`));
    const lost = acked.filter((p) => !present.has(p));
    assert.equal(lost, [], 'every acknowledged write is there');
    for (let i = 0; i < clients.length; i++) assert.ok(present.has(`/rr/member-${i}`), `member ${i}'s ephemeral node survived`);
    await reader.close();
    for (const c of clients) await c.close();
    latencies.sort((a, b) => a - b);
    console.log(`rolling restart: ${acked.length} writes, ${retries} retries, 0 failed; leader hand-over (SIGTERM to the first write of the next epoch) ${handovers.join(', ')} ms; write latency p50 ${latencies[Math.floor(latencies.length / 2)]!.toFixed(1)} ms, p99 ${latencies[Math.floor(latencies.length * 0.99)]!.toFixed(1)} ms, max ${latencies.at(-1)!.toFixed(0)} ms`);
    assert.ok(handovers.length >= 1 && handovers.every((h) => h < 3000), `the leader handed over in ${handovers} ms`);
  } finally {
    await cluster.stop();
  }
});

test.run();
