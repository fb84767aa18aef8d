// What the recipes share: parent paths made on demand, sequential nodes whose creation
// survives a lost reply, ordering by sequence number, and waiting for a node to change.

import { randomUUID } from 'node:crypto';
import { ConnectionLossError, NodeExistsError, NoNodeError, SessionExpiredError, type Client, type CreateModeName } from '../index.js';

export interface WaitOptions {
  /** ms; when it passes the wait ends without the thing waited for */
  timeout?: number;
  signal?: AbortSignal;
}

/** Creates path and any missing parent as persistent nodes; an existing node is fine. */
export async function ensurePath(zk: Client, path: string): Promise<void> {
  const parts = path.split('/').filter(Boolean);
  for (let i = 1; i <= parts.length; i++) {
    const p = `/${parts.slice(0, i).join('/')}`;
    if (await zk.exists(p)) continue;
    try {
      await zk.create(p);
    } catch (err) {
      if (!(err instanceof NodeExistsError)) throw err;
    }
  }
}

/** The 10-digit sequence number ZooKeeper appended to a sequential node's name. */
export function sequenceOf(name: string): number {
  return Number(name.slice(-10));
}

export function bySequence(names: string[]): string[] {
  return [...names].sort((a, b) => sequenceOf(a) - sequenceOf(b));
}

/**
 * A sequential node in dir whose name carries a fresh id, so that when a create's reply is
 * lost (CONNECTIONLOSS: it may have been applied) the recipe finds its node instead of
 * making a second one (Curator's "protected" mode).
 */
export class OwnNode {
  readonly marker = `_c_${randomUUID().replace(/-/g, '')}-`;
  path?: string;

  constructor(private readonly zk: Client, readonly dir: string, readonly prefix: string) {}

  async create(data: string, mode: CreateModeName): Promise<string> {
    await ensurePath(this.zk, this.dir);
    for (let attempt = 0; ; attempt++) {
      try {
        this.path = await this.zk.create(`${this.dir}/${this.marker}${this.prefix}`, data, { mode });
        return this.path;
      } catch (err) {
        if (!(err instanceof ConnectionLossError) || attempt >= 10) throw err;
        const found = (await this.zk.getChildren(this.dir)).find((c) => c.startsWith(this.marker));
        if (found) return (this.path = `${this.dir}/${found}`);
      }
    }
  }

  /** Whether a child of dir is one this recipe made (an earlier attempt's included). */
  owns(name: string): boolean {
    return name.startsWith(this.marker);
  }

  async delete(): Promise<void> {
    if (!this.path) return;
    const path = this.path;
    this.path = undefined;
    try {
      await this.zk.delete(path);
    } catch (err) {
      if (!(err instanceof NoNodeError) && !(err instanceof SessionExpiredError)) throw err;
    }
  }
}

/** Resolves at the next change of path, or at once if it is gone; a getData watch, so nothing stays armed on a node that no longer exists. */
export function nextChange(zk: Client, path: string, signal?: AbortSignal): Promise<void> {
  return whenWatched(zk, signal, (watch) => zk.getData(path, { watch }).then(
    () => false,
    (err) => {
      if (err instanceof NoNodeError) return true;
      throw err;
    },
  ));
}

/** Resolves once path exists. */
export function untilExists(zk: Client, path: string, signal?: AbortSignal): Promise<void> {
  return whenWatched(zk, signal, (watch) => zk.exists(path, { watch }).then((stat) => stat !== null));
}

/** Resolves once dir has a child, or at its next change of children. */
export function untilChildren(zk: Client, dir: string, signal?: AbortSignal): Promise<void> {
  return whenWatched(zk, signal, (watch) => zk.getChildren(dir, { watch }).then((children) => children.length > 0));
}

/**
 * arm(watch) reads with a one-shot watch and says whether what is waited for is already so;
 * else this resolves when the watch fires. Rejects if the session expires or signal aborts.
 */
function whenWatched(zk: Client, signal: AbortSignal | undefined, arm: (watch: () => void) => Promise<boolean>): Promise<void> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (f: () => void) => {
      if (settled) return;
      settled = true;
      zk.off('state', onState);
      signal?.removeEventListener('abort', onAbort);
      f();
    };
    const onState = (s: string) => {
      if (s === 'expired') settle(() => reject(new SessionExpiredError('the session ended while waiting')));
    };
    const onAbort = () => settle(() => reject(signal!.reason));
    if (signal?.aborted) return onAbort();
    zk.on('state', onState);
    signal?.addEventListener('abort', onAbort, { once: true });
    arm(() => settle(resolve)).then((already) => already && settle(resolve), (err) => settle(() => reject(err)));
  });
}

/**
 * Runs a wait under opts: body's signal aborts when opts.signal does or opts.timeout passes;
 * a wait cut short by the timeout gives timedOut instead of an error.
 */
export async function within<T, U>(opts: WaitOptions, timedOut: U, body: (signal?: AbortSignal) => Promise<T>): Promise<T | U> {
  if (opts.timeout === undefined) return body(opts.signal);
  const ctl = new AbortController();
  let expired = false;
  const timer = setTimeout(() => {
    expired = true;
    ctl.abort(new Error('timed out'));
  }, opts.timeout);
  const onAbort = () => ctl.abort(opts.signal!.reason);
  if (opts.signal?.aborted) onAbort();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    return await body(ctl.signal);
  } catch (err) {
    if (expired) return timedOut;
    throw err;
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onAbort);
  }
}
