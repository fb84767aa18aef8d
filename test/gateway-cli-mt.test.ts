// ZooKeeper's C client against a natszk gateway: its shell cli_mt (Debian package zookeeper-bin,
// libzookeeper-mt) driven through stdin as a user types, one command after the previous one's
// answer. cli_mt prints everything, answers and watch events, on stderr; its create always
// stores the three bytes "new".
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Cluster } from './harness/processes.js';
import { startGateway, type GatewayProc } from './gateway/gateways.js';

const CLI_MT = '/usr/lib/zookeeper/bin/cli_mt';

let cluster: Cluster;
let gateway: GatewayProc;
const shells: CliMt[] = [];

test.before(async () => {
  cluster = await Cluster.start({ servers: 1 });
  gateway = await startGateway(cluster);
});

test.after(async () => {
  for (const s of shells) s.kill();
  await gateway.proc.stop();
  await cluster.stop();
});

/** One cli_mt process, in a process group of its own, killed by the test's end at the latest. */
class CliMt {
  out = '';
  private readonly child: ChildProcessWithoutNullStreams;
  readonly exited: Promise<number | null>;

  constructor(connect: string) {
    this.child = spawn(CLI_MT, ['-h', connect], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    this.child.stdout.on('data', (c) => (this.out += c));
    this.child.stderr.on('data', (c) => (this.out += c));
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
    shells.push(this);
  }

  /** Waits until what cli_mt printed since offset `from` matches `want`; returns that part. */
  async wait(from: number, want: RegExp, what: string, timeoutMs = 30_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (!want.test(this.out.slice(from))) {
      if (Date.now() > deadline || this.child.exitCode !== null) {
        assert.unreachable(`cli_mt: no ${want} for ${what}; it printed:\n${this.out.slice(from)}\n--- before that\n${this.out.slice(0, from)}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    return this.out.slice(from);
  }

  /** Types one command; resolves with what it printed up to the match of `want`. */
  async send(command: string, want: RegExp): Promise<string> {
    const from = this.out.length;
    this.child.stdin.write(`${command}\n`);
    return this.wait(from, want, command);
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) process.kill(-this.child.pid!, 'SIGKILL');
  }
}

test('cli_mt: create, get, ls, set (a watch fires), ephemeral and sequential nodes, exists, delete, and the errors', async () => {
  assert.ok(existsSync(CLI_MT), `${CLI_MT} is missing (deploy/local/setup.sh --tests installs zookeeper-bin)`);
  const sh = new CliMt(gateway.connect);
  await sh.wait(0, /state = CONNECTED_STATE[\s\S]*Got a new session id: 0x[0-9a-f]+/, 'the connection');

  await sh.send('create /climt', /\[\/climt\]: rc = 0\n\tname = \/climt\n/);
  await sh.send('create /climt/x', /\[\/climt\/x\]: rc = 0\n\tname = \/climt\/x\n/);
  let out = await sh.send('create /climt/x', /\[\/climt\/x\]: rc = -?\d+\n/);
  assert.match(out, '[/climt/x]: rc = -110', 'NODEEXISTS for a second create');

  out = await sh.send('get /climt/x', /\/climt\/x: rc = \d+\n[\s\S]*ephemeralOwner = .*\n/);
  assert.match(out, '/climt/x: rc = 0\n value_len = 3\nnew\n');
  assert.match(out, /\tversion=0\taversion=0\n/);

  out = await sh.send('ls /climt', /\/climt: rc = -?\d+\n(\t.*\n)*time = /);
  assert.match(out, '/climt: rc = 0\n\tx\ntime = ');

  // The get above left a data watch: the set fires it.
  const from = sh.out.length;
  out = await sh.send('set /climt/x other', /\/climt\/x: rc = -?\d+ Stat:\n[\s\S]*ephemeralOwner = .*\n/);
  assert.match(out, '/climt/x: rc = 0 Stat:');
  assert.match(out, /\tversion=1\taversion=0\n/);
  await sh.wait(from, /Watcher CHANGED_EVENT state = CONNECTED_STATE for path \/climt\/x\n/, 'the data watch');

  out = await sh.send('get /climt/x', /\/climt\/x: rc = \d+\n[\s\S]*ephemeralOwner = .*\n/);
  assert.match(out, '/climt/x: rc = 0\n value_len = 5\nother\n');

  out = await sh.send('create +e /climt/eph', /\[\/climt\/eph\]: rc = -?\d+\n/);
  assert.match(out, '[/climt/eph]: rc = 0\n\tname = /climt/eph\n');
  out = await sh.send('create +s /climt/seq-', /\[\/climt\/seq-\]: rc = -?\d+\n.*\n/);
  // ZooKeeper's suffix is the parent's count of children ever created: x and eph came before.
  assert.match(out, '[/climt/seq-]: rc = 0\n\tname = /climt/seq-0000000002\n');
  out = await sh.send('ls /climt', /\/climt: rc = -?\d+\n(\t.*\n)*time = /);
  assert.equal(out.split('\n').filter((l) => l.startsWith('\t')).map((l) => l.trim()).sort(), ['eph', 'seq-0000000002', 'x']);

  // cli_mt's exists (a synchronous call in the threaded shell) prints only a failure; the ls
  // after it marks that it returned.
  out = await sh.send('exists /climt/x\nls /climt/x', /\/climt\/x: rc = -?\d+\n(\t.*\n)*time = /);
  assert.not.match(out, 'Error');
  assert.match(out, '/climt/x: rc = 0\ntime = ');
  out = await sh.send('exists /climt/missing', /Error -?\d+ for \/climt\/missing\n/);
  assert.match(out, 'Error -101 for /climt/missing', 'NONODE');
  out = await sh.send('get /climt/missing', /\/climt\/missing: rc = -?\d+\n/);
  assert.match(out, '/climt/missing: rc = -101\n', 'NONODE');
  out = await sh.send('delete /climt/missing', /\/climt\/missing: rc = -?\d+\n/);
  assert.match(out, '/climt/missing: rc = -101\n', 'NONODE');
  out = await sh.send('delete /climt', /\/climt: rc = -?\d+\n/);
  assert.match(out, '/climt: rc = -111\n', 'NOTEMPTY');

  for (const p of ['/climt/x', '/climt/seq-0000000002', '/climt/eph', '/climt']) {
    const esc = p.replace(/[/-]/g, '\\$&');
    out = await sh.send(`delete ${p}`, new RegExp(`${esc}: rc = -?\\d+\\n`));
    assert.match(out, `${p}: rc = 0\n`, `delete ${p}`);
  }
  out = await sh.send('ls /', /\/: rc = -?\d+\n(\t.*\n)*time = /);
  assert.match(out, '/: rc = 0\n');
  assert.not.match(out, '\tclimt\n');

  await sh.send('quit', /Quitting\.\.\./);
  const timer = setTimeout(() => sh.kill(), 30_000);
  const code = await sh.exited;
  clearTimeout(timer);
  assert.is(code, 0, `cli_mt exited ${code}:\n${sh.out}`);
});

test.run();
