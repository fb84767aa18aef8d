// `natszk cli`: zkCli for natszk. With a command it runs that one command and exits (0 done,
// 1 a ZooKeeper error, named on stderr, 2 a usage error); a command that left a watch waits
// for its event, `watch` until Ctrl-C. Without one it opens the interactive shell.

import { parseArgs } from 'node:util';
import { connect, ZkError, type Client, type ConnectOptions } from '../client/index.js';
import { COMMON_FLAGS, COMMON_HELP, commonOptions } from './config.js';
import { commandsHelp, formatEvent, parseCommand, type CommandContext } from './cli/commands.js';
import { runShell } from './cli/shell.js';

export const CLI_HELP = `usage: natszk cli --nats URL [settings] [<command> [args]]

Without a command: an interactive shell with one session (tab completes commands and paths;
history, redo <n>, help, quit). Commands read from a pipe run as a script.

commands:
${commandsHelp()}

An ephemeral node lives as long as its session: in the one-shot form it is gone when the
command ends. Exit codes: 0 done, 1 a ZooKeeper error (its name on stderr), 2 a usage error.

${COMMON_HELP}`;

export async function runCli(argv: string[]): Promise<number> {
  // The command is the first word that is neither a flag nor a flag's value.
  const split = argv.findIndex((a, i) => !a.startsWith('-') && !(i > 0 && isValueFlag(argv[i - 1]!)));
  const globalArgs = split === -1 ? argv : argv.slice(0, split);
  const { values } = parseArgs({ args: globalArgs, options: COMMON_FLAGS });
  if (values.help) {
    console.log(CLI_HELP);
    return 0;
  }
  const common = commonOptions(values);
  const connectTo = { servers: common.nats, ensemble: common.ensemble, auth: common.auth, subjectPrefix: common.subjects.prefix };
  if (split === -1) return shell(connectTo);
  const { command, args, flags } = parseCommand(argv.slice(split));
  let zk: Client | undefined;
  try {
    zk = await connect({ ...connectTo, sessionless: !command.needsSession?.(flags) });
    let pending = 0;
    let persistent = false;
    let fired: () => void = () => undefined;
    const ctx: CommandContext = {
      zk,
      print: (text) => process.stdout.write(`${text}\n`),
      oneShotWatch: () => {
        pending++;
        return (e) => {
          process.stdout.write(`${formatEvent(e)}\n`);
          pending--;
          fired();
        };
      },
      persistentWatch: () => {
        persistent = true;
        return (e) => process.stdout.write(`${formatEvent(e)}\n`);
      },
    };
    await command.run(ctx, args, flags);
    if (persistent) await stopRequested();
    else while (pending > 0) await new Promise<void>((r) => (fired = r));
    return 0;
  } catch (err) {
    if (err instanceof ZkError) {
      process.stderr.write(`${err.codeName}: ${err.message.replace(/^[A-Z]+: /, '')}\n`);
      return 1;
    }
    throw err;
  } finally {
    await zk?.close().catch(() => undefined);
  }
}

function isValueFlag(arg: string): boolean {
  const name = arg.replace(/^--/, '');
  return arg.startsWith('--') && name in COMMON_FLAGS && COMMON_FLAGS[name as keyof typeof COMMON_FLAGS].type === 'string';
}

async function shell(opts: ConnectOptions): Promise<number> {
  const zk = await connect(opts).catch((err) => {
    if (err instanceof ZkError) {
      process.stderr.write(`${err.codeName}: ${err.message.replace(/^[A-Z]+: /, '')}\n`);
      return undefined;
    }
    throw err;
  });
  if (!zk) return 1;
  try {
    return await runShell({ zk, url: String(opts.servers), input: process.stdin, output: process.stdout, errors: process.stderr, interactive: Boolean(process.stdin.isTTY) });
  } finally {
    await zk.close().catch(() => undefined);
  }
}

function stopRequested(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
}
