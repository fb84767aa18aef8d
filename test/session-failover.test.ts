// Sessions outlive their session actor: kill -9 of the actor holding them, and every client
// resumes on the other actor within its timeout, with its ephemeral node and its watch;
// each watch fires exactly once per change. A client that goes silent loses its session,
// and is told so when it comes back.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CreateMode, type Client, type SessionState } from '../client/index.js';
import { decode, encode } from '../transport/codec.js';
import { NatsBus } from '../transport/nats-bus.js';
import { Subjects } from '../transport/subjects.js';
import { Cluster } from './harness/processes.js';
import { until } from './harness/wait.js';

const SESSIONS = 100;

test(`kill -9 of a session actor: its sessions resume on the other, ephemerals and watches intact`, async () => {
  const cluster = await Cluster.start({ servers: 3, sessions: 2, tick: 500 });
  try {
    const admin = await cluster.client({ sessionless: true });
    await admin.create('/eph');
    await admin.create('/w');
    const clients: Client[] = [];
    const fired = new Map<number, string[]>();
    const states = new Map<number, SessionState[]>();
    for (let i = 0; i < SESSIONS; i++) {
      const zk = await cluster.client({ sessionTimeout: 6000 });
      clients.push(zk);
      states.set(i, []);
      zk.on('state', (s: SessionState) => states.get(i)!.push(s));
      await admin.create(`/w/n${i}`, 'v0');
      await zk.create(`/eph/c${i}`, '', { mode: CreateMode.EPHEMERAL });
      fired.set(i, []);
      // A persistent watch, so a second event would show if one change were announced twice.
      await zk.addWatch(`/w/n${i}`, (e) => fired.get(i)!.push(`${e.type}@${e.zxid}`), 'persistent');
    }
    const byActor = new Map<string, number[]>();
    clients.forEach((c, i) => byActor.set(c.actor!, [...(byActor.get(c.actor!) ?? []), i]));
    assert.is(byActor.size, 2, 'sessions are spread over both actors');
    const [victimId, moved] = [...byActor].sort((a, b) => b[1].length - a[1].length)[0]!;
    const victim = cluster.sessions.find((p) => p.output.includes(victimId))!;
    await victim.kill('SIGKILL');

    // Half the changes while the moved sessions are still away, half after they are back.
    const zxids: number[] = [];
    for (let i = 0; i < SESSIONS; i += 2) zxids[i] = (await admin.setData(`/w/n${i}`, 'v1')).mzxid;
    await Promise.all(moved.map((i) => clients[i]!.exists('/').catch(() => undefined)));
    await until('every moved session connected again', () => moved.every((i) => clients[i]!.sessionState === 'connected' && clients[i]!.actor !== victimId), 20_000);
    for (let i = 1; i < SESSIONS; i += 2) zxids[i] = (await admin.setData(`/w/n${i}`, 'v1')).mzxid;

    await until('every watch fired', () => [...fired.values()].every((f) => f.length >= 1), 20_000);
    // Past the session timeout: nothing expired meanwhile, no event came twice.
    await new Promise((r) => setTimeout(r, 6500));
    for (let i = 0; i < SESSIONS; i++) {
      assert.equal(fired.get(i), [`NodeDataChanged@${zxids[i]}`], `session ${i}: its watch fired exactly once`);
      assert.not.ok(states.get(i)!.includes('expired'), `session ${i} never expired`);
    }
    for (const i of moved) assert.equal(states.get(i), ['disconnected', 'connected'], `session ${i} moved`);
    assert.is((await admin.getChildren('/eph')).length, SESSIONS, 'no ephemeral node was lost');
    for (const c of clients) await c.close();
    assert.is((await admin.getChildren('/eph')).length, 0, 'closing the sessions removes them');
    await admin.close();
  } finally {
    await cluster.stop();
  }
});

test('a client that goes silent past its timeout is expired: ephemerals go, watchers are told, it hears "expired"', async () => {
  const cluster = await Cluster.start({ servers: 1, sessions: 1, tick: 250 });
  try {
    const watcher = await cluster.client();
    const owner = await cluster.client({ sessionTimeout: 1000 });
    const states: SessionState[] = [];
    owner.on('state', (s: SessionState) => states.push(s));
    await owner.create('/gone', '', { mode: CreateMode.EPHEMERAL });
    let toldAt = 0;
    await watcher.exists('/gone', { watch: (e) => { if (e.type === 'NodeDeleted') toldAt = Date.now(); } });
    // Silence: the owner's process is paused as a whole (no pings, no requests).
    const silentSince = Date.now();
    const pause = Date.now() + 2500;
    while (Date.now() < pause) { /* the event loop stands still, as in a long GC pause */ }
    await until('the watcher told', () => toldAt > 0, 5000);
    assert.ok(toldAt - silentSince <= 1000 + 250 + 2500, 'within timeout + tick of the silence (the pause delays our own clock reading)');
    await until('the owner told it expired', () => states.includes('expired'), 5000);
    assert.is(owner.sessionState, 'expired');
    assert.is(await watcher.exists('/gone'), null);
    await watcher.close();
    await owner.close();
  } finally {
    await cluster.stop();
  }
});

test('a session lives on one actor at a time: once resumed elsewhere, the old actor answers SESSIONMOVED', async () => {
  const cluster = await Cluster.start({ servers: 1, sessions: 2, tick: 250 });
  const bus = await NatsBus.connect({ servers: cluster.url });
  try {
    const subjects = new Subjects(cluster.ensemble);
    const ask = async (subject: string, body: object) => decode(await bus.request(subject, encode(body), 5000)) as Record<string, unknown>;
    const open = await ask(subjects.sessionOpen, { timeout: 2000 });
    const [session, secret] = [open.sessionId as number, open.secret as string];
    let moved: Record<string, unknown> = open;
    // The queue group picks at random, and the second actor may still be starting on a loaded
    // machine: ask until the other one answers, not a fixed number of times in a row.
    for (const deadline = Date.now() + 20_000; moved.actor === open.actor && Date.now() < deadline;) {
      moved = await ask(subjects.sessionOpen, { timeout: 2000, resume: { session, secret, lastZxid: open.zxid } });
      if (moved.actor === open.actor) await new Promise((r) => setTimeout(r, 50));
    }
    assert.is.not(moved.actor, open.actor, 'the queue group gave the resume to the other actor');
    await new Promise((r) => setTimeout(r, 100));
    const stale = await ask(subjects.sessionActor(open.actor as string), { op: 'getData', path: '/', session, secret });
    assert.is(stale.error, 'SESSIONMOVED');
    const fresh = await ask(subjects.sessionActor(moved.actor as string), { op: 'getData', path: '/', session, secret });
    assert.ok(fresh.stat, 'the new actor serves it');
    const forged = await ask(subjects.sessionOpen, { resume: { session, secret: 'not-the-secret', lastZxid: 0 } });
    assert.is(forged.error, 'SESSIONEXPIRED', 'only the holder of the secret can resume it');
  } finally {
    await bus.close();
    await cluster.stop();
  }
});

test.run();
