// `natszk cli`: zkCli for natszk. With a command it runs that one command and exits (0 done,
// 1 a ZooKeeper error, named on stderr, 2 a usage error); a command that left a watch waits
// for its event, `watch` until Ctrl-C. Without one it opens the interactive shell.

import { parseArgs } from 'node:util';
import { connect, ZkError, type Client } from '../client/index.js';
import { commonOptions, UsageError } from './config.js';
import { commandsHelp, formatEvent, parseCommand, type CommandContext } from './cli/commands.js';
import { runShell } from './cli/shell.js';

export const CLI_HELP = `usage: natszk cli --nats URL [--ensemble NAME] [<command> [args]]

Without a command: an interactive shell with one session (tab completes commands and paths;
history, redo <n>, help, quit). Commands read from a pipe run as a script.

commands:
${commandsHelp()}

An ephemeral node lives as long as its session: in the one-shot form it is gone when the
command ends. Exit codes: 0 done, 1 a ZooKeeper error (its name on stderr), 2 a usage error.`;

export async function runCli(argv: string[]): Promise<number> {
  const split = argv.findIndex((a, i) => !a.startsWith('-') && !(i > 0 && (argv[i - 1] === '--nats' || argv[i - 1] === '--ensemble')));
  const globalArgs = split === -1 ? argv : argv.slice(0, split);
  const { values } = parseArgs({ args: globalArgs, options: { nats: { type: 'string' }, ensemble: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    console.log(CLI_HELP);
    return 0;
  }
  const common = commonOptions(values);
  if (split === -1) return shell(common.nats, common.ensemble);
  const { command, args, flags } = parseCommand(argv.slice(split));
  let zk: Client | undefined;
  try {
    zk = await connect({ servers: common.nats, ensemble: common.ensemble, sessionless: !command.needsSession?.(flags) });
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

async function shell(url: string, ensemble: string): Promise<number> {
  const zk = await connect({ servers: url, ensemble }).catch((err) => {
    if (err instanceof ZkError) {
      process.stderr.write(`${err.codeName}: ${err.message.replace(/^[A-Z]+: /, '')}\n`);
      return undefined;
    }
    throw err;
  });
  if (!zk) return 1;
  try {
    return await runShell({ zk, url, input: process.stdin, output: process.stdout, errors: process.stderr, interactive: Boolean(process.stdin.isTTY) });
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
