// The linearizability checker (test/linearize/), on hand-made and generated
// histories whose answer is known, so that it can be trusted on real ones.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { check, type Model, type Operation } from './linearize/checker.js';
import { znodeModel, type ZnodeInput, type ZnodeOutput } from './linearize/znode-model.js';
import { rng } from './sim/scheduler.js';

type Op = Operation<ZnodeInput, ZnodeOutput>;

// --- helpers for hand-written histories ------------------------------------

function op(client: number, call: number, ret: number, input: ZnodeInput, output?: ZnodeOutput): Op {
  return output === undefined ? { client, call, ret, input } : { client, call, ret, input, output };
}
/** An operation that timed out: returns at +infinity, outcome unknown. */
function lost(client: number, call: number, input: ZnodeInput): Op {
  return { client, call, ret: Infinity, input };
}
const OK = { ok: true } as const;
const okv = (version: number): ZnodeOutput => ({ ok: true, version });
const okd = (data: string, version: number): ZnodeOutput => ({ ok: true, data, version });
const err = (error: 'NONODE' | 'NODEEXISTS' | 'BADVERSION'): ZnodeOutput => ({ ok: false, error });

const create = (path: string, data: string): ZnodeInput => ({ op: 'create', path, data });
const del = (path: string, version = -1): ZnodeInput => ({ op: 'delete', path, version });
const set = (path: string, data: string, version = -1): ZnodeInput => ({ op: 'setData', path, data, version });
const get = (path: string): ZnodeInput => ({ op: 'getData', path });
const exists = (path: string): ZnodeInput => ({ op: 'exists', path });
const checkVersion = (path: string, version: number): ZnodeInput => ({ op: 'check', path, version });

function linearizable(history: Op[]): void {
  const r = check(znodeModel, history);
  assert.ok(r.ok, `expected linearizable, got:\n${r.explanation}`);
  assert.is(r.timedOut, false);
}
function violation(history: Op[]): string {
  const r = check(znodeModel, history);
  assert.is(r.ok, false, 'expected a violation');
  assert.is(r.timedOut, false);
  assert.type(r.explanation, 'string');
  return r.explanation!;
}

// --- history generator -----------------------------------------------------

interface GenOptions {
  clients: number;
  paths: string[];
  ops: number;
  /** Share of operations that time out (outcome unknown, ret = Infinity). */
  timeoutRate?: number;
}

/**
 * A linearizable history from a real execution: each client issues operations
 * one at a time, each on a random path, over random (integer, so sometimes
 * touching) intervals; each takes effect at a random instant strictly inside
 * its interval, and the operations are applied to a real znode store in the
 * order of those instants. A timed-out operation takes effect at a random
 * instant or never, and its client moves on.
 */
function generate(seed: number, o: GenOptions): Op[] {
  const rnd = rng(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];

  interface Slot { client: number; call: number; end: number; at: number | null; path: string; timedOut: boolean; op?: Op }
  const slots: Slot[] = [];
  const clock = new Array<number>(o.clients).fill(0);
  for (let i = 0; i < o.ops; i++) {
    const client = i % o.clients;
    const call = clock[client] + int(0, 3);
    const end = call + int(1, 20);
    const at = call + (0.01 + 0.98 * rnd()) * (end - call);
    const timedOut = rnd() < (o.timeoutRate ?? 0);
    slots.push({ client, call, end, at: timedOut && rnd() < 0.5 ? null : at, path: pick(o.paths), timedOut });
    clock[client] = end;
  }

  const store = new Map<string, { data: string; version: number }>();
  let written = 0;
  const fresh = () => `v${written++}`;
  const anyVersion = (cur: number) => {
    const r = rnd();
    return r < 0.4 ? -1 : r < 0.8 ? cur : cur + pick([-1, 1]);
  };
  const applied = slots.filter((s) => s.at !== null).sort((a, b) => a.at! - b.at!);
  for (const s of applied) {
    const node = store.get(s.path);
    let input: ZnodeInput;
    let output: ZnodeOutput;
    const r = rnd();
    if (!node) {
      if (r < 0.5) input = create(s.path, fresh());
      else input = pick([get(s.path), exists(s.path), set(s.path, fresh(), -1), del(s.path), checkVersion(s.path, -1)]);
      if (input.op === 'create') {
        store.set(s.path, { data: input.data, version: 0 });
        output = OK;
      } else output = err('NONODE');
    } else if (r < 0.35) {
      const data = fresh();
      const version = anyVersion(node.version);
      input = set(s.path, data, version);
      if (version !== -1 && version !== node.version) output = err('BADVERSION');
      else {
        store.set(s.path, { data, version: node.version + 1 });
        output = okv(node.version + 1);
      }
    } else if (r < 0.65) {
      input = get(s.path);
      output = okd(node.data, node.version);
    } else if (r < 0.75) {
      input = exists(s.path);
      output = okv(node.version);
    } else if (r < 0.8) {
      input = create(s.path, fresh());
      output = err('NODEEXISTS');
    } else if (r < 0.87) {
      const version = anyVersion(node.version);
      input = checkVersion(s.path, version);
      output = version !== -1 && version !== node.version ? err('BADVERSION') : OK;
    } else {
      const version = anyVersion(node.version);
      input = del(s.path, version);
      if (version !== -1 && version !== node.version) output = err('BADVERSION');
      else {
        store.delete(s.path);
        output = OK;
      }
    }
    s.op = s.timedOut ? lost(s.client, s.call, input) : op(s.client, s.call, s.end, input, output);
  }
  // Timed out and never took effect: any operation will do, nobody saw it.
  for (const s of slots) {
    if (!s.op) s.op = lost(s.client, s.call, pick([set(s.path, fresh(), -1), create(s.path, fresh()), del(s.path), get(s.path)]));
  }
  // In invocation order, as a recorder would log them (the checker does not care).
  return slots.map((s) => s.op!).sort((a, b) => a.call - b.call);
}

// --- linearizable histories ------------------------------------------------

test('a sequential history is linearizable', () => {
  linearizable([
    op(0, 0, 1, exists('/a'), err('NONODE')),
    op(0, 2, 3, create('/a', 'x'), OK),
    op(1, 4, 5, create('/a', 'y'), err('NODEEXISTS')),
    op(0, 6, 7, get('/a'), okd('x', 0)),
    op(1, 8, 9, set('/a', 'y', 0), okv(1)),
    op(0, 10, 11, set('/a', 'z', 0), err('BADVERSION')),
    op(0, 12, 13, exists('/a'), okv(1)),
    op(1, 14, 15, del('/a', 0), err('BADVERSION')),
    op(1, 16, 17, del('/a', 1), OK),
    op(0, 18, 19, get('/a'), err('NONODE')),
    op(0, 20, 21, del('/a'), err('NONODE')),
    op(0, 22, 23, set('/a', 'w'), err('NONODE')),
  ]);
});

test('overlapping writes: later reads may see either order, but all agree', () => {
  const writes = [
    op(0, 0, 1, create('/a', 'init'), OK),
    op(1, 2, 10, set('/a', 'x'), okv(1)), // x and y overlap: v1 is whichever went first
    op(2, 3, 11, set('/a', 'y'), okv(2)),
  ];
  // y got v2, so x went first: a read after both sees y.
  linearizable([...writes, op(0, 12, 13, get('/a'), okd('y', 2))]);
  // The other order is just as good when the versions say so.
  linearizable([
    op(0, 0, 1, create('/a', 'init'), OK),
    op(1, 2, 10, set('/a', 'x'), okv(2)),
    op(2, 3, 11, set('/a', 'y'), okv(1)),
    op(0, 12, 13, get('/a'), okd('x', 2)),
  ]);
  // Reads during the writes may see the old value or either write.
  linearizable([...writes, op(3, 4, 5, get('/a'), okd('init', 0)), op(4, 6, 7, get('/a'), okd('x', 1)), op(0, 12, 13, get('/a'), okd('y', 2))]);
  // Without versions in the setData replies, either order is fine.
  for (const last of ['x', 'y']) {
    linearizable([
      op(0, 0, 1, create('/a', 'init'), OK),
      op(1, 2, 10, set('/a', 'x'), OK),
      op(2, 3, 11, set('/a', 'y'), OK),
      op(0, 12, 13, get('/a'), { ok: true, data: last }),
    ]);
  }
});

test('a read concurrent with two sequential writes may see any of the three values', () => {
  const base = [
    op(0, 0, 1, create('/a', 'init'), OK),
    op(1, 2, 10, set('/a', 'x'), okv(1)),
    op(1, 12, 20, set('/a', 'y'), okv(2)),
  ];
  for (const seen of [okd('init', 0), okd('x', 1), okd('y', 2)]) linearizable([...base, op(2, 5, 15, get('/a'), seen)]);
  // ... but not a combination that never existed.
  violation([...base, op(2, 5, 15, get('/a'), okd('y', 1))]);
});

test('version checks (multi check): ordered with the writes', () => {
  const base = [op(0, 0, 1, create('/a', 'x'), OK), op(1, 2, 10, set('/a', 'y', 0), okv(1))];
  // Concurrent with the write: either version.
  linearizable([...base, op(2, 3, 9, checkVersion('/a', 0), OK), op(3, 4, 8, checkVersion('/a', 0), err('BADVERSION'))]);
  linearizable([...base, op(2, 3, 9, checkVersion('/a', -1), OK), op(0, 11, 12, checkVersion('/a', 1), OK)]);
  // After it: only the new one.
  violation([...base, op(2, 11, 12, checkVersion('/a', 0), OK)]);
  violation([...base, op(2, 11, 12, checkVersion('/a', 1), err('BADVERSION'))]);
  linearizable([op(0, 0, 1, checkVersion('/a', -1), err('NONODE'))]);
  violation([op(0, 0, 1, checkVersion('/a', -1), OK)]);
});

// --- violations ------------------------------------------------------------

test('a stale read after a completed write is a violation, and the explanation names it', () => {
  const why = violation([
    op(0, 0, 1, create('/a', 'old'), OK),
    op(0, 2, 3, set('/a', 'new'), okv(1)),
    op(1, 4, 5, get('/a'), okd('old', 0)),
  ]);
  assert.match(why, 'partition 1 of 1');
  assert.match(why, 'longest linearizable prefix found: 2 of 3');
  assert.match(why, 'client 1: getData /a -> ok "old" v0 [4, 5]: the model rejects it');
});

test('two creates of one path cannot both succeed', () => {
  violation([op(0, 0, 10, create('/a', 'x'), OK), op(1, 1, 11, create('/a', 'y'), OK)]);
  // ... unless it was deleted in between.
  linearizable([
    op(0, 0, 10, create('/a', 'x'), OK),
    op(2, 2, 8, del('/a'), OK),
    op(1, 1, 11, create('/a', 'y'), OK),
  ]);
});

test('a lost update: two setData expecting the same version cannot both succeed', () => {
  violation([
    op(0, 0, 1, create('/a', 'init'), OK),
    op(1, 2, 10, set('/a', 'x', 0), OK),
    op(2, 3, 11, set('/a', 'y', 0), OK),
  ]);
  // One of them must get BADVERSION.
  linearizable([
    op(0, 0, 1, create('/a', 'init'), OK),
    op(1, 2, 10, set('/a', 'x', 0), okv(1)),
    op(2, 3, 11, set('/a', 'y', 0), err('BADVERSION')),
  ]);
});

test('a read of a value never written is a violation', () => {
  violation([
    op(0, 0, 1, create('/a', 'x'), OK),
    op(1, 2, 10, set('/a', 'y'), OK),
    op(2, 3, 11, get('/a'), { ok: true, data: 'z' }),
  ]);
});

test('a version that goes backwards is a violation', () => {
  violation([
    op(0, 0, 1, create('/a', 'x'), OK),
    op(0, 2, 3, set('/a', 'y'), OK),
    op(0, 4, 5, set('/a', 'z'), OK),
    op(1, 6, 7, exists('/a'), okv(2)),
    op(2, 8, 9, exists('/a'), okv(1)),
  ]);
});

// --- unknown outcomes ------------------------------------------------------

test('a timed-out write whose value is read later took effect: linearizable', () => {
  linearizable([
    op(0, 0, 1, create('/a', 'x'), OK),
    lost(1, 2, set('/a', 'y')),
    op(2, 50, 51, get('/a'), okd('y', 1)),
    op(2, 52, 53, get('/a'), okd('y', 1)),
  ]);
});

test('a timed-out write never seen may never have happened: linearizable', () => {
  linearizable([
    op(0, 0, 1, create('/a', 'x'), OK),
    lost(1, 2, set('/a', 'y')),
    op(2, 50, 51, get('/a'), okd('x', 0)),
    op(2, 52, 53, set('/a', 'z', 0), okv(1)),
    op(2, 54, 55, get('/a'), okd('z', 1)),
  ]);
});

test('a timed-out write may land long after its call, after a delete and a re-create', () => {
  // Only I, D, C, X, R works. The search first tries X right after I, where it
  // also fits, and reaches the same finite operations and state (y v0) as the
  // right order does before X: the memo must tell the two apart.
  linearizable([
    op(0, 0, 1, create('/a', 'i'), OK),
    lost(1, 2, set('/a', 'z')),
    op(0, 3, 4, del('/a'), OK),
    op(0, 5, 6, create('/a', 'y'), OK),
    op(2, 10, 11, get('/a'), okd('z', 1)),
  ]);
});

test('a timed-out write seen and then unseen is a violation', () => {
  violation([
    op(0, 0, 1, create('/a', 'x'), OK),
    lost(1, 2, set('/a', 'y')),
    op(2, 50, 51, get('/a'), okd('y', 1)),
    op(2, 52, 53, get('/a'), okd('x', 0)),
  ]);
});

test('a timed-out create: NONODE then the data is fine (it landed in between), the data then NONODE is not', () => {
  linearizable([
    lost(0, 0, create('/a', 'x')),
    op(1, 5, 6, get('/a'), err('NONODE')),
    op(1, 7, 8, get('/a'), okd('x', 0)),
  ]);
  violation([
    lost(0, 0, create('/a', 'x')),
    op(1, 5, 6, get('/a'), okd('x', 0)),
    op(1, 7, 8, get('/a'), err('NONODE')),
  ]);
  // It cannot take effect before it was called.
  violation([
    op(1, 0, 1, get('/a'), okd('x', 0)),
    lost(0, 2, create('/a', 'x')),
  ]);
});

// --- time ties -------------------------------------------------------------

test('ties: a return at the same instant as a call is ordered first (not concurrent)', () => {
  // The write completed at 5 and the read began at 5: the read must see it.
  violation([op(0, 0, 1, create('/a', 'old'), OK), op(0, 1, 5, set('/a', 'new'), OK), op(1, 5, 9, get('/a'), okd('old', 0))]);
  linearizable([op(0, 0, 1, create('/a', 'old'), OK), op(0, 1, 5, set('/a', 'new'), OK), op(1, 5, 9, get('/a'), okd('new', 1))]);
  // Zero-length operations work too, ordered after returns and before calls at their instant.
  linearizable([
    op(0, 0, 0, create('/a', 'x'), OK),
    op(1, 0, 0, get('/a'), okd('x', 0)),
    op(2, 0, 3, set('/a', 'y'), okv(1)),
  ]);
  // A write that returned at 1 precedes a zero-length read at 1.
  violation([op(0, 0, 0, create('/a', 'x'), OK), op(1, 0, 1, set('/a', 'y'), OK), op(2, 1, 1, get('/a'), okd('x', 0))]);
});

test('a model without partition: a plain register, one partition', () => {
  const register: Model<number, { w?: number }, number> = {
    init: () => 0,
    step: (s, i, o) => (i.w !== undefined ? { ok: true, next: i.w } : { ok: o === undefined || o === s, next: s }),
    key: (s) => String(s),
  };
  const w = (c: number, call: number, ret: number, v: number): Operation<{ w?: number }, number> => ({ client: c, call, ret, input: { w: v }, output: 0 });
  const r = (c: number, call: number, ret: number, v: number): Operation<{ w?: number }, number> => ({ client: c, call, ret, input: {}, output: v });
  const good = check(register, [w(0, 0, 10, 1), r(1, 1, 2, 0), r(2, 3, 4, 1), r(1, 5, 6, 1)]);
  assert.equal(good, { ok: true, timedOut: false, partitions: 1, operations: 4 });
  const bad = check(register, [w(0, 0, 10, 1), r(1, 1, 2, 1), r(2, 3, 4, 0)]);
  assert.is(bad.ok, false);
  assert.match(bad.explanation!, 'client 2: {} -> 0 [3, 4]');
  assert.throws(() => check(register, [r(0, 5, 4, 0)]), /returns before its call/);
  assert.throws(() => check(register, [{ ...r(0, 5, 6, 0), ret: Infinity }]), /never returned cannot have an output/);
});

// --- cross-check ------------------------------------------------------------

/**
 * The definition, by brute force: try every order of the operations that
 * respects real time (a precedes b when a returned before b was called; a
 * return at the instant of a call counts as before, except between two
 * zero-length operations at one instant); a timed-out operation may be placed
 * anywhere after its call or left out.
 */
function bruteForce(history: Op[]): boolean {
  const precedes = (a: Op, b: Op) => a.ret < b.call || (a.ret === b.call && !(b.ret === a.call && a !== b));
  const search = (state: ReturnType<typeof znodeModel.init>, left: Op[]): boolean => {
    if (left.every((o) => o.ret === Infinity)) return true;
    for (const x of left) {
      if (left.some((y) => y !== x && precedes(y, x))) continue;
      const rest = left.filter((y) => y !== x);
      const r = znodeModel.step(state, x.input, x.output);
      if (r.ok && search(r.next, rest)) return true;
      if (x.ret === Infinity && search(state, rest)) return true; // it never happened
    }
    return false;
  };
  return search(znodeModel.init(), history);
}

const impureModel: Model<ReturnType<typeof znodeModel.init>, ZnodeInput, ZnodeOutput> = { ...znodeModel, pure: undefined };

test('agrees with a brute-force search on 500 small random histories', () => {
  const rnd = rng(99);
  const outputs: ZnodeOutput[] = [OK, okv(0), okv(1), okv(2), okd('v0', 0), okd('v1', 1), okd('v2', 1), okd('v1', 2), err('NONODE'), err('NODEEXISTS'), err('BADVERSION')];
  let yes = 0;
  let no = 0;
  for (let n = 0; n < 500; n++) {
    // A linearizable history, then random damage: replies swapped for random
    // ones, and some operations shrunk to zero length at their call.
    const history = generate(5000 + n, { clients: 2 + (n % 3), paths: ['/a'], ops: 3 + (n % 5), timeoutRate: 0.15 }).map((o) => {
      const r = rnd();
      if (r < 0.2 && o.ret !== Infinity) return { ...o, output: outputs[Math.floor(rnd() * outputs.length)] };
      if (r < 0.3) return { ...o, ret: o.call, output: o.output ?? outputs[Math.floor(rnd() * outputs.length)] };
      return o;
    });
    const expected = bruteForce(history);
    const r = check(znodeModel, history);
    assert.is(r.ok, expected, `history ${n}: checker says ${r.ok}, brute force ${expected}\n${JSON.stringify(history)}\n${r.explanation ?? ''}`);
    // The same without the model's pure() shortcut.
    assert.is(check(impureModel, history).ok, expected, `history ${n} without pure()`);
    if (expected) yes++;
    else no++;
  }
  // Both answers are exercised.
  assert.ok(yes > 100 && no > 100, `linearizable ${yes}, not ${no}`);
});

// --- partitions, size, and timeouts ----------------------------------------

test('partition independence: a violation on one path is found next to 5,000 ops on another', () => {
  const big = generate(7, { clients: 5, paths: ['/big'], ops: 5000, timeoutRate: 0.002 });
  assert.ok(check(znodeModel, big).ok);
  const bad = [
    op(0, 0, 1, create('/bad', 'old'), OK),
    op(0, 2, 3, set('/bad', 'new'), okv(1)),
    op(1, 4, 5, get('/bad'), okd('old', 0)),
  ];
  const r = check(znodeModel, [...big, ...bad]);
  assert.is(r.ok, false);
  assert.is(r.timedOut, false);
  assert.is(r.partitions, 2);
  assert.is(r.operations, 5003);
  assert.match(r.explanation!, 'partition 2 of 2 (3 operations)');
  assert.match(r.explanation!, 'getData /bad -> ok "old" v0');
});

test('performance: 10,000 ops over 50 paths from 10 concurrent clients', () => {
  const paths = Array.from({ length: 50 }, (_, i) => `/p${i}`);
  const history = generate(42, { clients: 10, paths, ops: 10_000, timeoutRate: 0.005 });
  const t0 = performance.now();
  const r = check(znodeModel, history);
  const ms = performance.now() - t0;
  console.log(`    linearize: 10,000 ops / ${r.partitions} partitions checked in ${ms.toFixed(0)} ms`);
  assert.ok(r.ok, r.explanation);
  assert.is(r.partitions, 50);
  assert.is(r.operations, 10_000);
});

test('a hot path: 1,000 ops on one znode from 20 clients, with timeouts', () => {
  const history = generate(11, { clients: 20, paths: ['/hot'], ops: 1000, timeoutRate: 0.01 });
  const r = check(znodeModel, history, { timeoutMs: 60_000 });
  assert.ok(r.ok, r.explanation);
});

test('a timeout answers ok: false, timedOut: true', () => {
  const history = generate(3, { clients: 4, paths: ['/a'], ops: 200 });
  const r = check(znodeModel, history, { timeoutMs: 0 });
  assert.is(r.ok, false);
  assert.is(r.timedOut, true);
  assert.match(r.explanation!, 'timed out');
  assert.ok(check(znodeModel, history, { timeoutMs: 60_000 }).ok);
});

test('randomized: 200 small generated histories pass, and fail once a read is corrupted', () => {
  let seed = 1000;
  for (let n = 0; n < 200; n++) {
    // Generate until the history has a successful read to corrupt.
    let history: Op[];
    let reads: Op[];
    do {
      const s = seed++;
      const rnd = rng(s);
      history = generate(s, {
        clients: 2 + Math.floor(rnd() * 3),
        paths: rnd() < 0.5 ? ['/a'] : ['/a', '/b'],
        ops: 6 + Math.floor(rnd() * 10),
        timeoutRate: 0.1,
      });
      reads = history.filter((o) => o.input.op === 'getData' && o.output?.ok);
    } while (reads.length === 0);
    const good = check(znodeModel, history);
    assert.ok(good.ok, `seed ${seed - 1} should be linearizable:\n${good.explanation}`);

    const victim = reads[n % reads.length];
    const corrupted = history.map((o) => (o === victim ? { ...o, output: { ok: true as const, data: 'never-written', version: (o.output as { version?: number }).version } } : o));
    const bad = check(znodeModel, corrupted);
    assert.is(bad.ok, false, `seed ${seed - 1} with a corrupted read should fail`);
    assert.match(bad.explanation!, 'never-written');
  }
});

test.run();
