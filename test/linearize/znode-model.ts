// A model of ZooKeeper's znode operations for the linearizability checker.
//
// Each path is treated as an independent object, so histories are partitioned
// by path. That holds for these operations as long as the history does not
// depend on the tree structure: the model does not know about parents
// (create's NONODE for a missing parent) or children (delete's NOTEMPTY), so
// histories checked with it should use paths whose parents exist throughout
// and that never get children.
//
// Besides the five data operations there is `check`, ZooKeeper's version
// check as sent in a multi of one op (test/sim/clients.ts uses it): NONODE
// when absent, BADVERSION on a version mismatch (-1 matches any), else ok.

import type { Model, Operation } from './checker.js';

export type ZnodeInput =
  | { op: 'create'; path: string; data: string }
  | { op: 'delete'; path: string; version: number } // -1 = any version
  | { op: 'setData'; path: string; data: string; version: number } // -1 = any
  | { op: 'getData'; path: string }
  | { op: 'exists'; path: string }
  /** A version check (a multi of one check op): a read ordered with the writes. -1 = any version. */
  | { op: 'check'; path: string; version: number };

/**
 * getData: data + version; setData: the new version; exists: version;
 * create/delete/check: nothing required. Whatever fields are present are checked.
 */
export type ZnodeOutput =
  | { ok: true; data?: string; version?: number }
  | { ok: false; error: 'NONODE' | 'NODEEXISTS' | 'BADVERSION' };

export interface Znode {
  readonly data: string;
  readonly version: number;
}

/** Path -> node; an absent path has no entry. Never mutated: step makes a new map. */
export type ZnodeState = ReadonlyMap<string, Znode>;

type ZnodeError = 'NONODE' | 'NODEEXISTS' | 'BADVERSION';

/** What the operation does to a node: the node after it, and what it should reply. */
interface Effect {
  node: Znode | undefined;
  error?: ZnodeError;
  /** The fields a successful reply may carry, with their correct values. */
  data?: string;
  version?: number;
}

function effect(node: Znode | undefined, input: ZnodeInput): Effect {
  switch (input.op) {
    case 'create':
      if (node) return { node, error: 'NODEEXISTS' };
      return { node: { data: input.data, version: 0 }, data: input.data, version: 0 };
    case 'delete':
      if (!node) return { node, error: 'NONODE' };
      if (input.version !== -1 && input.version !== node.version) return { node, error: 'BADVERSION' };
      return { node: undefined, data: node.data, version: node.version };
    case 'setData': {
      if (!node) return { node, error: 'NONODE' };
      if (input.version !== -1 && input.version !== node.version) return { node, error: 'BADVERSION' };
      const next = { data: input.data, version: node.version + 1 };
      return { node: next, data: next.data, version: next.version };
    }
    case 'getData':
    case 'exists':
      if (!node) return { node, error: 'NONODE' };
      return { node, data: node.data, version: node.version };
    case 'check':
      if (!node) return { node, error: 'NONODE' };
      if (input.version !== -1 && input.version !== node.version) return { node, error: 'BADVERSION' };
      return { node, data: node.data, version: node.version };
  }
}

/** Does the observed reply agree with what the operation did? */
function matches(e: Effect, out: ZnodeOutput): boolean {
  if (e.error !== undefined) return !out.ok && out.error === e.error;
  if (!out.ok) return false;
  if (out.data !== undefined && out.data !== e.data) return false;
  if (out.version !== undefined && out.version !== e.version) return false;
  return true;
}

export const znodeModel: Model<ZnodeState, ZnodeInput, ZnodeOutput> = {
  init: () => new Map(),

  step(state, input, output) {
    const before = state.get(input.path);
    const e = effect(before, input);
    // Unknown outcome: if it took effect, it did what the state dictates.
    if (output !== undefined && !matches(e, output)) return { ok: false, next: state };
    if (e.node === before) return { ok: true, next: state };
    const next = new Map(state);
    if (e.node) next.set(input.path, e.node);
    else next.delete(input.path);
    return { ok: true, next };
  },

  key(state) {
    // Called at every step of the search, so no JSON: length-prefixed fields
    // (unambiguous whatever the data holds), paths in sorted order.
    const paths = state.size > 1 ? [...state.keys()].sort() : [...state.keys()];
    let k = '';
    for (const p of paths) {
      const node = state.get(p)!;
      k += `${p.length}:${p}${node.version}:${node.data.length}:${node.data}`;
    }
    return k;
  },

  // Reads, and every failed operation (ZooKeeper changes nothing on an error).
  pure: (input, output) => !output.ok || input.op === 'getData' || input.op === 'exists' || input.op === 'check',

  partition(ops) {
    const byPath = new Map<string, Operation<ZnodeInput, ZnodeOutput>[]>();
    for (const op of ops) {
      let list = byPath.get(op.input.path);
      if (!list) byPath.set(op.input.path, (list = []));
      list.push(op);
    }
    return [...byPath.values()];
  },

  describe(op) {
    const i = op.input;
    let call: string = `${i.op} ${i.path}`;
    if (i.op === 'create' || i.op === 'setData') call += ` ${JSON.stringify(i.data)}`;
    if (i.op === 'delete' || i.op === 'setData' || i.op === 'check') call += ` v=${i.version}`;
    let reply: string;
    const o = op.output;
    if (o === undefined) reply = '? (outcome unknown)';
    else if (!o.ok) reply = o.error;
    else {
      reply = 'ok';
      if (o.data !== undefined) reply += ` ${JSON.stringify(o.data)}`;
      if (o.version !== undefined) reply += ` v${o.version}`;
    }
    const ret = op.ret === Infinity ? '∞' : String(op.ret);
    return `client ${op.client}: ${call} -> ${reply} [${op.call}, ${ret}]`;
  },
};
