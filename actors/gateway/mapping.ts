// A ZooKeeper request as natszk's op, and natszk's reply body as ZooKeeper's response: a pure
// table, so what the gateway promises per op is in one place. Validation is the public API's
// own (parseClientOp), so a request is refused here exactly as it would be over NATS.

import { ErrorCode, ZkError } from '../../storage/errors.js';
import type { Stat } from '../../storage/txn.js';
import { validatePath } from '../../storage/paths.js';
import { AddWatchMode, OpCode, WatcherType } from '../../transport/jute/codes.js';
import type { Acl } from '../../transport/jute/records.js';
import type { MultiSubRequest, ZkRequest } from '../../transport/jute/requests.js';
import type { MultiResult, ResponseBody } from '../../transport/jute/responses.js';
import { isErrorReply, parseClientOp, type ErrorReply, type Limits } from '../../transport/messages.js';
import type { RemovableWatch } from '../../transport/ops.js';
import type { LocalRequest } from '../session/local-front-end.js';

export interface Answer { err: number; body: ResponseBody }

/** Ask the session (then translate its reply), or answer at once. */
export type Plan =
  | { kind: 'ask'; request: LocalRequest; answer: (reply: object) => Answer }
  | { kind: 'now'; answer: Answer };

const NONE: ResponseBody = { type: 'none' };
const ok = (body: ResponseBody = NONE): Answer => ({ err: 0, body });
const fail = (err: number): Answer => ({ err, body: NONE });

/** A natszk reply: its error code, or the translation of its body. */
function translate(reply: object, body: (r: Record<string, unknown>) => ResponseBody): Answer {
  if (isErrorReply(reply)) return fail(reply.code);
  return ok(body(reply as Record<string, unknown>));
}

const stat = (r: Record<string, unknown>) => r.stat as Stat;

function subOp(op: MultiSubRequest): Record<string, unknown> {
  switch (op.type) {
    case 'create': return { op: 'create', path: op.path, data: op.data, mode: op.flags, ttl: op.ttl, acl: op.acl };
    case 'delete': return { op: 'delete', path: op.path, version: op.version };
    case 'setData': return { op: 'setData', path: op.path, data: op.data, version: op.version };
    case 'check': return { op: 'check', path: op.path, version: op.version };
  }
}

function multiResult(r: Record<string, unknown>): MultiResult {
  switch (r.type) {
    // ZooKeeper 3.8 answers every create in a multi (create2, container and TTL too) with the path alone.
    case 'create': return { type: 'create', path: r.path as string };
    case 'setData': return { type: 'setData', stat: stat(r) };
    case 'delete': return { type: 'delete' };
    case 'check': return { type: 'check' };
    default: return { type: 'error', err: (r.code as number | undefined) ?? ErrorCode.SYSTEMERROR };
  }
}

/** A failed multi: ZooKeeper answers OK in the header and an error per op (OK before the failing one, RUNTIMEINCONSISTENCY after). */
function failedMulti(reply: ErrorReply, count: number): Answer {
  if (!reply.results || reply.results.length !== count) return fail(reply.code);
  const results = reply.results.map((r) => ({ type: 'error' as const, err: (r as { code?: number }).code ?? reply.code }));
  return ok({ type: 'multi', results });
}

const REMOVABLE: Record<number, RemovableWatch> = {
  [WatcherType.children]: 'children', [WatcherType.data]: 'data', [WatcherType.any]: 'any', 4: 'persistent', 5: 'persistentRecursive',
};

/** What ZooKeeper 3.8's checkWatches finds per type: a persistent watch, recursive or not, counts as both a data and a child watch. */
const CHECKED_BY: Record<RemovableWatch, RemovableWatch[]> = {
  data: ['data', 'persistent', 'persistentRecursive'],
  children: ['children', 'persistent', 'persistentRecursive'],
  any: ['any'],
  persistent: ['persistent'],
  persistentRecursive: ['persistentRecursive'],
};

function plan(req: ZkRequest, limits: Limits): Plan {
  const ask = (body: Record<string, unknown>, answer: (reply: object) => Answer): Plan => ({ kind: 'ask', request: parseClientOp(body, limits), answer });
  switch (req.type) {
    case 'create':
      return ask({ op: 'create', path: req.path, data: req.data, mode: req.flags, ttl: req.ttl, acl: req.acl }, (r) => translate(r, (b) =>
        req.code === OpCode.create ? { type: 'path', path: b.path as string } : { type: 'pathStat', path: b.path as string, stat: stat(b) }));
    case 'delete': return ask({ op: 'delete', path: req.path, version: req.version }, (r) => translate(r, () => NONE));
    case 'setData': return ask({ op: 'setData', path: req.path, data: req.data, version: req.version }, (r) => translate(r, (b) => ({ type: 'stat', stat: stat(b) })));
    case 'check':
      return ask({ op: 'multi', ops: [subOp(req)] }, (r) => isErrorReply(r) ? fail((r.results?.[0] as { code?: number } | undefined)?.code ?? r.code) : ok());
    case 'exists':
      // ZooKeeper answers an absent node NONODE (the exists watch is left all the same).
      return ask({ op: 'exists', path: req.path, watch: req.watch }, (r) => isErrorReply(r) ? fail(r.code)
        : (r as { stat: Stat | null }).stat === null ? fail(ErrorCode.NONODE) : ok({ type: 'stat', stat: stat(r as Record<string, unknown>) }));
    case 'getData':
      return ask({ op: 'getData', path: req.path, watch: req.watch }, (r) => translate(r, (b) => ({ type: 'data', data: b.data as Uint8Array, stat: stat(b) })));
    case 'getChildren':
    case 'getChildren2':
      return ask({ op: 'getChildren', path: req.path, watch: req.watch }, (r) => translate(r, (b) =>
        req.type === 'getChildren' ? { type: 'children', children: b.children as string[] } : { type: 'children2', children: b.children as string[], stat: stat(b) }));
    case 'getACL': return ask({ op: 'getACL', path: req.path }, (r) => translate(r, (b) => ({ type: 'acl', acl: b.acl as Acl[], stat: stat(b) })));
    case 'setACL': return ask({ op: 'setACL', path: req.path, acl: req.acl, version: req.version }, (r) => translate(r, (b) => ({ type: 'stat', stat: stat(b) })));
    case 'sync': return ask({ op: 'sync', path: req.path }, (r) => translate(r, (b) => ({ type: 'path', path: b.path as string })));
    case 'multi': {
      const ops = req.ops;
      return ask({ op: 'multi', ops: ops.map(subOp) }, (r) => isErrorReply(r) ? failedMulti(r, ops.length)
        : ok({ type: 'multi', results: ((r as { results: Record<string, unknown>[] }).results).map((res) => multiResult(res)) }));
    }
    case 'multiRead':
      return ask({ op: 'multiRead', ops: req.ops.map((o) => ({ op: o.type, path: o.path })) }, (r) => translate(r, (b) => ({
        type: 'multi',
        results: (b.results as Record<string, unknown>[]).map((res): MultiResult => res.type === 'getData' ? { type: 'getData', data: res.data as Uint8Array, stat: stat(res) }
          : res.type === 'getChildren' ? { type: 'getChildren', children: res.children as string[] }
            : { type: 'error', err: res.code as number }),
      })));
    case 'ping': return { kind: 'ask', request: { op: 'ping' }, answer: (r) => translate(r, () => NONE) };
    case 'close': return { kind: 'ask', request: { op: 'close' }, answer: (r) => translate(r, () => NONE) };
    case 'setWatches': {
      const w = req.watches;
      for (const p of [...w.data, ...w.exist, ...w.child, ...w.persistent, ...w.persistentRecursive]) validatePath(p);
      const watches = { data: w.data, exist: w.exist, child: w.child, persistent: w.persistent, persistentRecursive: w.persistentRecursive };
      return { kind: 'ask', request: { op: 'setWatches', watches, relativeZxid: req.relativeZxid }, answer: (r) => translate(r, () => NONE) };
    }
    case 'addWatch': {
      const mode = req.mode === AddWatchMode.persistent ? 'persistent' : req.mode === AddWatchMode.persistentRecursive ? 'persistentRecursive' : undefined;
      if (!mode) throw new ZkError('BADARGUMENTS', `unknown addWatch mode ${req.mode}`);
      // ZooKeeper answers addWatch with an ErrorResponse(0) body, and its Java client reads one:
      // a reply without it fails the client's read (EOF) and drops the connection.
      return ask({ op: 'addWatch', path: req.path, mode }, (r) => translate(r, () => ({ type: 'errorResponse', err: 0 })));
    }
    case 'removeWatches':
    case 'checkWatches': {
      const type = REMOVABLE[req.watcherType];
      if (!type) throw new ZkError('BADARGUMENTS', `unknown watcher type ${req.watcherType}`);
      if (req.type === 'removeWatches') return ask({ op: 'removeWatches', path: req.path, type }, (r) => translate(r, () => NONE));
      validatePath(req.path);
      return { kind: 'ask', request: { op: 'checkWatches', path: req.path, types: CHECKED_BY[type] }, answer: (r) => translate(r, () => NONE) };
    }
    case 'getEphemerals':
      return ask({ op: 'getEphemerals', prefix: req.prefix }, (r) => translate(r, (b) => ({ type: 'paths', paths: b.paths as string[] })));
    case 'getAllChildrenNumber':
      return ask({ op: 'getAllChildrenNumber', path: req.path }, (r) => translate(r, (b) => ({ type: 'count', count: b.count as number })));
    case 'auth':
      // In the session's order, as ZooKeeper's: the writes after it carry its identity. Only
      // the digest scheme is served; another is AUTHFAILED, and the connection then closes.
      return { kind: 'ask', request: { op: 'addAuth', scheme: req.scheme, auth: Buffer.from(req.auth).toString('utf8') }, answer: (r) => translate(r, () => NONE) };
    case 'unimplemented': return { kind: 'now', answer: fail(ErrorCode.UNIMPLEMENTED) };
  }
}

/** The plan for one request; a request natszk refuses (bad path, bad mode, ...) is answered at once with the refusal's code. */
export function planRequest(req: ZkRequest, limits: Limits): Plan {
  try {
    return plan(req, limits);
  } catch (err) {
    if (err instanceof ZkError) return { kind: 'now', answer: fail(err.code) };
    throw err;
  }
}
