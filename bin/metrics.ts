// The Prometheus metrics of a voting server and of a session actor. Gauges read the actor
// when scraped; counters and histograms are fed as things happen.

import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { SessionActor } from '../actors/session/session-actor.js';
import type { VotingServer } from '../actors/server/voting-server.js';
import { transactionsBehind } from '../storage/zxid.js';

export function serverMetrics(server: VotingServer): (registry: Registry) => void {
  return (registry) => {
    const gauge = (name: string, help: string, read: () => number) =>
      new Gauge({ name, help, registers: [registry], collect() { this.set(read()); } });
    new Gauge({
      name: 'natszk_server_role', help: '1 for the role this voting server has now (leader, follower, looking)', labelNames: ['role'], registers: [registry],
      collect() {
        const role = server.status().role;
        for (const r of ['leader', 'follower', 'looking']) this.set({ role: r }, r === role ? 1 : 0);
      },
    });
    gauge('natszk_epoch', 'current epoch', () => server.status().epoch);
    gauge('natszk_last_committed_zxid', 'zxid of the last transaction committed here', () => server.status().lastCommittedZxid);
    gauge('natszk_last_logged_zxid', 'zxid of the last transaction logged here', () => server.status().lastLoggedZxid);
    gauge('natszk_znodes', 'znodes in the tree', () => server.tree.nodeCount);
    gauge('natszk_global_sessions', 'sessions the ensemble knows', () => server.tree.sessions.size);
    gauge('natszk_snapshot_bytes', 'size of the newest snapshot', () => server.store.latestSnapshot()?.bytes ?? 0);
    // Counters of what the server counts itself: each scrape adds what it counted since the last.
    const counter = (name: string, help: string, read: () => number) => {
      let reported = 0;
      new Counter({ name, help, registers: [registry], collect() { const now = read(); this.inc(now - reported); reported = now; } });
    };
    counter('natszk_commits_total', 'transactions committed here (rate() of it is the commit rate)', () => server.committedCount);
    // ZooKeeper's fsynctime, as two counters: rate(seconds) / rate(flushes) is the disk's time per flush.
    counter('natszk_log_flushes_total', 'durable commits of the transaction log (each waits for the disk; one carries every append of a turn)', () => server.store.logFlushes.count);
    counter('natszk_log_flush_seconds_total', 'time spent in durable commits of the transaction log', () => server.store.logFlushes.seconds);
    // ZooKeeper's quorum_ack_latency, the same way: on the leader, from a proposal's sending to a quorum's logs holding it.
    counter('natszk_quorum_acks_total', 'proposals sent by this server as leader that a quorum has logged', () => server.quorumAcks.count);
    counter('natszk_quorum_ack_seconds_total', 'time from sending a proposal to a quorum having logged it, summed', () => server.quorumAcks.seconds);
    new Gauge({
      name: 'natszk_follower_lag_transactions', help: 'on the leader: transactions each follower has not yet acknowledged', labelNames: ['follower'], registers: [registry],
      collect() {
        this.reset();
        const s = server.status();
        for (const [id, acked] of Object.entries(s.followers ?? {})) {
          this.set({ follower: id }, transactionsBehind(s.lastLoggedZxid, acked));
        }
      },
    });
  };
}

/** The session actor's metrics, and the hook its requests report their latency to. */
export function sessionMetrics(): { register: (actor: SessionActor) => (registry: Registry) => void; onServed: (op: string, seconds: number) => void } {
  let histogram: Histogram<'op'> | undefined;
  return {
    onServed: (op, seconds) => histogram?.observe({ op }, seconds),
    register: (actor) => (registry) => {
      histogram = new Histogram({
        name: 'natszk_request_duration_seconds', help: 'time from a request\'s arrival at the session actor to its reply, by op', labelNames: ['op'], registers: [registry],
        buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
      });
      const gauge = (name: string, help: string, read: () => number) =>
        new Gauge({ name, help, registers: [registry], collect() { this.set(read()); } });
      gauge('natszk_sessions', 'sessions held by this actor', () => actor.stats().sessions);
      gauge('natszk_outstanding_requests', 'requests received and not yet answered', () => actor.stats().outstanding);
      gauge('natszk_watches', 'watches held by this actor\'s sessions', () => actor.stats().watches.watches);
      gauge('natszk_replica_zxid', 'last transaction applied to this actor\'s replica', () => actor.stats().lastApplied);
    },
  };
}
