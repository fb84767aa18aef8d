// The committed in-memory tree, with ZooKeeper's semantics for every transaction and every
// stat field (DataTree.java is the reference). Replicas apply the same log entries in the
// same order and so hold the same tree.

import { createHash } from 'node:crypto';
import { decode, encode } from '../transport/codec.js';
import { aclEquals, DEFAULT_ACL, type Acl } from './acl.js';
import { ZkError } from './errors.js';
import { nameOf, parentOf } from './paths.js';
import type { LogEntry, NodeKind, Stat, Txn, TxnResult } from './txn.js';

/** A session the ensemble knows: its negotiated timeout and the hash of its secret. */
export interface LiveSession {
  timeoutMs: number;
  secretHash: string;
}

interface Node {
  data: Uint8Array;
  /** numChildren is kept as children.size, never stored */
  stat: Omit<Stat, 'numChildren'>;
  /** most nodes are leaves: a node has no set until its first child */
  children: Set<string> | undefined;
  kind: NodeKind;
  ttlMs: number;
  /** DEFAULT_ACL itself (shared) unless the node was given another */
  acl: readonly Acl[];
}

/** An ACL in snapshot form: [perms, scheme, id] per entry. */
type SnapshotAcl = [number, string, string][];

/**
 * Node in snapshot form: [path, data, czxid, mzxid, ctime, mtime, version, cversion, aversion,
 * ephemeralOwner, pzxid, kind, ttlMs, acl]. acl is null for the default; snapshots older than
 * ACLs end at ttlMs and read as the default too.
 */
type SnapshotNode = [string, Uint8Array, number, number, number, number, number, number, number, number, number, NodeKind, number, (SnapshotAcl | null)?];

const EMPTY = new Uint8Array(0);
const SYSTEM_NODES = ['/', '/zookeeper', '/zookeeper/quota', '/zookeeper/config'];

function blankNode(): Node {
  return {
    data: EMPTY,
    stat: { czxid: 0, mzxid: 0, ctime: 0, mtime: 0, version: 0, cversion: 0, aversion: 0, ephemeralOwner: 0, dataLength: 0, pzxid: 0 },
    children: undefined,
    kind: 'persistent',
    ttlMs: 0,
    acl: DEFAULT_ACL,
  };
}

/** Shares the default ACL's one copy across nodes, so an open node costs no ACL of its own. */
function storedAcl(acl: readonly Acl[] | undefined | null): readonly Acl[] {
  if (!acl || aclEquals(acl, DEFAULT_ACL)) return DEFAULT_ACL;
  return Object.freeze(acl.map((a) => Object.freeze({ perms: a.perms, scheme: a.scheme, id: a.id })));
}

export class DataTree {
  private readonly nodes = new Map<string, Node>();
  private readonly ephemerals = new Map<number, Set<string>>();
  private readonly liveSessions = new Map<number, LiveSession>();
  /** Container and TTL nodes: the leader checks these (and only these) for removal. */
  private readonly removable = new Set<string>();
  lastAppliedZxid = 0;
  private preimages?: Map<string, SnapshotNode | null>;

  constructor(empty = false) {
    if (empty) return;
    for (const path of SYSTEM_NODES) this.insert(path, blankNode());
  }

  get sessions(): ReadonlyMap<number, LiveSession> { return this.liveSessions; }
  get nodeCount(): number { return this.nodes.size; }

  // ---------- reads ----------

  has(path: string): boolean { return this.nodes.has(path); }

  /** Container and TTL nodes, with what decides whether they are due for removal. */
  *removableNodes(): Generator<{ path: string; kind: 'container' | 'ttl'; ttlMs: number; stat: Stat }> {
    for (const path of this.removable) {
      const n = this.nodes.get(path)!;
      yield { path, kind: n.kind as 'container' | 'ttl', ttlMs: n.ttlMs, stat: statOf(n) };
    }
  }

  exists(path: string): Stat | null {
    const n = this.nodes.get(path);
    return n ? statOf(n) : null;
  }

  stat(path: string): Stat {
    return statOf(this.get(path));
  }

  kindOf(path: string): NodeKind | undefined { return this.nodes.get(path)?.kind; }

  getData(path: string): { data: Uint8Array; stat: Stat } {
    const n = this.get(path);
    return { data: n.data, stat: statOf(n) };
  }

  /** The node's ACL, as stored (never mutate it). */
  aclOf(path: string): readonly Acl[] {
    return this.get(path).acl;
  }

  getACL(path: string): { acl: Acl[]; stat: Stat } {
    const n = this.get(path);
    return { acl: n.acl.map((a) => ({ ...a })), stat: statOf(n) };
  }

  getChildren(path: string): { children: string[]; stat: Stat } {
    const n = this.get(path);
    return { children: n.children ? [...n.children].sort() : [], stat: statOf(n) };
  }

  /** Every node below path, at any depth (ZooKeeper's getAllChildrenNumber). */
  descendantCount(path: string): number {
    let count = 0;
    const stack = [path];
    while (stack.length > 0) {
      const p = stack.pop()!;
      for (const child of this.get(p).children ?? []) {
        count++;
        stack.push(p === '/' ? `/${child}` : `${p}/${child}`);
      }
    }
    return count;
  }

  ephemeralsOf(sessionId: number): string[] {
    return [...(this.ephemerals.get(sessionId) ?? [])].sort();
  }

  private get(path: string): Node {
    const n = this.nodes.get(path);
    if (!n) throw new ZkError('NONODE', path);
    return n;
  }

  // ---------- writes ----------

  /** Applies one committed entry; refuses, changing nothing, what cannot apply. */
  apply(entry: LogEntry): TxnResult {
    if (entry.zxid <= this.lastAppliedZxid) {
      throw new ZkError('RUNTIMEINCONSISTENCY', `entry 0x${entry.zxid.toString(16)} is not after 0x${this.lastAppliedZxid.toString(16)}`);
    }
    this.validate(entry.txn);
    const result = this.applyTxn(entry.txn, entry.zxid, entry.time);
    this.lastAppliedZxid = entry.zxid;
    return result;
  }

  /** Checks that txn applies; inside a multi, against a scratch view of what its earlier parts changed. */
  private validate(txn: Txn, scratch?: Map<string, boolean>): void {
    const exists = (p: string) => scratch?.get(p) ?? this.nodes.has(p);
    switch (txn.type) {
      case 'create':
        if (txn.acl !== undefined && !isAclShape(txn.acl)) throw new ZkError('MARSHALLINGERROR', `create of ${txn.path}: malformed acl`);
        if (!exists(parentOf(txn.path))) throw new ZkError('NONODE', `parent of ${txn.path}`);
        if (exists(txn.path)) throw new ZkError('NODEEXISTS', txn.path);
        scratch?.set(txn.path, true);
        return;
      case 'delete':
        if (!exists(txn.path) || txn.path === '/') throw new ZkError('NONODE', txn.path);
        // A child created earlier in the same multi would make this fail in prepare already.
        scratch?.set(txn.path, false);
        return;
      case 'setACL':
        if (!isAclShape(txn.acl)) throw new ZkError('MARSHALLINGERROR', `setACL of ${txn.path}: malformed acl`);
        if (!exists(txn.path)) throw new ZkError('NONODE', txn.path);
        return;
      case 'setData':
      case 'check':
        if (!exists(txn.path)) throw new ZkError('NONODE', txn.path);
        return;
      case 'multi': {
        const view = scratch ?? new Map<string, boolean>();
        for (const t of txn.txns) this.validate(t, view);
        return;
      }
      case 'createSession':
      case 'closeSession':
        return;
      default:
        throw new ZkError('MARSHALLINGERROR', `unknown transaction type ${(txn as { type: unknown }).type}`);
    }
  }

  private applyTxn(txn: Txn, zxid: number, time: number): TxnResult {
    switch (txn.type) {
      case 'create': {
        const parent = this.get(parentOf(txn.path));
        const node: Node = {
          data: txn.data,
          stat: {
            czxid: zxid, mzxid: zxid, ctime: time, mtime: time, version: 0, cversion: 0, aversion: 0,
            ephemeralOwner: txn.ephemeralOwner, dataLength: txn.data.length, pzxid: zxid,
          },
          children: undefined,
          kind: txn.kind,
          ttlMs: txn.ttlMs,
          acl: storedAcl(txn.acl),
        };
        this.keepPreimage(parentOf(txn.path));
        this.keepPreimage(txn.path);
        if (txn.parentCVersion > parent.stat.cversion) {
          parent.stat.cversion = txn.parentCVersion;
          parent.stat.pzxid = zxid;
        }
        this.insert(txn.path, node);
        return { type: 'create', path: txn.path, stat: statOf(node) };
      }
      case 'delete':
        this.remove(txn.path, zxid);
        return { type: 'delete', path: txn.path };
      case 'setData': {
        const node = this.get(txn.path);
        this.keepPreimage(txn.path);
        node.data = txn.data;
        node.stat.dataLength = txn.data.length;
        node.stat.mtime = time;
        node.stat.mzxid = zxid;
        node.stat.version = txn.version;
        return { type: 'setData', path: txn.path, stat: statOf(node) };
      }
      case 'setACL': {
        // As DataTree.setACL: the ACL and aversion change; no other stat field does.
        const node = this.get(txn.path);
        this.keepPreimage(txn.path);
        node.acl = storedAcl(txn.acl);
        node.stat.aversion = txn.aversion;
        return { type: 'setACL', path: txn.path, stat: statOf(node) };
      }
      case 'check':
        return { type: 'check', path: txn.path };
      case 'multi':
        return { type: 'multi', results: txn.txns.map((t) => this.applyTxn(t, zxid, time)) };
      case 'createSession':
        this.liveSessions.set(txn.sessionId, { timeoutMs: txn.timeoutMs, secretHash: txn.secretHash });
        return { type: 'createSession', sessionId: txn.sessionId, timeoutMs: txn.timeoutMs };
      case 'closeSession': {
        const deleted = this.ephemeralsOf(txn.sessionId);
        for (const path of deleted) this.remove(path, zxid);
        this.liveSessions.delete(txn.sessionId);
        this.ephemerals.delete(txn.sessionId);
        return { type: 'closeSession', deleted };
      }
    }
  }

  private insert(path: string, node: Node): void {
    this.nodes.set(path, node);
    if (path !== '/') (this.nodes.get(parentOf(path))!.children ??= new Set()).add(nameOf(path));
    if (node.kind === 'container' || node.kind === 'ttl') this.removable.add(path);
    if (node.kind === 'ephemeral') {
      let set = this.ephemerals.get(node.stat.ephemeralOwner);
      if (!set) this.ephemerals.set(node.stat.ephemeralOwner, (set = new Set()));
      set.add(path);
    }
  }

  private remove(path: string, zxid: number): void {
    const node = this.get(path);
    const parent = this.get(parentOf(path));
    this.keepPreimage(path);
    this.keepPreimage(parentOf(path));
    parent.children?.delete(nameOf(path));
    // As ZooKeeper: a delete moves the parent's pzxid; the cversion clients see counts it (statOf).
    if (zxid > parent.stat.pzxid) parent.stat.pzxid = zxid;
    this.nodes.delete(path);
    this.removable.delete(path);
    if (node.kind === 'ephemeral') this.ephemerals.get(node.stat.ephemeralOwner)?.delete(path);
  }

  // ---------- snapshots ----------

  /**
   * The tree exactly as it was at the call, in chunks of about chunkBytes, parents before
   * children (insertion order guarantees it: a parent exists before any of its children).
   * It yields to the event loop between chunks; a node changed meanwhile is written as it
   * was, from the pre-image saved before its first change. A chunk is built and encoded in
   * one go: one of 256 KB holds the loop for 1-2 ms, one of 1 MB held it for 4-5 (the first
   * for up to 50), so a server taking a snapshot under load keeps answering.
   */
  async *snapshot(chunkBytes = 1 << 18): AsyncGenerator<Uint8Array> {
    if (this.preimages) throw new Error('a snapshot is already being taken');
    const preimages = new Map<string, SnapshotNode | null>();
    this.preimages = preimages;
    try {
      let header: object | undefined = { zxid: this.lastAppliedZxid, sessions: [...this.liveSessions].map(([id, s]) => [id, s.timeoutMs, s.secretHash]) };
      const paths = [...this.nodes.keys()];
      let batch: SnapshotNode[] = [];
      let bytes = 0;
      for (const path of paths) {
        const node = preimages.has(path) ? preimages.get(path)! : this.snapshotNode(path);
        if (!node) continue;
        batch.push(node);
        bytes += path.length + node[1].length + 64;
        if (bytes >= chunkBytes) {
          yield encode({ header, nodes: batch });
          header = undefined;
          batch = [];
          bytes = 0;
          await new Promise((r) => setImmediate(r));
        }
      }
      yield encode({ header, nodes: batch });
    } finally {
      this.preimages = undefined;
    }
  }

  private snapshotNode(path: string): SnapshotNode | null {
    const n = this.nodes.get(path);
    if (!n) return null;
    const s = n.stat;
    const acl = n.acl === DEFAULT_ACL ? null : n.acl.map((a): [number, string, string] => [a.perms, a.scheme, a.id]);
    return [path, n.data, s.czxid, s.mzxid, s.ctime, s.mtime, s.version, s.cversion, s.aversion, s.ephemeralOwner, s.pzxid, n.kind, n.ttlMs, acl];
  }

  /** Called before a node changes while a snapshot is being taken. */
  private keepPreimage(path: string): void {
    if (this.preimages && !this.preimages.has(path)) this.preimages.set(path, this.snapshotNode(path));
  }

  static fromChunks(chunks: Iterable<Uint8Array>): DataTree {
    const tree = new DataTree(true);
    for (const chunk of chunks) {
      const { header, nodes } = decode(chunk) as { header?: { zxid: number; sessions: [number, number, string][] }; nodes: SnapshotNode[] };
      if (header) {
        tree.lastAppliedZxid = header.zxid;
        for (const [id, timeoutMs, secretHash] of header.sessions) tree.liveSessions.set(id, { timeoutMs, secretHash });
      }
      for (const [path, data, czxid, mzxid, ctime, mtime, version, cversion, aversion, ephemeralOwner, pzxid, kind, ttlMs, acl] of nodes) {
        tree.insert(path, {
          data,
          stat: { czxid, mzxid, ctime, mtime, version, cversion, aversion, ephemeralOwner, dataLength: data.length, pzxid },
          children: undefined,
          kind,
          ttlMs,
          acl: storedAcl(acl?.map(([perms, scheme, id]) => ({ perms, scheme, id }))),
        });
      }
    }
    if (!tree.nodes.has('/')) throw new Error('snapshot holds no root node');
    return tree;
  }

  /** A hash of everything a client can observe, for comparing replicas. */
  digest(): string {
    const h = createHash('sha256');
    h.update(`${this.lastAppliedZxid};${[...this.liveSessions.keys()].sort((a, b) => a - b).join(',')}\n`);
    for (const path of [...this.nodes.keys()].sort()) {
      const n = this.nodes.get(path)!;
      h.update(`${path} ${JSON.stringify(statOf(n))} ${n.kind} ${n.ttlMs} ${JSON.stringify(n.acl)}\n`);
      h.update(n.data);
    }
    return h.digest('hex');
  }
}

/** A transaction comes off the wire: its ACL must at least be a list of entries before it is stored. */
function isAclShape(acl: unknown): acl is Acl[] {
  return Array.isArray(acl) && acl.every((a) => typeof a === 'object' && a !== null && Number.isInteger((a as Acl).perms)
    && typeof (a as Acl).scheme === 'string' && typeof (a as Acl).id === 'string');
}

/**
 * The stat a client sees. A node keeps in cversion how many children were ever created under it
 * (the next sequential suffix, as ZooKeeper's StatPersisted does); clients are shown the
 * number of changes to its children, creates and deletes alike: every child created and no
 * longer there was deleted once.
 */
function statOf(n: Node): Stat {
  const s = n.stat;
  const numChildren = n.children?.size ?? 0;
  return {
    czxid: s.czxid, mzxid: s.mzxid, ctime: s.ctime, mtime: s.mtime, version: s.version, cversion: s.cversion * 2 - numChildren,
    aversion: s.aversion, ephemeralOwner: s.ephemeralOwner, dataLength: s.dataLength, numChildren, pzxid: s.pzxid,
  };
}
