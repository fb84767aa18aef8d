// `natszk cli`: one-shot commands against an ensemble, zkCli-style. Errors print the
// ZooKeeper error name on stderr and exit 1; usage errors exit 2.

import { parseArgs } from 'node:util';
import { connect, CreateMode, ZkError, type Client, type Stat } from '../client/index.js';
import { STAT_FIELDS } from '../storage/txn.js';
import { formatZxid } from '../storage/zxid.js';
import { commonOptions, positiveInt, UsageError } from './config.js';

export const CLI_HELP = `usage: natszk cli --nats URL [--ensemble NAME] <command> [args]

commands:
  create [-e] [-s] <path> [data]   create a node (-e ephemeral, -s sequential); prints the path
  get <path>                       print the node's data
  set <path> <data> [-v version]   set the node's data (only at that version, with -v)
  delete <path> [-v version]       delete the node (only at that version, with -v)
  ls <path>                        list the node's children
  stat <path>                      print the node's stat, one 'name: value' line per field
  sync <path>                      wait until this client's view has every committed write

An ephemeral node lives as long as the command's session: it is gone when the command ends.`;

const ZXID_FIELDS = new Set<keyof Stat>(['czxid', 'mzxid', 'pzxid', 'ephemeralOwner']);
const TIME_FIELDS = new Set<keyof Stat>(['ctime', 'mtime']);

function formatStat(stat: Stat): string {
  return STAT_FIELDS.map((f) => {
    const v = stat[f];
    const shown = ZXID_FIELDS.has(f) ? formatZxid(v) : TIME_FIELDS.has(f) ? `${new Date(v).toISOString()} (${v})` : String(v);
    return `${f}: ${shown}`;
  }).join('\n');
}

export async function runCli(argv: string[]): Promise<number> {
  const split = argv.findIndex((a) => !a.startsWith('-') && !isFlagValue(argv, a));
  const globalArgs = split === -1 ? argv : argv.slice(0, split);
  const { values } = parseArgs({ args: globalArgs, options: { nats: { type: 'string' }, ensemble: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help || split === -1) {
    console.log(CLI_HELP);
    return values.help ? 0 : 2;
  }
  const common = commonOptions(values);
  const [command, ...rest] = argv.slice(split);
  const run = COMMANDS[command!];
  if (!run) throw new UsageError(`unknown command '${command}'\n${CLI_HELP}`);
  const args = parseArgs({ args: rest, allowPositionals: true, options: run.flags }) as { values: Record<string, unknown>; positionals: string[] };
  if (args.positionals.length < run.minArgs) throw new UsageError(`${command}: missing arguments\n${CLI_HELP}`);
  let client: Client | undefined;
  try {
    client = await connect({ servers: common.nats, ensemble: common.ensemble, sessionless: !run.needsSession?.(args.values) });
    const out = await run.exec(client, args.positionals, args.values);
    if (out !== undefined) process.stdout.write(out.endsWith('\n') ? out : out + '\n');
    return 0;
  } catch (err) {
    if (err instanceof ZkError) {
      process.stderr.write(`${err.codeName}: ${err.message.replace(/^[A-Z]+: /, '')}\n`);
      return 1;
    }
    throw err;
  } finally {
    await client?.close().catch(() => undefined);
  }
}

/** `--nats URL`: URL is a flag's value, not the command. */
function isFlagValue(argv: string[], arg: string): boolean {
  const i = argv.indexOf(arg);
  return i > 0 && (argv[i - 1] === '--nats' || argv[i - 1] === '--ensemble');
}

interface Command {
  flags: Record<string, { type: 'string' | 'boolean'; short?: string }>;
  minArgs: number;
  needsSession?: (flags: Record<string, unknown>) => boolean;
  exec(client: Client, args: string[], flags: Record<string, unknown>): Promise<string | undefined>;
}

function versionFlag(flags: Record<string, unknown>): number {
  return flags.version === undefined ? -1 : positiveIntOrZero(flags.version as string);
}

function positiveIntOrZero(v: string): number {
  return v === '0' ? 0 : positiveInt(v, 'version', 0);
}

const COMMANDS: Record<string, Command> = {
  create: {
    flags: { ephemeral: { type: 'boolean', short: 'e' }, sequential: { type: 'boolean', short: 's' } },
    minArgs: 1,
    needsSession: (f) => Boolean(f.ephemeral),
    async exec(client, [path, data], f) {
      const mode = f.ephemeral
        ? (f.sequential ? CreateMode.EPHEMERAL_SEQUENTIAL : CreateMode.EPHEMERAL)
        : (f.sequential ? CreateMode.PERSISTENT_SEQUENTIAL : CreateMode.PERSISTENT);
      return client.create(path!, data ?? '', { mode });
    },
  },
  get: {
    flags: {},
    minArgs: 1,
    async exec(client, [path]) {
      return Buffer.from((await client.getData(path!)).data).toString('utf8');
    },
  },
  set: {
    flags: { version: { type: 'string', short: 'v' } },
    minArgs: 2,
    async exec(client, [path, data], f) {
      await client.setData(path!, data!, versionFlag(f));
      return undefined;
    },
  },
  delete: {
    flags: { version: { type: 'string', short: 'v' } },
    minArgs: 1,
    async exec(client, [path], f) {
      await client.delete(path!, versionFlag(f));
      return undefined;
    },
  },
  ls: {
    flags: {},
    minArgs: 1,
    async exec(client, [path]) {
      return `[${(await client.getChildren(path!)).join(', ')}]`;
    },
  },
  stat: {
    flags: {},
    minArgs: 1,
    async exec(client, [path]) {
      const stat = await client.exists(path!);
      if (!stat) throw new ZkError('NONODE', path);
      return formatStat(stat);
    },
  },
  sync: {
    flags: {},
    minArgs: 1,
    async exec(client, [path]) {
      await client.sync(path!);
      return undefined;
    },
  },
};
