// ZooKeeper's four-letter words, as a voting server or a session actor answers them, in
// ZooKeeper's layout so that scripts written for zk's srvr/mntr read them.

import os from 'node:os';
import type { SessionActor } from '../actors/session/session-actor.js';
import type { VotingServer } from '../actors/server/voting-server.js';
import { formatZxid, transactionsBehind } from '../storage/zxid.js';

export const ADMIN_COMMANDS = ['ruok', 'srvr', 'stat', 'mntr', 'cons', 'dump', 'wchs', 'envi'] as const;
export type AdminCommand = (typeof ADMIN_COMMANDS)[number];

/** One process's answer; text null: this kind of process has nothing to say to that word. */
export type AdminReply = { from: string; kind: 'server' | 'session'; text: string | null } | { from: string; kind: 'server' | 'session'; error: string };

export function environment(version: string): string {
  return [
    'Environment:',
    `zookeeper.version=natszk ${version}`,
    `host.name=${os.hostname()}`,
    `node.version=${process.version}`,
    `os.name=${os.type()}`,
    `os.arch=${os.arch()}`,
    `os.version=${os.release()}`,
    `user.name=${os.userInfo().username}`,
    `user.dir=${process.cwd()}`,
    `process.pid=${process.pid}`,
    `os.memory.free=${Math.round(os.freemem() / 2 ** 20)}MB`,
    `os.memory.total=${Math.round(os.totalmem() / 2 ** 20)}MB`,
  ].join('\n');
}

function averageMs(timed: { readonly count: number; readonly seconds: number }): number {
  return timed.count === 0 ? 0 : Number(((1000 * timed.seconds) / timed.count).toFixed(3));
}

export function serverWords(server: VotingServer, version: string): Partial<Record<AdminCommand, () => string>> {
  const mode = () => {
    const role = server.status().role;
    return role === 'looking' ? 'looking (not currently serving)' : role;
  };
  const srvr = () => {
    const s = server.status();
    return [
      `Zookeeper version: natszk ${version}`,
      `Zxid: ${formatZxid(s.lastCommittedZxid)}`,
      `Epoch: ${s.epoch}`,
      `Mode: ${mode()}`,
      `Node count: ${s.nodeCount}`,
      `Sessions: ${s.sessions}`,
    ].join('\n');
  };
  return {
    ruok: () => 'imok',
    srvr,
    stat: srvr,
    mntr: () => {
      const s = server.status();
      const rows: [string, string | number][] = [
        ['zk_version', `natszk ${version}`],
        ['zk_server_state', s.role],
        ['zk_znode_count', s.nodeCount ?? 0],
        ['zk_ephemerals_count', [...server.tree.sessions.keys()].reduce((n, id) => n + server.tree.ephemeralsOf(id).length, 0)],
        ['zk_global_sessions', s.sessions ?? 0],
        ['zk_last_committed_zxid', formatZxid(s.lastCommittedZxid)],
        ['zk_last_logged_zxid', formatZxid(s.lastLoggedZxid)],
        ['zk_epoch', s.epoch],
        ['zk_committed_since_start', server.committedCount],
        ['zk_snapshot_bytes', server.store.latestSnapshot()?.bytes ?? 0],
        // ZooKeeper's summaries of the same names, in ms since the process started.
        ['zk_avg_fsynctime', averageMs(server.store.logFlushes)],
        ['zk_cnt_fsynctime', server.store.logFlushes.count],
        ['zk_avg_quorum_ack_latency', averageMs(server.quorumAcks)],
        ['zk_cnt_quorum_ack_latency', server.quorumAcks.count],
      ];
      if (s.followers) {
        const followers = Object.values(s.followers);
        rows.push(['zk_followers', followers.length], ['zk_synced_followers', followers.filter((z) => z === s.lastLoggedZxid).length]);
        for (const [id, z] of Object.entries(s.followers)) rows.push([`zk_follower_${id}_lag`, transactionsBehind(s.lastLoggedZxid, z)]);
      }
      return rows.map(([k, v]) => `${k}\t${v}`).join('\n');
    },
    dump: () => {
      const tree = server.tree;
      const withEphemerals = [...tree.sessions.keys()].filter((id) => tree.ephemeralsOf(id).length > 0);
      return [
        'SessionTracker dump:',
        `Global Sessions(${tree.sessions.size}):`,
        ...[...tree.sessions].map(([id, s]) => `0x${id.toString(16)}\t${s.timeoutMs}ms`),
        'ephemeral nodes dump:',
        `Sessions with Ephemerals (${withEphemerals.length}):`,
        ...withEphemerals.flatMap((id) => [`0x${id.toString(16)}:`, ...tree.ephemeralsOf(id).map((p) => `\t${p}`)]),
      ].join('\n');
    },
    envi: () => environment(version),
  };
}

export interface LatencyStats { min: number; avg: number; max: number; count: number }

/** Request latency as ZooKeeper's srvr shows it (min/avg/max ms), kept as each request is served. */
export function latencyRecorder(): { latency: LatencyStats; record: (seconds: number) => void } {
  const latency: LatencyStats = { min: 0, avg: 0, max: 0, count: 0 };
  return {
    latency,
    record: (seconds) => {
      const ms = seconds * 1000;
      latency.min = latency.count === 0 ? ms : Math.min(latency.min, ms);
      latency.max = Math.max(latency.max, ms);
      latency.avg += (ms - latency.avg) / ++latency.count;
    },
  };
}

export function sessionWords(actor: SessionActor, latency: () => LatencyStats, version: string): Partial<Record<AdminCommand, () => string>> {
  const srvr = () => {
    const s = actor.stats();
    const l = latency();
    const conns = actor.connections();
    return [
      `Zookeeper version: natszk ${version} (session actor ${actor.actorId})`,
      `Latency min/avg/max: ${l.min.toFixed(1)}/${l.avg.toFixed(1)}/${l.max.toFixed(1)}`,
      `Received: ${conns.reduce((n, c) => n + c.received, 0)}`,
      `Sent: ${conns.reduce((n, c) => n + c.sent, 0)}`,
      `Connections: ${s.sessions}`,
      `Outstanding: ${s.outstanding}`,
      `Zxid: ${formatZxid(s.lastApplied)}`,
      'Mode: session',
    ].join('\n');
  };
  const cons = () => actor.connections()
    .map((c) => ` 0x${c.sessionId.toString(16)}[${actor.actorId}](queued=${c.queued},recved=${c.received},sent=${c.sent},sid=0x${c.sessionId.toString(16)},to=${c.timeoutMs},lheard=${c.lastHeard})`)
    .join('\n');
  return {
    ruok: () => 'imok',
    srvr,
    stat: () => `${srvr()}\nClients:\n${cons()}`,
    cons,
    mntr: () => {
      const s = actor.stats();
      const l = latency();
      return [
        ['zk_version', `natszk ${version}`], ['zk_server_state', 'session'], ['zk_avg_latency', l.avg.toFixed(3)],
        ['zk_max_latency', l.max.toFixed(3)], ['zk_min_latency', l.min.toFixed(3)], ['zk_num_alive_connections', s.sessions],
        ['zk_outstanding_requests', s.outstanding], ['zk_watch_count', s.watches.watches], ['zk_replica_zxid', formatZxid(s.lastApplied)],
      ].map(([k, v]) => `${k}\t${v}`).join('\n');
    },
    wchs: () => {
      const w = actor.stats().watches;
      return `${w.sessions} connections watching ${w.paths} paths\nTotal watches:${w.watches}`;
    },
    envi: () => environment(version),
  };
}
