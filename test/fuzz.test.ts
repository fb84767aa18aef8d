// Every decoder, and every subject of a live ensemble, against random and mutated input:
// a clear ZooKeeper error or a silent drop, never a crash, never a change.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { encode } from '../transport/codec.js';
import {
  decodeBody, parseClientOp, parseCommittedBatch, parseLogFetch, parsePeerMessage, parseSessionFields,
  parseSessionOpen, parseSessionRequest, parseSessionBatch, parseBatchReply, parseSnapshotChunkRequest, parseTouches, DEFAULT_LIMITS,
} from '../transport/messages.js';
import { parseWriteBatch, writeBatchForm } from '../transport/write-batch.js';
import { ZkError } from '../storage/errors.js';
import { NatsBus } from '../transport/nats-bus.js';
import { Subjects } from '../transport/subjects.js';
import { Cluster } from './harness/processes.js';
import { rng } from './sim/scheduler.js';

/** Valid-looking messages of every kind, to mutate. */
const SEEDS: unknown[] = [
  { op: 'create', path: '/a', data: 'x', mode: 1, ttl: 0 },
  { op: 'multi', ops: [{ op: 'create', path: '/m' }, { op: 'check', path: '/m', version: 0 }] },
  { op: 'setData', path: '/a', data: new Uint8Array([1, 2]), version: 3, session: 5, secret: 'abc' },
  writeBatchForm([{ sessionId: 0, op: { op: 'delete', path: '/a', version: -1 } }]),
  writeBatchForm([{ sessionId: 1, op: { op: 'multi', ops: [{ op: 'create', path: '/m', data: new Uint8Array([1]), mode: 0, ttlMs: 0, acl: [{ perms: 31, scheme: 'world', id: 'anyone' }] }, { op: 'check', path: '/m', version: 0 }] } }]),
  { prevZxid: 1, leader: 1, epoch: 1, entries: [{ zxid: 2, time: 1, sessionId: 0, txn: { type: 'delete', path: '/a' } }] },
  { type: 'proposal', epoch: 2, prevZxid: 5, committedZxid: 4, entries: [{ zxid: 6, time: 1, sessionId: 0, txn: { type: 'create', path: '/q' } }] },
  { type: 'vote', from: 1, round: 2, state: 'looking', vote: { leader: 1, epoch: 1, zxid: 9 } },
  { type: 'followerInfo', from: 2, acceptedEpoch: 1, lastZxid: 3 },
  { type: 'snapChunk', epoch: 1, zxid: 1, index: 0, total: 1, chunk: new Uint8Array([1]) },
  { afterZxid: 3, limit: 10 },
  { sessions: [1, 2, 3] },
  { op: 'create', path: '/acl', acl: [{ perms: 31, scheme: 'digest', id: 'bob:hash' }, { perms: 1, scheme: 'ip', id: '10.0.0.0/8' }] },
  { op: 'setACL', path: '/acl', acl: [{ perms: 1, scheme: 'world', id: 'anyone' }], version: 0 },
  { op: 'getACL', path: '/acl' },
  { op: 'addAuth', scheme: 'digest', auth: 'bob:pw', session: 5, secret: 'abc' },
  { resume: { session: 5, secret: 'abc', lastZxid: 3, auth: [{ scheme: 'digest', auth: 'bob:pw' }] }, timeout: 4000 },
  { session: 5, secret: 'abc', batch: [{ op: 'getData', path: '/a', watch: true }, { op: 'ping' }, { op: 'setData', path: '/a', data: 'x', version: 2 }] },
  { first: 1, replies: [{ zxid: 3, stat: { version: 1 } }, { error: 'NONODE', code: -101, message: 'NONODE: /a' }] },
  writeBatchForm([{ sessionId: 5, auth: [{ scheme: 'digest', id: 'bob:hash' }], op: { op: 'setACL', path: '/acl', acl: [{ perms: 31, scheme: 'auth', id: '' }], version: -1 } }]),
  { prevZxid: 1, leader: 1, epoch: 1, entries: [{ zxid: 2, time: 1, sessionId: 0, txn: { type: 'setACL', path: '/acl', acl: [{ perms: 1, scheme: 'world', id: 'anyone' }], aversion: 1 } }] },
];

const WEIRD: unknown[] = [null, -1, 2 ** 60, 1.5, NaN, '', 'x'.repeat(300), [], {}, [[[[[[]]]]]], new Uint8Array(3), true, { a: { b: { c: {} } } }];

function mutate(value: unknown, random: () => number, depth = 0): unknown {
  if (random() < 0.15) return WEIRD[Math.floor(random() * WEIRD.length)];
  if (Array.isArray(value)) {
    const out = value.map((v) => mutate(v, random, depth + 1));
    if (random() < 0.2) out.pop();
    if (random() < 0.1) out.push(WEIRD[Math.floor(random() * WEIRD.length)]);
    return out;
  }
  if (value && typeof value === 'object' && !(value instanceof Uint8Array)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (random() > 0.1) out[k] = mutate(v, random, depth + 1);
    return out;
  }
  return value;
}

function bytesOf(random: () => number): Uint8Array {
  const base = encode(mutate(SEEDS[Math.floor(random() * SEEDS.length)], random));
  const r = random();
  if (r < 0.2) return base.slice(0, Math.floor(random() * base.length));
  if (r < 0.35) {
    const copy = base.slice();
    for (let i = 0; i < 3 && copy.length; i++) copy[Math.floor(random() * copy.length)] = Math.floor(random() * 256);
    return copy;
  }
  if (r < 0.4) return new Uint8Array(Array.from({ length: Math.floor(random() * 64) }, () => Math.floor(random() * 256)));
  if (r < 0.45) return new Uint8Array([0xdd, 0xff, 0xff, 0xff, 0xff]); // an array claiming 4 billion items
  return base;
}

const PARSERS: [string, (body: unknown) => unknown][] = [
  ['parseClientOp', (b) => parseClientOp(b, DEFAULT_LIMITS)],
  ['parseWriteBatch', (b) => parseWriteBatch(b, DEFAULT_LIMITS)],
  ['parseCommittedBatch', parseCommittedBatch],
  ['parsePeerMessage', parsePeerMessage],
  ['parseSessionFields', parseSessionFields],
  ['parseSessionRequest', (b) => parseSessionRequest(b, DEFAULT_LIMITS)],
  ['parseSessionBatch', (b) => parseSessionBatch(b)?.map((r) => parseSessionRequest(r, DEFAULT_LIMITS))],
  ['parseBatchReply', (b) => parseBatchReply(b, 1, 4)],
  ['parseSessionOpen', parseSessionOpen],
  ['parseLogFetch', parseLogFetch],
  ['parseSnapshotChunkRequest', parseSnapshotChunkRequest],
  ['parseTouches', parseTouches],
];

/** Runs bytes through decodeBody and every parser: each must give a value or throw a ZkError. Returns the cases run. */
function throughDecoders(bytes: Uint8Array): number {
  let body: unknown;
  try {
    body = decodeBody(bytes).body;
  } catch (err) {
    assert.instance(err, ZkError, `decodeBody threw ${(err as Error).message} on ${Buffer.from(bytes).toString('hex').slice(0, 200)}`);
    return 1;
  }
  for (const [name, parse] of PARSERS) {
    try {
      parse(body);
    } catch (err) {
      if (!(err instanceof ZkError)) assert.unreachable(`${name} threw ${(err as Error).stack} on ${JSON.stringify(body)}`);
    }
  }
  return PARSERS.length;
}

test('every decoder answers 20,000 random and mutated inputs with a ZkError or a valid value', () => {
  const random = rng(20261125);
  let cases = 0;
  for (let i = 0; i < 20_000; i++) cases += throughDecoders(bytesOf(random));
  assert.ok(cases > 100_000, `${cases} cases`);
  console.log(`fuzz: ${cases} decoder cases from 20,000 msgpack inputs`);
});

/** JSON texts: the seeds, mutated, then truncated, flipped, nested deep or given huge numbers. */
function jsonOf(random: () => number): Uint8Array {
  let text = JSON.stringify(mutate(SEEDS[Math.floor(random() * SEEDS.length)], random)) ?? 'null';
  const r = random();
  if (r < 0.2) text = text.slice(0, Math.floor(random() * text.length));
  else if (r < 0.3) text = text.replace(/:/, `:${'['.repeat(5000)}`);
  else if (r < 0.4) text = text.replace(/\d+/, '1e400');
  else if (r < 0.5) text = text.replace(/"[a-z]+"/, '"\\ud800"');
  else if (r < 0.6) {
    const chars = [...text];
    for (let i = 0; i < 3 && chars.length; i++) chars[Math.floor(random() * chars.length)] = String.fromCharCode(Math.floor(random() * 128));
    text = chars.join('');
  }
  return new TextEncoder().encode(text);
}

test('every decoder answers 10,000 mutated JSON texts with a ZkError or a valid value', () => {
  const random = rng(1125);
  let cases = 0;
  for (let i = 0; i < 10_000; i++) cases += throughDecoders(jsonOf(random));
  assert.ok(cases > 20_000, `${cases} cases`);
  console.log(`fuzz: ${cases} decoder cases from 10,000 JSON texts`);
});

test('a live ensemble takes 3,000 garbage messages on every subject: no crash, no change', async () => {
  const cluster = await Cluster.start({ servers: 3 });
  const bus = await NatsBus.connect({ servers: cluster.url });
  try {
    const zk = await cluster.client({ sessionless: true });
    await zk.create('/fuzz', 'before');
    const before = JSON.stringify(await zk.getData('/fuzz'));
    const s = new Subjects(cluster.ensemble);
    const subjects = [s.api, s.sessionOpen, s.proposerWrite, s.proposerTouch, s.committed, s.logFetch, s.snapshotInfo, s.snapshotChunk(1), s.status, s.peerVotes, s.peerServer(1), s.peerServer(2), s.peerServer(3)];
    const random = rng(7);
    for (let i = 0; i < 3000; i++) bus.publish(subjects[i % subjects.length]!, bytesOf(random));
    // Requests get answers, not silence: a clear error reply on the public API.
    const reply = await bus.request(s.api, new Uint8Array([0xc1]), 5000);
    assert.ok(reply.length > 0);
    await new Promise((r) => setTimeout(r, 500));
    for (const p of [...cluster.servers, ...cluster.sessions]) assert.ok(p.alive, `${p.name} survived`);
    assert.is(JSON.stringify(await zk.getData('/fuzz')), before);
    // Well-formed but forged peer messages can cost the ensemble its leader (peer subjects
    // are for voting servers only; NATS permissions keep others out), never its data.
    await cluster.waitServing();
    for (let attempt = 0; ; attempt++) {
      try {
        await zk.setData('/fuzz', 'after');
        break;
      } catch (err) {
        if ((err as ZkError).codeName !== 'CONNECTIONLOSS' || attempt > 20) throw err;
      }
    }
    assert.is(Buffer.from((await zk.getData('/fuzz')).data).toString(), 'after', 'and it still serves writes');
    await zk.close();
  } finally {
    await bus.close();
    await cluster.stop();
  }
});

test('2,000 invalid requests to the public API, msgpack and JSON: each answered with its error code, nothing committed', async () => {
  const cluster = await Cluster.start();
  const bus = await NatsBus.connect({ servers: cluster.url });
  try {
    const s = new Subjects(cluster.ensemble);
    const before = (await cluster.statuses())[0]!.lastCommittedZxid;
    const random = rng(99);
    let sent = 0;
    let valid = 0;
    while (sent < 2000) {
      const bytes = random() < 0.5 ? bytesOf(random) : jsonOf(random);
      let expected: string;
      try {
        parseClientOp(decodeBody(bytes).body, DEFAULT_LIMITS);
        valid++; // a mutation that is still a valid request would rightly change something: not sent
        continue;
      } catch (err) {
        expected = (err as ZkError).codeName;
      }
      const reply = decodeBody(await bus.request(s.api, bytes, 5000)).body as { error?: string; code?: number };
      assert.is(reply.error, expected, `reply to ${Buffer.from(bytes).toString('hex').slice(0, 80)}`);
      assert.type(reply.code, 'number');
      sent++;
    }
    const zk = await cluster.client({ sessionless: true });
    await zk.sync('/');
    await zk.close();
    assert.is((await cluster.statuses())[0]!.lastCommittedZxid, before, 'no invalid request committed anything');
    assert.ok(valid < sent, `${valid} still-valid mutations skipped`);
    console.log(`fuzz: ${sent} invalid requests answered with their code (${valid} mutations still valid, not sent)`);
  } finally {
    await bus.close();
    await cluster.stop();
  }
});

test('the client library refuses wrong types with a ZkError and sends nothing that commits', async () => {
  const cluster = await Cluster.start();
  try {
    const zk = await cluster.client();
    await zk.create('/typed', 'x');
    const before = (await cluster.statuses())[0]!.lastCommittedZxid;
    const any = zk as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
    const calls: [string, unknown[]][] = [
      ['create', [123]], ['create', [null]], ['create', ['/typed/c', { not: 'bytes' }]], ['create', ['/typed/c', 'x', { mode: 'bogus' }]],
      ['create', ['/typed/c', 'x', { mode: 'persistentWithTtl', ttl: -5 }]], ['create', ['/typed/c', 'x', { mode: 42 }]],
      ['getData', [undefined]], ['getData', [['/typed']]], ['exists', [{}]], ['getChildren', [7]], ['getChildren2', [null]],
      ['setData', ['/typed', {}]], ['setData', ['/typed', 'y', 'latest']], ['setData', ['/typed', 'y', 1.5]], ['delete', ['/typed', 'x']],
      ['delete', [['/typed']]], ['multi', ['nope']], ['multi', [[{ op: 'bogus', path: '/typed' }]]], ['multi', [[null]]],
      ['multi', [[{ op: 'setData', path: '/typed', data: 'z' }, { op: 'delete', path: 5 }]]], ['multiRead', [[{ op: 'setData', path: '/typed' }]]],
      ['multiRead', [{}]], ['sync', [42]], ['getAllChildrenNumber', [false]], ['getEphemerals', [3]], ['removeWatches', ['/typed', 'sideways']],
      ['addWatch', ['/typed', () => undefined, 'sometimes']], ['addWatch', ['/typed', 'not a function']], ['create', ['/typed/' + 'x'.repeat(5000)]],
      ['setData', ['/typed', new Uint8Array(2 * 1024 * 1024)]],
      ['create', ['/typed/c', 'x', { acl: 'open' }]], ['create', ['/typed/c', 'x', { acl: [] }]], ['create', ['/typed/c', 'x', { acl: [{ perms: 'all' }] }]],
      ['create', ['/typed/c', 'x', { acl: [{ perms: 31, scheme: 'auth', id: '' }] }]], ['getACL', [9]], ['setACL', ['/typed', 'open']],
      ['setACL', ['/typed', [{ perms: 99, scheme: 'world', id: 'anyone' }]]], ['setACL', ['/typed', [{ perms: 31, scheme: 'world', id: 'anyone' }], 'v']],
      ['addAuth', [5, 'u:p']], ['addAuth', ['digest', { user: 'u' }]], ['addAuth', ['kerberos', 'u:p']],
    ];
    console.log(`fuzz: ${calls.length} wrong-typed client calls`);
    for (const [method, args] of calls) {
      try {
        await any[method]!.apply(zk, args);
        assert.unreachable(`${method}(${JSON.stringify(args)}) succeeded`);
      } catch (err) {
        assert.instance(err, ZkError, `${method}(${JSON.stringify(args)}) threw ${(err as Error).stack}`);
      }
    }
    assert.is(zk.sessionState, 'connected', 'the session is unharmed');
    await zk.sync('/');
    assert.is((await cluster.statuses())[0]!.lastCommittedZxid, before, 'nothing committed');
    await zk.close();
  } finally {
    await cluster.stop();
  }
});

test.run();
