// The interactive shell of `natszk cli` (zkCli's): one session for the whole shell, so its
// ephemeral nodes and watches last until quit; history, redo, and tab completion of
// commands and of paths (read from the ensemble as you type). Piped input runs as a script.

import readline from 'node:readline';
import { ZkError, type Client, type SessionState } from '../../client/index.js';
import { UsageError } from '../config.js';
import { COMMANDS, commandsHelp, formatEvent, parseCommand, type CommandContext } from './commands.js';

const SHELL_ONLY = ['help', 'history', 'redo', 'quit', 'exit'];

/** Words of a command line; '...' and "..." keep spaces, as a shell user expects. */
export function splitWords(line: string): string[] {
  const words: string[] = [];
  for (const m of line.matchAll(/"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g)) {
    words.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2] ?? m[3]!);
  }
  return words;
}

/** What Tab offers: command names first, then paths, from the children of the typed parent. */
export async function completions(zk: Client, line: string): Promise<[string[], string]> {
  const words = line.split(/\s+/);
  const last = words.at(-1) ?? '';
  if (words.length <= 1) return [[...Object.keys(COMMANDS), ...SHELL_ONLY].filter((n) => n.startsWith(last)), last];
  if (!last.startsWith('/')) return [[], last];
  const cut = last.lastIndexOf('/');
  const parent = cut === 0 ? '/' : last.slice(0, cut);
  const prefix = last.slice(cut + 1);
  try {
    const children = await zk.getChildren(parent, { timeout: 2000 });
    return [children.filter((c) => c.startsWith(prefix)).map((c) => `${parent === '/' ? '' : parent}/${c}`), last];
  } catch {
    return [[], last];
  }
}

export interface ShellOptions {
  zk: Client;
  /** shown in the prompt */
  url: string;
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  /** where a script's errors go (a terminal's go to output, beside the prompt) */
  errors: NodeJS.WritableStream;
  /** a terminal: prompt, line editing, completion; otherwise a script, one command per line */
  interactive: boolean;
}

/** Runs until quit or end of input; a script's exit code is 1 if any of its commands failed. */
export async function runShell(opts: ShellOptions): Promise<number> {
  const { zk, output, interactive } = opts;
  const history: string[] = [];
  let state: SessionState = zk.sessionState;
  let failed = false;
  const rl = readline.createInterface({
    input: opts.input,
    output,
    terminal: interactive,
    historySize: 1000,
    completer: (line: string, cb: (err: null, result: [string[], string]) => void) => void completions(zk, line).then((r) => cb(null, r)),
  });
  const prompt = () => {
    if (!interactive) return;
    rl.setPrompt(`[natszk: ${opts.url}(${state.toUpperCase()}) ${history.length}] `);
    rl.prompt(true);
  };
  const print = (text: string) => output.write(`${text}\n`);
  const fromAfar = (text: string) => {
    if (interactive) output.write('\n');
    print(text);
    prompt();
  };
  const ctx: CommandContext = {
    zk,
    print,
    oneShotWatch: () => (e) => fromAfar(formatEvent(e)),
    persistentWatch: () => (e) => fromAfar(formatEvent(e)),
  };
  zk.on('state', (s) => {
    state = s;
    fromAfar(`WATCHER::\nWatchedEvent state:${s === 'connected' ? 'SyncConnected' : s === 'expired' ? 'Expired' : 'Disconnected'} type:None path:null`);
  });

  const execute = async (line: string): Promise<boolean> => {
    const words = splitWords(line);
    if (words.length === 0) return true;
    const [name] = words;
    if (name === 'quit' || name === 'exit') return false;
    if (name !== 'history' && name !== 'redo') history.push(line);
    try {
      if (name === 'help') {
        print(`commands:\n${commandsHelp()}\n  ${'history'.padEnd(24)}list this shell's commands, numbered\n  ${'redo <n>'.padEnd(24)}run command n of the history again\n  quit`);
      } else if (name === 'history') {
        history.forEach((h, i) => print(`${i} - ${h}`));
      } else {
        const again = name === 'redo' ? history[Number(words[1])] : line;
        if (again === undefined || (name === 'redo' && words[1] === undefined)) throw new UsageError(`redo <n>: n is a number from 'history' (0-${history.length - 1})`);
        if (name === 'redo') {
          history.push(again);
          print(again);
        }
        const { command, args, flags } = parseCommand(splitWords(again));
        await command.run(ctx, args, flags);
      }
    } catch (err) {
      report(err);
    }
    return true;
  };
  const report = (err: unknown) => {
    failed = true;
    const say = (text: string) => (interactive ? output : opts.errors).write(`${text}\n`);
    if (err instanceof ZkError) say(`${err.codeName}: ${err.message.replace(/^[A-Z]+: /, '')}`);
    else if (err instanceof UsageError) say(err.message);
    else throw err;
  };

  prompt();
  for await (const line of rl) {
    if (!(await execute(line))) break;
    prompt();
  }
  rl.close();
  return !interactive && failed ? 1 : 0;
}
