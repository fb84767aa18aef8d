// The one-shot CLI as a shell user sees it: output, stderr and exit codes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Cluster, runCli } from './harness/processes.js';

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
  assert.is((await runCli(['--help'])).code, 0);
});

test('no ensemble on that NATS: CONNECTIONLOSS, exit 1', async () => {
  const r = await runCli(['cli', '--nats', cluster.url, '--ensemble', 'nobody-here', 'get', '/']);
  assert.is(r.code, 1);
  assert.match(r.stderr, /^CONNECTIONLOSS/);
});

test.run();
