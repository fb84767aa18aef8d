// The commands of `natszk cli`, zkCli's names and flags, shared by the one-shot form and the
// interactive shell. Each runs against a client and prints through its context; watches it
// leaves print their events when they fire.

import { parseArgs } from 'node:util';
import { BadArgumentsError, CreateMode, NoNodeError, NotEmptyError, type Acl, type Client, type CreateModeValue, type RemovableWatch, type WatchEvent } from '../../client/index.js';
import { parsePerms, permString } from '../../storage/acl.js';
import { positiveInt, UsageError } from '../config.js';
import { formatEvent, formatStat, text } from './format.js';

export interface CommandContext {
  zk: Client;
  print(text: string): void;
  /** a one-shot watch whose event is printed; the one-shot form waits for it before exiting */
  oneShotWatch(): (e: WatchEvent) => void;
  /** a persistent watch's events are printed until the user stops */
  persistentWatch(): (e: WatchEvent) => void;
}

type Flags = Record<string, string | boolean | undefined>;

interface Command {
  usage: string;
  help: string;
  flags: Record<string, { type: 'string' | 'boolean'; short: string }>;
  /** positionals: at least min, at most max */
  args: [min: number, max: number];
  /** the one-shot form runs without a session unless this says it needs one */
  needsSession?: (flags: Flags) => boolean;
  run(ctx: CommandContext, args: string[], flags: Flags): Promise<void>;
}

const WATCH = { type: 'boolean', short: 'w' } as const;
const STAT = { type: 'boolean', short: 's' } as const;
const VERSION = { type: 'string', short: 'v' } as const;
const watching = (f: Flags) => Boolean(f.watch);

function version(f: Flags): number {
  if (f.version === undefined) return -1;
  const v = f.version as string;
  return v === '0' ? 0 : positiveInt(v, 'version', 0);
}

export const COMMANDS: Record<string, Command> = {
  create: {
    usage: 'create [-e] [-s] [-c] [-t ttl] <path> [data] [acl]',
    help: 'create a node (-e ephemeral, -s sequential, -c container, -t ms: TTL; acl as setAcl takes it); prints its path',
    flags: { ephemeral: { type: 'boolean', short: 'e' }, sequential: { type: 'boolean', short: 's' }, container: { type: 'boolean', short: 'c' }, ttl: { type: 'string', short: 't' } },
    args: [1, 3],
    needsSession: (f) => Boolean(f.ephemeral),
    async run({ zk, print }, [path, data, acl], f) {
      const ttl = f.ttl === undefined ? undefined : positiveInt(f.ttl as string, 'ttl', 0);
      print(await zk.create(path!, data ?? '', { mode: createMode(f, ttl), ttl, acl: acl === undefined ? undefined : parseAcl(acl) }));
    },
  },
  get: {
    usage: 'get [-s] [-w] <path>',
    help: 'print the node\'s data (-s and its stat, -w and watch it)',
    flags: { stat: STAT, watch: WATCH },
    args: [1, 1],
    needsSession: watching,
    async run(ctx, [path], f) {
      const { data, stat } = await ctx.zk.getData(path!, { watch: f.watch ? ctx.oneShotWatch() : undefined });
      ctx.print(text(data));
      if (f.stat) ctx.print(formatStat(stat));
    },
  },
  set: {
    usage: 'set [-s] [-v version] <path> <data>',
    help: 'set the node\'s data (only at that version, with -v; -s prints the new stat)',
    flags: { stat: STAT, version: VERSION },
    args: [2, 2],
    async run({ zk, print }, [path, data], f) {
      const stat = await zk.setData(path!, data!, version(f));
      if (f.stat) print(formatStat(stat));
    },
  },
  delete: {
    usage: 'delete [-v version] <path>',
    help: 'delete the node (only at that version, with -v)',
    flags: { version: VERSION },
    args: [1, 1],
    async run({ zk }, [path], f) {
      await zk.delete(path!, version(f));
    },
  },
  deleteall: {
    usage: 'deleteall <path>',
    help: 'delete the node and everything below it',
    flags: {},
    args: [1, 1],
    async run({ zk }, [path]) {
      if (path === '/') throw new BadArgumentsError('deleteall / would delete the whole tree; delete its children one by one');
      await deleteAll(zk, path!);
    },
  },
  ls: {
    usage: 'ls [-s] [-R] [-w] <path>',
    help: 'list the node\'s children (-s and its stat, -R every path below it, -w and watch the children)',
    flags: { stat: STAT, recursive: { type: 'boolean', short: 'R' }, watch: WATCH },
    args: [1, 1],
    needsSession: watching,
    async run(ctx, [path], f) {
      if (f.recursive) {
        for await (const p of walk(ctx.zk, path!)) ctx.print(p);
        return;
      }
      const { children, stat } = await ctx.zk.getChildren2(path!, { watch: f.watch ? ctx.oneShotWatch() : undefined });
      ctx.print(`[${children.join(', ')}]`);
      if (f.stat) ctx.print(formatStat(stat));
    },
  },
  stat: {
    usage: 'stat [-w] <path>',
    help: 'print the node\'s stat, one \'name: value\' line per field (-w and watch it)',
    flags: { watch: WATCH },
    args: [1, 1],
    needsSession: watching,
    async run(ctx, [path], f) {
      const stat = await ctx.zk.exists(path!, { watch: f.watch ? ctx.oneShotWatch() : undefined });
      if (!stat) throw new NoNodeError(path);
      ctx.print(formatStat(stat));
    },
  },
  sync: {
    usage: 'sync <path>',
    help: 'wait until this client\'s view has every write committed before it',
    flags: {},
    args: [1, 1],
    async run({ zk }, [path]) {
      await zk.sync(path!);
    },
  },
  watch: {
    usage: 'watch [-R] <path>',
    help: 'print every change of the node (-R: of everything below it too) until stopped',
    flags: { recursive: { type: 'boolean', short: 'R' } },
    args: [1, 1],
    needsSession: () => true,
    async run(ctx, [path], f) {
      await ctx.zk.addWatch(path!, ctx.persistentWatch(), f.recursive ? 'persistentRecursive' : 'persistent');
    },
  },
  addWatch: {
    usage: 'addWatch [-m persistent|persistentRecursive] <path>',
    help: 'zkCli\'s name for watch',
    flags: { mode: { type: 'string', short: 'm' } },
    args: [1, 1],
    needsSession: () => true,
    async run(ctx, [path], f) {
      const mode = (f.mode as string | undefined) ?? 'persistentRecursive';
      if (mode !== 'persistent' && mode !== 'persistentRecursive') throw new UsageError(`-m must be persistent or persistentRecursive, not '${mode}'`);
      await ctx.zk.addWatch(path!, ctx.persistentWatch(), mode);
    },
  },
  removewatches: {
    usage: 'removewatches <path> [-c|-d|-a]',
    help: 'remove this session\'s child (-c), data (-d) or all (-a, the default) watches on the node',
    flags: { children: { type: 'boolean', short: 'c' }, data: { type: 'boolean', short: 'd' }, any: { type: 'boolean', short: 'a' } },
    args: [1, 1],
    async run({ zk }, [path], f) {
      const type: RemovableWatch = f.children ? 'children' : f.data ? 'data' : 'any';
      await zk.removeWatches(path!, type);
    },
  },
  getEphemerals: {
    usage: 'getEphemerals [prefix]',
    help: 'this session\'s ephemeral nodes (under a path prefix)',
    flags: {},
    args: [0, 1],
    needsSession: () => true,
    async run({ zk, print }, [prefix]) {
      print(`[${(await zk.getEphemerals(prefix ?? '/')).join(', ')}]`);
    },
  },
  getAcl: {
    usage: 'getAcl [-s] <path>',
    help: 'print the node\'s ACL as zkCli does (-s and its stat); digests show as user:x without ADMIN',
    flags: { stat: STAT },
    args: [1, 1],
    async run({ zk, print }, [path], f) {
      const { acl, stat } = await zk.getACL(path!);
      for (const a of acl) print(`'${a.scheme},'${a.id}\n: ${permString(a.perms)}`);
      if (f.stat) print(formatStat(stat));
    },
  },
  setAcl: {
    usage: 'setAcl [-s] [-v version] [-R] <path> <acl>',
    help: 'replace the node\'s ACL: scheme:id:perms[,...], e.g. world:anyone:r,digest:bob:<hash>:cdrwa,ip:10.0.0.0/8:rw,auth::cdrwa (-v at that aversion, -R the whole subtree, -s prints the stat)',
    flags: { stat: STAT, version: VERSION, recursive: { type: 'boolean', short: 'R' } },
    args: [2, 2],
    async run({ zk, print }, [path, text], f) {
      const acl = parseAcl(text!);
      if (f.recursive) {
        for await (const p of walk(zk, path!)) await zk.setACL(p, acl, -1);
        return;
      }
      const stat = await zk.setACL(path!, acl, version(f));
      if (f.stat) print(formatStat(stat));
    },
  },
  addauth: {
    usage: 'addauth <scheme> <auth>',
    help: 'authenticate this session, e.g. addauth digest bob:secret (it lasts as long as the session)',
    flags: {},
    args: [2, 2],
    needsSession: () => true,
    async run({ zk }, [scheme, auth]) {
      await zk.addAuth(scheme!, auth!);
    },
  },
  getAllChildrenNumber: {
    usage: 'getAllChildrenNumber <path>',
    help: 'how many nodes are below the node, at any depth',
    flags: {},
    args: [1, 1],
    async run({ zk, print }, [path]) {
      print(String(await zk.getAllChildrenNumber(path!)));
    },
  },
};

function createMode(f: Flags, ttl: number | undefined): CreateModeValue {
  const exclusive = [f.ephemeral, f.container, ttl !== undefined].filter(Boolean).length;
  if (exclusive > 1) throw new UsageError('-e, -c and -t exclude one another');
  if (f.container && f.sequential) throw new UsageError('a container cannot be sequential');
  if (ttl !== undefined) return f.sequential ? CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL : CreateMode.PERSISTENT_WITH_TTL;
  if (f.container) return CreateMode.CONTAINER;
  if (f.ephemeral) return f.sequential ? CreateMode.EPHEMERAL_SEQUENTIAL : CreateMode.EPHEMERAL;
  return f.sequential ? CreateMode.PERSISTENT_SEQUENTIAL : CreateMode.PERSISTENT;
}

/**
 * zkCli's ACL text: comma-separated scheme:id:perms, the id being everything between the first
 * and the last colon (a digest id holds a colon itself), perms letters of cdrwa.
 */
export function parseAcl(text: string): Acl[] {
  return text.split(',').map((entry) => {
    const first = entry.indexOf(':');
    const last = entry.lastIndexOf(':');
    if (first < 0 || first === last) throw new UsageError(`'${entry}' does not have the form scheme:id:perms`);
    const perms = parsePerms(entry.slice(last + 1));
    if (perms === undefined) throw new UsageError(`'${entry.slice(last + 1)}' is not perms: letters of cdrwa`);
    return { scheme: entry.slice(0, first), id: entry.slice(first + 1, last), perms };
  });
}

/** path and every path below it, parents first. */
async function* walk(zk: Client, path: string): AsyncGenerator<string> {
  yield path;
  for (const child of await zk.getChildren(path)) yield* walk(zk, path === '/' ? `/${child}` : `${path}/${child}`);
}

/** Children first; a node another client removed meanwhile is fine, one it added is deleted too. */
async function deleteAll(zk: Client, path: string): Promise<void> {
  for (;;) {
    let children: string[];
    try {
      children = await zk.getChildren(path);
    } catch (err) {
      if (err instanceof NoNodeError) return;
      throw err;
    }
    for (const child of children) await deleteAll(zk, `${path}/${child}`);
    try {
      await zk.delete(path);
      return;
    } catch (err) {
      if (err instanceof NoNodeError) return;
      if (!(err instanceof NotEmptyError)) throw err;
    }
  }
}

/** Splits a command's words into flags and positionals, or says what is wrong. */
export function parseCommand(words: string[]): { name: string; command: Command; args: string[]; flags: Flags } {
  const [name, ...rest] = words;
  const command = COMMANDS[name!];
  if (!command) throw new UsageError(`unknown command '${name}'; 'help' lists them`);
  let parsed;
  try {
    parsed = parseArgs({ args: rest, allowPositionals: true, options: command.flags, strict: true });
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\nusage: ${command.usage}`);
  }
  const [min, max] = command.args;
  if (parsed.positionals.length < min || parsed.positionals.length > max) {
    throw new UsageError(`${name}: ${parsed.positionals.length < min ? 'missing' : 'too many'} arguments\nusage: ${command.usage}`);
  }
  return { name: name!, command, args: parsed.positionals, flags: parsed.values as Flags };
}

export function commandsHelp(): string {
  const width = Math.max(...Object.values(COMMANDS).map((c) => c.usage.length));
  return Object.values(COMMANDS).map((c) => `  ${c.usage.padEnd(width)}  ${c.help}`).join('\n');
}

export { formatEvent };
