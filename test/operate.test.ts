// What an operator sees: the four-letter words over NATS (`natszk admin`), every process in
// the NATS services API, Prometheus metrics, and JSON logs.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Client } from '../client/index.js';
import { decode, encode } from '../transport/codec.js';
import { NatsBus } from '../transport/nats-bus.js';
import { Cluster, runCli } from './harness/processes.js';

let cluster: Cluster;
let zk: Client;
const admin = (...args: string[]) => runCli(['admin', ...args, '--nats', cluster.url, '--ensemble', cluster.ensemble]);

test.before(async () => {
  cluster = await Cluster.start({ servers: 3, sessions: 2, metrics: true, sessionArgs: ['--log-format', 'json'] });
  zk = await cluster.client();
  await zk.create('/ops', 'x');
  await zk.create('/ops/me', '', { mode: 'ephemeral' });
  await zk.getData('/ops', { watch: () => undefined });
  // Every process in, not only a quorum: these tests count the answers of all five.
  await cluster.settled();
  for (const p of [...cluster.servers, ...cluster.sessions]) await cluster.metricsPort(p.name);
});

test.after(async () => {
  await zk?.close();
  await cluster?.stop();
});

test('admin ruok: every voting server and session actor says imok', async () => {
  const r = await admin('ruok');
  assert.is(r.code, 0, r.stderr);
  assert.is((r.stdout.match(/^imok$/gm) ?? []).length, 5, r.stdout);
  assert.is((r.stdout.match(/^--- server \d$/gm) ?? []).length, 3);
  assert.is((r.stdout.match(/^--- session actor [0-9a-f]+$/gm) ?? []).length, 2);
});

test('admin srvr and mntr: one leader, two followers, the leader\'s view of its followers', async () => {
  const srvr = (await admin('srvr')).stdout;
  assert.is((srvr.match(/^Mode: leader$/gm) ?? []).length, 1, srvr);
  assert.is((srvr.match(/^Mode: follower$/gm) ?? []).length, 2, srvr);
  assert.is((srvr.match(/^Mode: session$/gm) ?? []).length, 2, srvr);
  assert.match(srvr, /^Zxid: 0x[0-9a-f]+$/m);
  const mntr = (await admin('mntr')).stdout;
  assert.match(mntr, /^zk_server_state\tleader$/m);
  assert.match(mntr, /^zk_followers\t2$/m);
  assert.match(mntr, /^zk_follower_\d_lag\t\d+$/m);
  assert.match(mntr, /^zk_ephemerals_count\t1$/m);
  // Every server flushed its log; a server times proposals to a quorum only while it leads.
  assert.is((mntr.match(/^zk_cnt_fsynctime\t[1-9]\d*$/gm) ?? []).length, 3, mntr);
  assert.is((mntr.match(/^zk_avg_fsynctime\t\d+(\.\d+)?$/gm) ?? []).length, 3, mntr);
  const leaderSection = /^--- server \d\n(?:(?!---).*\n)*?zk_server_state\tleader\n(?:(?!---).*\n?)*/m.exec(mntr)?.[0] ?? '';
  assert.match(leaderSection, /^zk_cnt_quorum_ack_latency\t[1-9]\d*$/m);
  assert.match(leaderSection, /^zk_avg_quorum_ack_latency\t(?!0$)\d+(\.\d+)?$/m);
  assert.match(mntr, /^zk_watch_count\t1$/m);
});

test('admin cons, wchs and dump show the client\'s session, its watch and its ephemeral node', async () => {
  const session = `0x${zk.sessionId!.toString(16)}`;
  assert.match((await admin('cons')).stdout, new RegExp(` ${session}\\[${zk.actor}\\]\\(queued=0,recved=\\d+`));
  assert.match((await admin('wchs')).stdout, /1 connections watching 1 paths\nTotal watches:1/);
  const dump = (await admin('dump')).stdout;
  assert.match(dump, new RegExp(`Sessions with Ephemerals \\(1\\):\\n${session}:\\n\\t/ops/me`));
  assert.match((await admin('envi')).stdout, /^zookeeper\.version=natszk /m);
  const bad = await admin('boom');
  assert.is(bad.code, 2);
  assert.match(bad.stderr, /one of ruok, srvr/);
});

test('every process is in the NATS services API: $SRV.PING, INFO and STATS', async () => {
  const bus = await NatsBus.connect({ servers: cluster.url });
  try {
    const pings = (await bus.gather('$SRV.PING', new Uint8Array(), 500)).map((d) => JSON.parse(new TextDecoder().decode(d)) as { name: string; metadata: Record<string, string> });
    assert.equal(pings.map((p) => p.name).sort(), ['natszk-server', 'natszk-server', 'natszk-server', 'natszk-session', 'natszk-session']);
    assert.ok(pings.every((p) => p.metadata.ensemble === cluster.ensemble));
    const infos = (await bus.gather('$SRV.INFO.natszk-session', new Uint8Array(), 500)).map((d) => JSON.parse(new TextDecoder().decode(d)) as { endpoints: { name: string; subject: string }[] });
    assert.is(infos.length, 2);
    assert.equal(infos[0]!.endpoints.map((e) => [e.name, e.subject]), [['admin', `natszk.${cluster.ensemble}.admin`]]);
    const stats = (await bus.gather('$SRV.STATS.natszk-server', new Uint8Array(), 500)).map((d) => JSON.parse(new TextDecoder().decode(d)) as { endpoints: { data: { role: string } }[] });
    assert.equal(stats.map((s) => s.endpoints[0]!.data.role).sort(), ['follower', 'follower', 'leader']);
    // The admin endpoint answers a bad request with an error, not silence.
    const bad = (await bus.gather(`natszk.${cluster.ensemble}.admin`, encode({ cmd: 42 }), 300)).map((d) => decode(d) as { error?: string });
    assert.is(bad.length, 5);
    assert.ok(bad.every((b) => /unknown command/.test(b.error ?? '')));
  } finally {
    await bus.close();
  }
});

test('Prometheus metrics: the leader\'s role, commits, flushes, quorum acks and follower lag; a session actor\'s latency histogram', async () => {
  const leader = await cluster.leader();
  const sessionProc = zk.actor === undefined ? 'session-0' : await sessionProcOf(zk.actor);
  const before = { server: await cluster.scrapeMetrics(`server-${leader}`), session: await cluster.scrapeMetrics(sessionProc) };
  for (let i = 0; i < 20; i++) await zk.create(`/ops/m${i}`);
  const server = await cluster.scrapeMetrics(`server-${leader}`);
  const session = await cluster.scrapeMetrics(sessionProc);
  const added = (name: string, labels = '') => {
    const pattern = new RegExp(`^${name}\\{[^}]*${labels}[^}]*\\} ([\\d.e+-]+)$`, 'm');
    return Number(pattern.exec(server + '\n' + session)?.[1]) - Number(pattern.exec(before.server + '\n' + before.session)?.[1] ?? 0);
  };
  assert.match(server, /^natszk_server_role\{[^}]*role="leader"[^}]*\} 1$/m);
  assert.match(server, /^natszk_follower_lag_transactions\{[^}]*follower="\d"[^}]*\} \d+$/m);
  assert.ok(added('natszk_commits_total') >= 20, `${added('natszk_commits_total')} commits`);
  // One create after another: each waited for its own flush of the leader's log, and for its own quorum.
  const flushes = added('natszk_log_flushes_total');
  const flushSeconds = added('natszk_log_flush_seconds_total');
  assert.ok(flushes >= 20, `${flushes} log flushes`);
  assert.ok(flushSeconds > 0 && flushSeconds / flushes < 1, `${flushSeconds} s over ${flushes} flushes`);
  const quorumAcks = added('natszk_quorum_acks_total');
  const quorumSeconds = added('natszk_quorum_ack_seconds_total');
  const creates = added('natszk_request_duration_seconds_count', 'op="create"');
  const createSeconds = added('natszk_request_duration_seconds_sum', 'op="create"');
  assert.ok(quorumAcks >= 20, `${quorumAcks} proposals acked by a quorum`);
  assert.ok(creates >= 20, `${creates} creates timed`);
  // A create's time at the session actor holds its proposal's way to a quorum, and more.
  assert.ok(quorumSeconds > 0 && quorumSeconds / quorumAcks < createSeconds / creates,
    `quorum ack ${((1000 * quorumSeconds) / quorumAcks).toFixed(2)} ms on average, a create ${((1000 * createSeconds) / creates).toFixed(2)} ms`);
  assert.match(session, /^natszk_sessions\{[^}]*\} [1-9]/m);
  assert.is((await fetch(`http://127.0.0.1:${await cluster.metricsPort('server-1')}/other`)).status, 404);
});

/** Which session-N process runs the actor with this id (its start-up log names it). */
async function sessionProcOf(actorId: string): Promise<string> {
  const i = cluster.sessions.findIndex((p) => p.output.includes(actorId));
  assert.ok(i >= 0, `no session process logged ${actorId}`);
  return `session-${i}`;
}

test('--log-format json: one JSON object per line', async () => {
  const lines = cluster.sessions[0]!.output.trim().split('\n');
  assert.ok(lines.length > 0);
  for (const line of lines) {
    const entry = JSON.parse(line) as { time: string; level: string; actor: string; msg: string };
    assert.ok(!Number.isNaN(Date.parse(entry.time)) && entry.actor === 'session' && typeof entry.msg === 'string', line);
  }
});

test.run();
