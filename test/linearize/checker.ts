// A linearizability checker for recorded histories, used as a test instrument.
//
// Algorithm: Wing & Gong's search over the history's call/return events, with
// Lowe's memoization (never explore the same (set of linearized operations,
// model state) twice) and P-compositionality (a history is linearizable iff
// each independent partition of it is, so each is searched on its own). This
// is the approach of Porcupine's CheckOperations, rewritten from the papers.
//
// Semantics (as in Jepsen/Knossos/Porcupine):
// - An operation takes effect atomically at some instant between its call and
//   its return.
// - An operation whose outcome is unknown (it timed out: ret = Infinity, no
//   output) may take effect at any instant after its call, or never. Its return
//   is placed after every other event, so the search may linearize it last, and
//   an operation linearized last is unobservable, which is the same as never.
//   The model must accept any output for it (step with output undefined).
//   So once every operation with a known return is linearized, the search has
//   succeeded: the unknown ones left over go last, in any order, unobserved.
// - Ties: when one operation's ret equals another's call, the return is ordered
//   first, i.e. the operations are NOT concurrent: the first is known to have
//   completed before the second began. Recorders that take both timestamps
//   from one monotonic clock can only produce a tie for events that really
//   happened in that order (or that are indistinguishable, in which case the
//   stricter reading is the one that finds more bugs). A zero-length operation
//   (call = ret) is ordered after the returns and before the calls at its
//   instant; two zero-length operations at the same instant are concurrent.

export interface Operation<I, O> {
  /** Who issued it (for messages only). */
  client: number;
  input: I;
  /** Invocation time. */
  call: number;
  /** Completion time; Infinity when the outcome is unknown (timed out). */
  ret: number;
  /** Absent when the outcome is unknown. */
  output?: O;
}

export interface Model<S, I, O> {
  init(): S;
  /**
   * Applies input to state. `output` undefined = unknown outcome: accept
   * whatever happens (return ok true). Must not mutate `state`: the search
   * keeps earlier states to backtrack to.
   */
  step(state: S, input: I, output: O | undefined): { ok: boolean; next: S };
  /** A canonical string of a state, for memoization. */
  key(state: S): string;
  /** Splits a history into independent sub-histories (P-compositionality); default: one partition. */
  partition?(ops: Operation<I, O>[]): Operation<I, O>[][];
  describe?(op: Operation<I, O>): string;
  /**
   * Optional, for speed: true when the operation, with this known output,
   * leaves every state in which step accepts it unchanged (a read, or a
   * failed write). The search then linearizes such an operation as soon as it
   * fits instead of trying every order of it among its concurrent operations.
   * Only say true when it holds for every state, or the checker may wrongly
   * report a violation.
   */
  pure?(input: I, output: O): boolean;
}

export interface CheckResult {
  ok: boolean;
  timedOut: boolean;
  partitions: number;
  operations: number;
  /**
   * On failure: the partition that failed, a readable explanation: the longest
   * linearizable prefix found and the operations that could not be placed after it.
   * On timeout: which partition was being searched.
   */
  explanation?: string;
}

/**
 * Checks that `history` is linearizable with respect to `model`.
 * On timeout (opts.timeoutMs, default none) the answer is { ok: false, timedOut: true }:
 * unknown is not a pass, the caller decides what to make of it.
 */
export function check<S, I, O>(
  model: Model<S, I, O>,
  history: Operation<I, O>[],
  opts: { timeoutMs?: number } = {},
): CheckResult {
  for (const op of history) validate(op);
  const deadline = opts.timeoutMs === undefined ? Infinity : Date.now() + opts.timeoutMs;
  const parts = model.partition ? model.partition(history) : [history];
  const base = { partitions: parts.length, operations: history.length };
  for (let p = 0; p < parts.length; p++) {
    const r = checkPartition(model, parts[p], deadline);
    if (r === 'timeout') {
      return {
        ...base,
        ok: false,
        timedOut: true,
        explanation: `timed out after ${opts.timeoutMs} ms while searching partition ${p + 1} of ${parts.length} (${parts[p].length} operations): linearizability unknown`,
      };
    }
    if (r !== 'ok') {
      const header = `not linearizable: partition ${p + 1} of ${parts.length} (${parts[p].length} operations)\n`;
      return { ...base, ok: false, timedOut: false, explanation: header + r };
    }
  }
  return { ...base, ok: true, timedOut: false };
}

function validate(op: Operation<unknown, unknown>): void {
  if (!Number.isFinite(op.call)) throw new Error(`operation call time must be finite: ${JSON.stringify(op)}`);
  if (Number.isNaN(op.ret) || op.ret < op.call) throw new Error(`operation returns before its call: ${JSON.stringify(op)}`);
  // Placing an unknown operation last is only sound if nothing constrains it.
  if (op.ret === Infinity && op.output !== undefined) throw new Error(`an operation that never returned cannot have an output: ${JSON.stringify(op)}`);
}

// ---------------------------------------------------------------------------
// The event lists.
//
// The events of operations with a known return are in one doubly linked list
// in time order (after a head sentinel); the search takes out the call and
// return of an operation when it linearizes it and puts them back when it
// backtracks. The operations with unknown outcome have no return event to
// bound them, so their calls are kept apart, in a second list in time order:
// the search tries them first at each level (see checkPartition).

interface Entry {
  /** Operation id, its index in the partition. -1 for a head. */
  id: number;
  /** Position in the time order of all events, to compare events across the two lists. */
  pos: number;
  /** For a call event in the main list: its return event. null otherwise. */
  match: Entry | null;
  prev: Entry | null;
  next: Entry | null;
}

// Order of events at one instant (see the header comment on ties).
const RANK_RETURN = 0;
const RANK_ZERO_CALL = 1;
const RANK_ZERO_RETURN = 2;
const RANK_CALL = 3;

interface Events {
  /** Calls and returns of the operations with a known return. */
  head: Entry;
  /** Calls of the operations with unknown outcome (ret = Infinity). */
  unknownHead: Entry;
  callPos: number[];
  retPos: number[];
}

function buildEvents(ops: Operation<unknown, unknown>[]): Events {
  type Ev = { time: number; rank: number; id: number; isCall: boolean };
  const evs: Ev[] = [];
  ops.forEach((op, id) => {
    const zero = op.call === op.ret;
    evs.push({ time: op.call, rank: zero ? RANK_ZERO_CALL : RANK_CALL, id, isCall: true });
    evs.push({ time: op.ret, rank: zero ? RANK_ZERO_RETURN : RANK_RETURN, id, isCall: false });
  });
  // Array.prototype.sort is stable, so equal events keep history order.
  evs.sort((a, b) => (a.time === b.time ? a.rank - b.rank : a.time < b.time ? -1 : 1));

  const head: Entry = { id: -1, pos: -1, match: null, prev: null, next: null };
  const unknownHead: Entry = { id: -1, pos: -1, match: null, prev: null, next: null };
  const calls: Entry[] = new Array(ops.length);
  const rets: (Entry | null)[] = new Array(ops.length).fill(null);
  const callPos: number[] = new Array(ops.length);
  const retPos: number[] = new Array(ops.length);
  let last = head;
  let lastUnknown = unknownHead;
  evs.forEach((ev, pos) => {
    if (ev.isCall) callPos[ev.id] = pos;
    else retPos[ev.id] = pos;
    if (ops[ev.id].ret === Infinity) {
      if (!ev.isCall) return; // no return event: nothing bounds it
      const e: Entry = { id: ev.id, pos, match: null, prev: lastUnknown, next: null };
      lastUnknown.next = e;
      lastUnknown = e;
      calls[ev.id] = e;
      return;
    }
    const e: Entry = { id: ev.id, pos, match: null, prev: last, next: null };
    last.next = e;
    last = e;
    if (ev.isCall) calls[ev.id] = e;
    else rets[ev.id] = e;
  });
  for (let id = 0; id < ops.length; id++) calls[id].match = rets[id];
  return { head, unknownHead, callPos, retPos };
}

/** Takes an entry out of its list; its own pointers still say where it was. */
function unlink(e: Entry): void {
  e.prev!.next = e.next;
  if (e.next) e.next.prev = e.prev;
}

/** Undoes unlink (in the reverse order of the unlinks, as in dancing links). */
function relink(e: Entry): void {
  e.prev!.next = e;
  if (e.next) e.next.prev = e;
}

/** Removes an operation's events from the lists (it is linearized). */
function lift(call: Entry): void {
  unlink(call);
  if (call.match) unlink(call.match);
}

function unlift(call: Entry): void {
  if (call.match) relink(call.match);
  relink(call);
}

// ---------------------------------------------------------------------------
// The set of linearized operations.

/**
 * The set of linearized operations: a bitset, plus a canonical short string
 * of it for the memo. Ids number the operations with a known return first, in
 * order of call, then those with unknown outcome. The search linearizes
 * roughly in order of call, so the set is nearly always "every known
 * operation below some id, plus a few above it, plus a few unknown ones", and
 * the string says exactly that, compactly: O(concurrency + unknown ops) bits
 * rather than O(n), and equal strings mean equal sets, so no hashing or
 * bitset copies are needed.
 */
class LinearizedSet {
  private readonly words: Uint32Array;
  /** The lowest id of a known operation not in the set (= finite when all are). */
  private low = 0;
  /** How many known operations are in the set. */
  private finiteCount = 0;

  constructor(
    /** Ids below this are operations with a known return. */
    private readonly finite: number,
    private readonly total: number,
  ) {
    this.words = new Uint32Array((total + 31) >>> 5);
  }

  has(id: number): boolean {
    return (this.words[id >>> 5] & (1 << (id & 31))) !== 0;
  }

  add(id: number): void {
    this.words[id >>> 5] |= 1 << (id & 31);
    if (id >= this.finite) return;
    this.finiteCount++;
    while (this.low < this.finite && this.has(this.low)) this.low++;
  }

  remove(id: number): void {
    this.words[id >>> 5] &= ~(1 << (id & 31));
    if (id >= this.finite) return;
    this.finiteCount--;
    if (id < this.low) this.low = id;
  }

  /** The set as a self-delimiting string (what follows it cannot be mistaken for part of it). */
  key(): string {
    // `low`, then the known members above it as a bitmask, 16 bits a char,
    // up to the chunk holding the last of them (there are finiteCount - low),
    // then the unknown ones as a bitmask of fixed length. The chars can be
    // anything, so the known part's length is given up front.
    let known = '';
    let left = this.finiteCount - this.low;
    for (let pos = this.low + 1; left > 0 && pos < this.finite; pos += 16) {
      const chunk = this.bits16(pos);
      known += String.fromCharCode(chunk);
      left -= popcount(chunk);
    }
    let unknown = '';
    for (let pos = this.finite; pos < this.total; pos += 16) unknown += String.fromCharCode(this.bits16(pos));
    return `${this.low},${known.length},${known}${unknown}`;
  }

  /** The 16 bits from id `pos` on (zeros past the end). */
  private bits16(pos: number): number {
    const w = pos >>> 5;
    const o = pos & 31;
    let v = this.words[w] >>> o;
    if (o > 16 && w + 1 < this.words.length) v |= this.words[w + 1] << (32 - o);
    return v & 0xffff;
  }
}

function popcount(x: number): number {
  let c = 0;
  for (; x !== 0; x &= x - 1) c++;
  return c;
}

// ---------------------------------------------------------------------------
// The search.

/** How often (in loop iterations) to look at the clock. */
const CLOCK_EVERY = 1024;

/** One level of the search: the operation linearized there, and how to resume trying the others. */
interface Frame<S> {
  call: Entry;
  /** The state before it. */
  state: S;
  stateKey: string;
  /** A pure operation placed as the only choice at its level: no alternatives to try on backtrack. */
  forced: boolean;
  /** The cursor at this level: which list, and the position of the earliest return. */
  inUnknown: boolean;
  limit: number;
}

/**
 * Searches one partition: 'ok', 'timeout', or the explanation of the failure.
 *
 * At each level the candidates to linearize next are the operations not yet
 * linearized that were called before the earliest return among those not yet
 * linearized. Each is tried in turn (model.step); one that fits is
 * linearized and the search goes a level deeper, one that does not is
 * skipped; when none is left the search backtracks. It succeeds when every
 * operation with a known return is linearized. Candidates are tried in order
 * of call, those with unknown outcome first (they sit in their own list). Any
 * order is correct; this one tries a timed-out operation soon after its
 * call, where it most likely took effect, and on generated histories it was
 * as fast as or faster than trying those last.
 *
 * Two shortcuts, both exact (they skip only branches another one covers):
 * - An operation with unknown outcome that would change nothing in the
 *   current state is not placed: that is the same as it never happening,
 *   which success without it covers. Placing it would only multiply the sets
 *   of linearized operations (2^k for k of them) without reaching new states.
 * - A pure candidate (model.pure) that fits is placed as the only choice at
 *   its level: if any linearization exists from here, moving that operation
 *   to the front of it gives another (it has no effect wherever it fits, and
 *   every operation it must follow is already linearized). Without this, k
 *   concurrent reads are tried in all 2^k subsets.
 */
function checkPartition<S, I, O>(model: Model<S, I, O>, partition: Operation<I, O>[], deadline: number): string {
  // Ids (indexes here): known returns first, in order of call, then unknown outcomes (see LinearizedSet).
  const byCall = (a: Operation<I, O>, b: Operation<I, O>) => a.call - b.call;
  const ops = [...partition.filter((op) => op.ret !== Infinity).sort(byCall), ...partition.filter((op) => op.ret === Infinity).sort(byCall)];
  const n = ops.length;
  const { head, unknownHead, callPos, retPos } = buildEvents(ops);
  const unknown = ops.map((op) => op.ret === Infinity);
  const pure = ops.map((op) => !!(model.pure && op.output !== undefined && model.pure(op.input, op.output)));
  // Operations with a known return not linearized yet: when none is left, we are done.
  let finiteLeft = unknown.filter((u) => !u).length;
  if (finiteLeft === 0) return 'ok';

  const linearized = new LinearizedSet(finiteLeft, n);
  // Lowe's memo: (linearized set, state) pairs already explored. Reaching one
  // again means the rest of the search from there is known to fail, so it is
  // skipped.
  const cache = new Set<string>();

  // The explicit stack of levels. No recursion: partitions can hold thousands of operations.
  const stack: Frame<S>[] = [];
  let state = model.init();
  let stateKey = model.key(state);
  // The longest linearizable prefix seen, for the explanation, and how much
  // of the stack is known to agree with it (so a new best copies only the rest).
  const best: number[] = [];
  let agree = 0;

  // The cursor: the next candidate to try at this level, in which list, and
  // the position of the earliest return among the operations left.
  let entry: Entry | null = null;
  let inUnknown = true;
  let limit = 0;
  let levelStart = true;

  /** Linearizes a candidate that step accepted, unless that (set, state) was explored already. */
  const place = (candidate: Entry, next: S, nextKey: string, forced: boolean): boolean => {
    linearized.add(candidate.id);
    const key = `${linearized.key()}|${nextKey}`;
    if (cache.has(key)) {
      linearized.remove(candidate.id);
      return false;
    }
    cache.add(key);
    stack.push({ call: candidate, state, stateKey, forced, inUnknown, limit });
    state = next;
    stateKey = nextKey;
    if (!unknown[candidate.id]) finiteLeft--;
    lift(candidate);
    const depth = stack.length;
    if (agree === depth - 1 && best[depth - 1] === candidate.id) agree = depth;
    if (depth > best.length) {
      for (let i = agree; i < depth; i++) best[i] = stack[i].call.id;
      agree = depth;
    }
    levelStart = true;
    return true;
  };

  /** Undoes levels until one with candidates left to try; false when there is none. */
  const backtrack = (): boolean => {
    for (;;) {
      const frame = stack.pop();
      if (frame === undefined) return false;
      agree = Math.min(agree, stack.length);
      linearized.remove(frame.call.id);
      if (!unknown[frame.call.id]) finiteLeft++;
      unlift(frame.call);
      state = frame.state;
      stateKey = frame.stateKey;
      if (frame.forced) continue;
      inUnknown = frame.inUnknown;
      limit = frame.limit;
      entry = frame.call.next;
      return true;
    }
  };

  let iterations = 0;
  while (finiteLeft > 0) {
    if (iterations++ % CLOCK_EVERY === 0 && Date.now() >= deadline) return 'timeout';

    if (levelStart) {
      levelStart = false;
      // finiteLeft > 0, so the main list still holds a return.
      let e = head.next!;
      let forced: Entry | null = null;
      let forcedStep: { ok: boolean; next: S } | null = null;
      for (; e.match !== null; e = e.next!) {
        if (forced === null && pure[e.id]) {
          const r = model.step(state, ops[e.id].input, ops[e.id].output);
          if (r.ok) {
            forced = e;
            forcedStep = r;
          }
        }
      }
      limit = e.pos;
      if (forced !== null) {
        if (!place(forced, forcedStep!.next, model.key(forcedStep!.next), true) && !backtrack()) break;
        continue;
      }
      inUnknown = true;
      entry = unknownHead.next;
    }

    let candidate: Entry | null = null;
    if (inUnknown) {
      if (entry !== null && entry.pos < limit) candidate = entry;
      else {
        // Done with the unknown ones at this level; on to the known ones.
        inUnknown = false;
        entry = head.next;
        continue;
      }
    } else if (entry!.match !== null) {
      candidate = entry; // a call before the earliest return
    }

    if (candidate === null) {
      // Reached the earliest return: nothing left to try at this level.
      if (!backtrack()) break;
      continue;
    }

    const op = ops[candidate.id];
    const r = model.step(state, op.input, op.output);
    if (r.ok) {
      const nextKey = model.key(r.next);
      if (!(unknown[candidate.id] && nextKey === stateKey) && place(candidate, r.next, nextKey, false)) continue;
    }
    entry = candidate.next;
  }
  return finiteLeft === 0 ? 'ok' : explain(model, ops, best, callPos, retPos);
}

/** The most lines of prefix to print; older ones are summarized. */
const PREFIX_LINES = 20;

function explain<S, I, O>(
  model: Model<S, I, O>,
  ops: Operation<I, O>[],
  prefix: number[],
  callPos: number[],
  retPos: number[],
): string {
  const describe = (op: Operation<I, O>): string => (model.describe ? model.describe(op) : defaultDescribe(op));
  const lines: string[] = [];
  lines.push(`longest linearizable prefix found: ${prefix.length} of ${ops.length} operations`);
  const skip = Math.max(0, prefix.length - PREFIX_LINES);
  if (skip > 0) lines.push(`  ... ${skip} earlier operations`);
  let state = model.init();
  prefix.forEach((id, i) => {
    state = model.step(state, ops[id].input, ops[id].output).next;
    if (i >= skip) lines.push(`  ${i + 1}. ${describe(ops[id])}`);
  });
  lines.push(`state after it: ${model.key(state)}`);

  // The operations that could have come next: not linearized, and called
  // before the earliest return among the operations not linearized.
  const done = new Set(prefix);
  let firstRet = Infinity;
  for (let id = 0; id < ops.length; id++) if (!done.has(id)) firstRet = Math.min(firstRet, retPos[id]);
  lines.push('none of these can be linearized next:');
  for (let id = 0; id < ops.length; id++) {
    if (done.has(id) || callPos[id] > firstRet) continue;
    const ok = model.step(state, ops[id].input, ops[id].output).ok;
    lines.push(`  - ${describe(ops[id])}: ${ok ? 'allowed here, but the rest cannot follow it' : 'the model rejects it in this state'}`);
  }
  return lines.join('\n');
}

function defaultDescribe(op: Operation<unknown, unknown>): string {
  const out = op.output === undefined ? '?' : JSON.stringify(op.output);
  return `client ${op.client}: ${JSON.stringify(op.input)} -> ${out} [${op.call}, ${op.ret}]`;
}
