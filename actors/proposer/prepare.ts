// The leader's request-to-transaction step (ZooKeeper's PrepRequestProcessor). It checks a
// request against the tree as it will be once everything already proposed commits: the
// committed tree plus change records for the proposed transactions, which carry stats
// only (never children sets), so a create under a huge parent stays O(1).

import { aclEquals, checkAcl, DEFAULT_ACL, fixupAcl, Perms, type Acl, type Identity } from '../../storage/acl.js';
import { ZkError, type ErrorName } from '../../storage/errors.js';
import type { DataTree } from '../../storage/data-tree.js';
import { parentOf } from '../../storage/paths.js';
import { modeIsSequential, modeKind, type NodeKind, type Stat, type Txn } from '../../storage/txn.js';
import { ANY_VERSION, type MultiSubOp, type SetAclOp, type WriteOp } from '../../transport/ops.js';

interface NodeRecord {
  stat: Stat;
  kind: NodeKind;
  acl: readonly Acl[];
}

/** What a proposed transaction did to a path: null when it deleted it. */
interface ChangeRecord {
  zxid: number;
  node: NodeRecord | null;
}

export interface PrepareContext {
  zxid: number;
  time: number;
  /** 0 for a sessionless request */
  sessionId: number;
  /** who asks: the identities its session holds (none: world only; SUPER for the leader's own housekeeping) */
  identities: readonly Identity[];
}

export type Prepared = { txn: Txn } | { error: ZkError };

export class PendingView {
  private readonly changes = new Map<string, ChangeRecord>();
  private readonly sessionChanges = new Map<number, { zxid: number; live: boolean }>();
  /** Ephemerals created by proposed transactions, which a proposed closeSession must delete too. */
  private readonly pendingEphemerals = new Map<number, Map<string, number>>();

  constructor(private readonly tree: DataTree, private readonly maxDataBytes: number) {}

  prepare(op: WriteOp, ctx: PrepareContext): Prepared {
    const layer = new Map<string, ChangeRecord>();
    const newEphemerals: string[] = [];
    try {
      if (ctx.sessionId !== 0 && op.op !== 'createSession' && !this.isLive(ctx.sessionId)) {
        throw new ZkError('SESSIONEXPIRED', `session 0x${ctx.sessionId.toString(16)} is not open`);
      }
      const txn = this.prepareOp(op, ctx, layer, newEphemerals);
      for (const [path, rec] of layer) this.changes.set(path, rec);
      if (newEphemerals.length > 0) {
        let mine = this.pendingEphemerals.get(ctx.sessionId);
        if (!mine) this.pendingEphemerals.set(ctx.sessionId, (mine = new Map()));
        for (const p of newEphemerals) mine.set(p, ctx.zxid);
      }
      if (txn.type === 'createSession') this.sessionChanges.set(txn.sessionId, { zxid: ctx.zxid, live: true });
      if (txn.type === 'closeSession') this.sessionChanges.set(txn.sessionId, { zxid: ctx.zxid, live: false });
      return { txn };
    } catch (err) {
      if (err instanceof ZkError) return { error: err };
      throw err;
    }
  }

  /** The tree now holds everything up to zxid: its change records are no longer needed. */
  committed(zxid: number): void {
    for (const [path, rec] of this.changes) if (rec.zxid <= zxid) this.changes.delete(path);
    for (const [id, rec] of this.sessionChanges) if (rec.zxid <= zxid) this.sessionChanges.delete(id);
    for (const [id, paths] of this.pendingEphemerals) {
      for (const [p, z] of paths) if (z <= zxid) paths.delete(p);
      if (paths.size === 0) this.pendingEphemerals.delete(id);
    }
  }

  clear(): void {
    this.changes.clear();
    this.sessionChanges.clear();
    this.pendingEphemerals.clear();
  }

  private isLive(sessionId: number): boolean {
    return this.sessionChanges.get(sessionId)?.live ?? this.tree.sessions.has(sessionId);
  }

  private lookup(path: string, layer: Map<string, ChangeRecord>): NodeRecord | null {
    const rec = layer.get(path) ?? this.changes.get(path);
    if (rec) return rec.node;
    const stat = this.tree.exists(path);
    return stat ? { stat, kind: this.tree.kindOf(path)!, acl: this.tree.aclOf(path) } : null;
  }

  private require(path: string, layer: Map<string, ChangeRecord>): NodeRecord {
    const node = this.lookup(path, layer);
    if (!node) throw new ZkError('NONODE', path);
    return node;
  }

  private prepareOp(op: WriteOp, ctx: PrepareContext, layer: Map<string, ChangeRecord>, newEphemerals: string[]): Txn {
    switch (op.op) {
      case 'createSession':
        return { type: 'createSession', sessionId: ctx.zxid, timeoutMs: op.timeoutMs, secretHash: op.secretHash };
      case 'closeSession':
        return this.closeSession(ctx, layer);
      case 'multi':
        return this.multi(op.ops, ctx, layer, newEphemerals);
      case 'setACL':
        return this.setAcl(op, ctx, layer);
      default:
        return this.subOp(op, ctx, layer, newEphemerals);
    }
  }

  private subOp(op: MultiSubOp, ctx: PrepareContext, layer: Map<string, ChangeRecord>, newEphemerals: string[]): Txn {
    const { zxid, time } = ctx;
    switch (op.op) {
      case 'create': {
        const kind = modeKind(op.mode);
        if (kind === 'ttl' && op.ttlMs <= 0) throw new ZkError('BADARGUMENTS', 'a TTL node needs ttl > 0');
        if (kind !== 'ttl' && op.ttlMs !== 0) throw new ZkError('BADARGUMENTS', 'ttl is only for the TTL modes');
        if (op.data.length > this.maxDataBytes) throw new ZkError('BADARGUMENTS', `data is ${op.data.length} bytes, over the limit of ${this.maxDataBytes}`);
        if (kind === 'ephemeral' && ctx.sessionId === 0) throw new ZkError('BADARGUMENTS', 'ephemeral nodes need a session');
        // ZooKeeper's order: the ACL is fixed up, then the parent found, then CREATE on it checked.
        // Most creates ask for world:anyone, which fixes up to itself: the txn then carries none.
        const given = op.acl === undefined || aclEquals(op.acl, DEFAULT_ACL) ? undefined : fixupAcl(op.path, op.acl, ctx.identities);
        const acl = given ?? DEFAULT_ACL;
        const parentPath = parentOf(op.path);
        const parent = this.require(parentPath, layer);
        checkAcl(parent.acl, Perms.CREATE, ctx.identities, parentPath);
        // Stats here are as clients see them (cversion counts creates and deletes); the next
        // sequential suffix is how many children were ever created, as ZooKeeper numbers them.
        const created = (parent.stat.cversion + parent.stat.numChildren) / 2;
        const path = modeIsSequential(op.mode) ? op.path + String(created).padStart(10, '0') : op.path;
        if (this.lookup(path, layer)) throw new ZkError('NODEEXISTS', path);
        if (parent.kind === 'ephemeral') throw new ZkError('NOCHILDRENFOREPHEMERALS', parentPath);
        const ephemeralOwner = kind === 'ephemeral' ? ctx.sessionId : 0;
        const parentCVersion = created + 1;
        layer.set(parentPath, { zxid, node: { ...parent, stat: { ...parent.stat, cversion: parent.stat.cversion + 1, pzxid: zxid, numChildren: parent.stat.numChildren + 1 } } });
        layer.set(path, {
          zxid,
          node: {
            kind,
            acl,
            stat: { czxid: zxid, mzxid: zxid, ctime: time, mtime: time, version: 0, cversion: 0, aversion: 0, ephemeralOwner, dataLength: op.data.length, numChildren: 0, pzxid: zxid },
          },
        });
        if (kind === 'ephemeral') newEphemerals.push(path);
        return { type: 'create', path, data: op.data, kind, ephemeralOwner, ttlMs: op.ttlMs, parentCVersion, acl: given };
      }
      case 'delete': {
        if (op.path === '/') throw new ZkError('BADARGUMENTS', 'the root cannot be deleted');
        // DELETE is the parent's permission, checked before the node is looked for.
        const parentPath = parentOf(op.path);
        checkAcl(this.require(parentPath, layer).acl, Perms.DELETE, ctx.identities, parentPath);
        const node = this.require(op.path, layer);
        checkVersion(node, op.version, op.path);
        if (node.stat.numChildren > 0) throw new ZkError('NOTEMPTY', op.path);
        this.markDeleted(op.path, zxid, layer);
        return { type: 'delete', path: op.path };
      }
      case 'setData': {
        if (op.data.length > this.maxDataBytes) throw new ZkError('BADARGUMENTS', `data is ${op.data.length} bytes, over the limit of ${this.maxDataBytes}`);
        const node = this.require(op.path, layer);
        checkAcl(node.acl, Perms.WRITE, ctx.identities, op.path);
        checkVersion(node, op.version, op.path);
        const version = node.stat.version + 1;
        layer.set(op.path, { zxid, node: { ...node, stat: { ...node.stat, version, mzxid: zxid, mtime: time, dataLength: op.data.length } } });
        return { type: 'setData', path: op.path, data: op.data, version };
      }
      case 'check': {
        const node = this.require(op.path, layer);
        checkAcl(node.acl, Perms.READ, ctx.identities, op.path);
        checkVersion(node, op.version, op.path);
        return { type: 'check', path: op.path, version: node.stat.version };
      }
    }
  }

  private markDeleted(path: string, zxid: number, layer: Map<string, ChangeRecord>): void {
    const parentPath = parentOf(path);
    const parent = this.require(parentPath, layer);
    layer.set(parentPath, { zxid, node: { ...parent, stat: { ...parent.stat, cversion: parent.stat.cversion + 1, pzxid: Math.max(parent.stat.pzxid, zxid), numChildren: parent.stat.numChildren - 1 } } });
    layer.set(path, { zxid, node: null });
  }

  /** As ZooKeeper: fix the ACL up, find the node, ADMIN on it, then the version against its aversion. */
  private setAcl(op: SetAclOp, ctx: PrepareContext, layer: Map<string, ChangeRecord>): Txn {
    const acl = fixupAcl(op.path, op.acl, ctx.identities);
    const node = this.require(op.path, layer);
    checkAcl(node.acl, Perms.ADMIN, ctx.identities, op.path);
    if (op.version !== ANY_VERSION && op.version !== node.stat.aversion) {
      throw new ZkError('BADVERSION', `${op.path} is at ACL version ${node.stat.aversion}, not ${op.version}`);
    }
    const aversion = node.stat.aversion + 1;
    layer.set(op.path, { zxid: ctx.zxid, node: { kind: node.kind, acl, stat: { ...node.stat, aversion } } });
    return { type: 'setACL', path: op.path, acl, aversion };
  }

  /** All or nothing: later ops see earlier ones; a failure reports per op as ZooKeeper does. */
  private multi(ops: MultiSubOp[], ctx: PrepareContext, layer: Map<string, ChangeRecord>, newEphemerals: string[]): Txn {
    const txns: Txn[] = [];
    for (let i = 0; i < ops.length; i++) {
      try {
        txns.push(this.subOp(ops[i]!, ctx, layer, newEphemerals));
      } catch (err) {
        if (!(err instanceof ZkError)) throw err;
        layer.clear();
        newEphemerals.length = 0;
        const results = ops.map((_, j) => ({ type: 'error', code: j < i ? 0 : j === i ? err.code : -2 }));
        throw new ZkError(err.codeName as ErrorName, err.message.replace(/^[A-Z]+: /, ''), results);
      }
    }
    return { type: 'multi', txns };
  }

  private closeSession(ctx: PrepareContext, layer: Map<string, ChangeRecord>): Txn {
    const id = ctx.sessionId;
    if (!this.isLive(id)) throw new ZkError('SESSIONEXPIRED', `session 0x${id.toString(16)} is not open`);
    const candidates = new Set([...this.tree.ephemeralsOf(id), ...(this.pendingEphemerals.get(id)?.keys() ?? [])]);
    for (const path of [...candidates].sort()) {
      const node = this.lookup(path, layer);
      if (node && node.stat.ephemeralOwner === id) this.markDeleted(path, ctx.zxid, layer);
    }
    return { type: 'closeSession', sessionId: id };
  }
}

function checkVersion(node: NodeRecord, version: number, path: string): void {
  if (version !== ANY_VERSION && version !== node.stat.version) {
    throw new ZkError('BADVERSION', `${path} is at version ${node.stat.version}, not ${version}`);
  }
}
