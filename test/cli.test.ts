// The one-shot CLI as a shell user sees it: output, stderr and exit codes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { completions, splitWords } from '../bin/cli/shell.js';
import { digestOf } from '../storage/acl.js';
import { Cluster, CLI, runCli } from './harness/processes.js';

let cluster: Cluster;
const cli = (...args: string[]) => runCli(['cli', '--nats', cluster.url, '--ensemble', cluster.ensemble, ...args]);

test.before(async () => {
  cluster = await Cluster.start();
});

test.after(async () => {
  await cluster?.stop();
});

test('create prints the created path; get prints the data', async () => {
  const created = await cli('create', '/c', 'hello world');
  assert.equal(created, { code: 0, stdout: '/c\n', stderr: '' });
  const got = await cli('get', '/c');
  assert.is(got.code, 0);
  assert.is(got.stdout, 'hello world\n');
});

test('create -s prints the sequential name', async () => {
  await cli('create', '/q');
  const r = await cli('create', '-s', '/q/item-', 'x');
  assert.is(r.code, 0);
  assert.is(r.stdout, '/q/item-0000000000\n');
});

test('create -e: the node lives only as long as the command', async () => {
  const r = await cli('create', '-e', '/eph', 'x');
  assert.is(r.code, 0);
  assert.is(r.stdout, '/eph\n');
  const after = await cli('stat', '/eph');
  assert.is(after.code, 1);
  assert.match(after.stderr, /^NONODE/);
});

test('set with -v, and BADVERSION on a stale version', async () => {
  await cli('create', '/s', 'a');
  assert.is((await cli('set', '/s', 'b', '-v', '0')).code, 0);
  const stale = await cli('set', '/s', 'c', '-v', '0');
  assert.is(stale.code, 1);
  assert.match(stale.stderr, /^BADVERSION/);
  assert.is((await cli('get', '/s')).stdout, 'b\n');
});

test('stat prints one name: value line per stat field', async () => {
  const r = await cli('stat', '/s');
  assert.is(r.code, 0);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.map((l) => l.split(':')[0]), ['czxid', 'mzxid', 'ctime', 'mtime', 'version', 'cversion', 'aversion', 'ephemeralOwner', 'dataLength', 'numChildren', 'pzxid']);
  assert.ok(lines.includes('version: 1'));
  assert.ok(lines.includes('dataLength: 1'));
  assert.match(lines[0]!, /^czxid: 0x[0-9a-f]+$/);
});

test('ls lists children; delete removes; errors name the code', async () => {
  await cli('create', '/l');
  await cli('create', '/l/b');
  await cli('create', '/l/a');
  assert.is((await cli('ls', '/l')).stdout, '[a, b]\n');
  const notEmpty = await cli('delete', '/l');
  assert.is(notEmpty.code, 1);
  assert.match(notEmpty.stderr, /^NOTEMPTY/);
  assert.is((await cli('delete', '/l/a')).code, 0);
  assert.is((await cli('delete', '/l/b', '-v', '0')).code, 0);
  assert.is((await cli('delete', '/l')).code, 0);
  const gone = await cli('get', '/l');
  assert.is(gone.code, 1);
  assert.match(gone.stderr, /^NONODE/);
});

test('sync succeeds; a bad path is BADARGUMENTS', async () => {
  assert.is((await cli('sync', '/')).code, 0);
  const bad = await cli('get', 'relative');
  assert.is(bad.code, 1);
  assert.match(bad.stderr, /^BADARGUMENTS/);
});

test('status prints the server as a table', async () => {
  const r = await runCli(['status', '--nats', cluster.url, '--ensemble', cluster.ensemble]);
  assert.is(r.code, 0, r.stderr);
  const [header, row] = r.stdout.trim().split('\n');
  assert.match(header!, /^server\s+role\s+epoch\s+lastLogged\s+lastCommitted\s+leader/);
  assert.match(row!, /^1\s+leader\s+1\s+0x1[0-9a-f]{8}\s+0x1[0-9a-f]{8}\s+1\s/);
});

test('usage errors exit 2 and say what is wrong', async () => {
  const r = await cli('frobnicate', '/x');
  assert.is(r.code, 2);
  assert.match(r.stderr, /unknown command 'frobnicate'/);
  const missing = await runCli(['cli', 'get', '/x']);
  assert.is(missing.code, 2);
  assert.match(missing.stderr, /--nats/);
  const port = await runCli(['session', '--nats', cluster.url, '--metrics-port', '70000']);
  assert.is(port.code, 2);
  assert.match(port.stderr, /--metrics-port must be a port number from 0 to 65535, got '70000'/);
  assert.is((await runCli(['--help'])).code, 0);
});

test('no ensemble on that NATS: CONNECTIONLOSS, exit 1', async () => {
  const r = await runCli(['cli', '--nats', cluster.url, '--ensemble', 'nobody-here', 'get', '/']);
  assert.is(r.code, 1);
  assert.match(r.stderr, /^CONNECTIONLOSS/);
});

/** The CLI as a long-running process: what it printed so far, a way to wait for more, and its exit. */
function startCli(args: string[], input?: string) {
  const child = spawn(process.execPath, [CLI, 'cli', '--nats', cluster.url, '--ensemble', cluster.ensemble, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  const seen = { stdout: '', stderr: '' };
  child.stdout.on('data', (c) => (seen.stdout += c));
  child.stderr.on('data', (c) => (seen.stderr += c));
  if (input !== undefined) child.stdin.end(input);
  const exited = new Promise<number>((r) => child.on('exit', (code) => r(code ?? -1)));
  const printed = async (re: RegExp) => {
    const deadline = Date.now() + 10_000;
    while (!re.test(seen.stdout)) {
      if (Date.now() > deadline) throw new Error(`never printed ${re}: ${JSON.stringify(seen)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  return { child, seen, exited, printed };
}

test('create -c and -t make a container and a TTL node; ls -R lists the subtree; getAllChildrenNumber counts it', async () => {
  assert.is((await cli('create', '-c', '/box')).stdout, '/box\n');
  assert.is((await cli('create', '-t', '60000', '/box/ttl', 'x')).stdout, '/box/ttl\n');
  assert.is((await cli('create', '/box/ttl/leaf')).code, 0);
  assert.is((await cli('ls', '-R', '/box')).stdout, '/box\n/box/ttl\n/box/ttl/leaf\n');
  assert.is((await cli('getAllChildrenNumber', '/box')).stdout, '2\n');
  const both = await cli('create', '-e', '-c', '/bad');
  assert.is(both.code, 2);
  assert.match(both.stderr, /exclude one another/);
});

test('get -s and ls -s print the stat after the data; set -s prints the new stat', async () => {
  await cli('create', '/gs', 'data');
  const get = await cli('get', '-s', '/gs');
  assert.match(get.stdout, /^data\nczxid: 0x[0-9a-f]+\n/);
  assert.match(get.stdout, /\nversion: 0\n/);
  assert.match((await cli('ls', '-s', '/gs')).stdout, /^\[\]\nczxid: /);
  assert.match((await cli('set', '-s', '/gs', 'more')).stdout, /\nversion: 1\n/);
});

test('deleteall removes a subtree; deleteall / is refused', async () => {
  await cli('create', '/da');
  await cli('create', '/da/a');
  await cli('create', '/da/a/b');
  await cli('create', '/da/c');
  assert.is((await cli('deleteall', '/da')).code, 0);
  assert.is((await cli('stat', '/da')).code, 1);
  const root = await cli('deleteall', '/');
  assert.is(root.code, 1);
  assert.match(root.stderr, /^BADARGUMENTS/);
});

test('get -w prints the data, then waits for the change and prints its event', async () => {
  await cli('create', '/gw', 'before');
  const watcher = startCli(['get', '-w', '/gw']);
  await watcher.printed(/^before\n/);
  await cli('set', '/gw', 'after');
  assert.is(await watcher.exited, 0, watcher.seen.stderr);
  assert.match(watcher.seen.stdout, /WATCHER::\nWatchedEvent state:SyncConnected type:NodeDataChanged path:\/gw zxid:0x[0-9a-f]+\n$/);
});

test('watch -R prints every change below a node until Ctrl-C', async () => {
  await cli('create', '/wr');
  const watcher = startCli(['watch', '-R', '/wr']);
  await new Promise((r) => setTimeout(r, 500)); // the watch is armed once the process is up
  await cli('create', '/wr/x', '1');
  await cli('set', '/wr/x', '2');
  await watcher.printed(/type:NodeDataChanged path:\/wr\/x/);
  watcher.child.kill('SIGINT');
  assert.is(await watcher.exited, 0);
  assert.match(watcher.seen.stdout, /type:NodeCreated path:\/wr\/x zxid:.*\n[^]*type:NodeDataChanged path:\/wr\/x/);
});

test('the shell runs a piped script in one session: ephemeral nodes last until quit, history and redo work', async () => {
  const script = [
    'create -e /shell-e "hello there"',
    'get /shell-e',
    'getEphemerals',
    'get /shell-missing',
    'frobnicate',
    'history',
    'redo 1',
    'quit',
    'get /never-run',
  ].join('\n');
  const run = startCli([], script);
  assert.is(await run.exited, 1, 'a script with a failed command exits 1');
  assert.is(run.seen.stdout, [
    '/shell-e',
    'hello there',
    '[/shell-e]',
    '0 - create -e /shell-e "hello there"',
    '1 - get /shell-e',
    '2 - getEphemerals',
    '3 - get /shell-missing',
    '4 - frobnicate',
    'get /shell-e',
    'hello there',
    '',
  ].join('\n'));
  assert.match(run.seen.stderr, /^NONODE: .*\/shell-missing\nunknown command 'frobnicate'/);
  assert.is((await cli('stat', '/shell-e')).code, 1, 'the ephemeral node left with the shell\'s session');
  const clean = startCli([], 'ls /\n');
  assert.is(await clean.exited, 0);
});

test('tab completion offers commands, then the children of the typed parent', async () => {
  await cli('create', '/comp');
  await cli('create', '/comp/alpha');
  await cli('create', '/comp/apple');
  await cli('create', '/comp/beta');
  const zk = await cluster.client();
  try {
    assert.equal(await completions(zk, 'ge'), [['get', 'getEphemerals', 'getAcl', 'getAllChildrenNumber'], 'ge']);
    assert.equal(await completions(zk, 'ls /comp/a'), [['/comp/alpha', '/comp/apple'], '/comp/a']);
    assert.equal(await completions(zk, 'get -s /co'), [['/comp'], '/co']);
    assert.equal(await completions(zk, 'get /absent/x'), [[], '/absent/x']);
  } finally {
    await zk.close();
  }
  assert.equal(splitWords(`set /a "two words" 'and more' plain`), ['set', '/a', 'two words', 'and more', 'plain']);
});

test('ACLs: create with an acl, getAcl as zkCli prints it, NOAUTH until addauth, setAcl -v', async () => {
  const bob = digestOf('bob:pw');
  assert.equal(await cli('create', '/acl-cli', 'x', `digest:${bob}:cdrwa,world:anyone:r`), { code: 0, stdout: '/acl-cli\n', stderr: '' });
  const shown = await cli('getAcl', '/acl-cli');
  assert.is(shown.code, 0);
  assert.is(shown.stdout, "'digest,'bob:x\n: cdrwa\n'world,'anyone\n: r\n", 'the hash hidden from a reader without ADMIN');
  const refused = await cli('set', '/acl-cli', 'y');
  assert.is(refused.code, 1);
  assert.match(refused.stderr, /^NOAUTH/);
  const script = ['addauth digest bob:pw', 'set /acl-cli y', 'getAcl /acl-cli', 'setAcl -v 1 /acl-cli world:anyone:cdrwa', 'setAcl -s -v 0 /acl-cli world:anyone:cdrwa', 'addauth kerberos me'].join('\n');
  const run = startCli([], script);
  assert.is(await run.exited, 1, 'two commands failed');
  assert.match(run.seen.stdout, new RegExp(`^'digest,'${bob.replace(/[+/=]/g, '\\$&')}\n: cdrwa\n'world,'anyone\n: r\n`));
  assert.match(run.seen.stdout, /aversion: 1/);
  assert.match(run.seen.stderr, /^BADVERSION.*\nAUTHFAILED/);
  assert.is((await cli('get', '/acl-cli')).stdout, 'y\n');
  assert.is((await cli('set', '/acl-cli', 'open')).code, 0, 'world:anyone:cdrwa now');
  const bad = await cli('setAcl', '/acl-cli', 'world:anyone');
  assert.is(bad.code, 2);
  assert.match(bad.stderr, /scheme:id:perms/);
  assert.is((await cli('setAcl', '/acl-cli', 'world:anyone:rx')).code, 2, 'x is not a perm');
  const invalid = await cli('create', '/acl-bad', '', 'sasl:me:cdrwa');
  assert.is(invalid.code, 1);
  assert.match(invalid.stderr, /^INVALIDACL/);
});

test('every command answers --help with its usage, exit 0', async () => {
  for (const command of ['up', 'server', 'session', 'status', 'cli']) {
    const r = await runCli([command, '--help']);
    assert.is(r.code, 0, `${command} --help: ${r.stderr}`);
    assert.match(r.stdout, new RegExp(`usage: natszk ${command}`));
  }
});

test.run();
