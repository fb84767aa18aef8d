// ZooKeeper's own tools against a natszk gateway, unmodified: kazoo (Python, with its Lock,
// Counter, Election and Barrier recipes) and zkCli.sh (Java, from the Debian package zookeeper).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gatewayEnsemble, runProgram, type GatewayProc } from './gateway/gateways.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const KAZOO_SCRIPT = path.resolve(HERE, '../../test/gateway/kazoo_client.py');
const ZKCLI = '/usr/share/zookeeper/bin/zkCli.sh';

let ensemble: Awaited<ReturnType<typeof gatewayEnsemble>>;
let gateways: GatewayProc[] = [];

test.before(async () => {
  ensemble = await gatewayEnsemble();
  gateways = ensemble.gateways;
});

test.after(() => ensemble.stop());


test('kazoo: CRUD, multi, watches, its Lock, Counter, Election and Barrier recipes, and a digest ACL', async () => {
  const hosts = gateways.map((g) => g.connect).join(',');
  const r = await runProgram('/usr/bin/python3', [KAZOO_SCRIPT, hosts, '/kazoo'], 180_000);
  assert.is(r.code, 0, `kazoo exited ${r.code}:\n${r.stderr}`);
  const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
  assert.equal(out.crud_get, ['v1', 0]);
  assert.is(out.crud_set_version, 1);
  assert.equal(out.crud_errors, ['BadVersionError', 'NodeExistsError', 'NoNodeError']);
  assert.equal(out.crud_children, ['child']);
  assert.is(out.crud_exists_missing, true);
  assert.is(out.crud_sequential, 'seq-0000000001');
  assert.is(out.crud_deleted, true);
  assert.equal(out.multi, ['/kazoo/tx', '/kazoo/tx/b']);
  assert.equal(out.watch_events, [['CHANGED', '/kazoo/w'], ['CHILD', '/kazoo/w'], ['CREATED', '/kazoo/w/new']]);
  assert.equal(out.lock_contenders, ['a']);
  assert.equal(out.lock_order, ['a acquired', 'a releasing', 'b acquired'], 'the second contender waited for the first');
  assert.is(out.counter, 40, 'no increment lost between two clients');
  assert.equal(out.election_while_a_leads, ['a'], 'one leader at a time');
  assert.equal(out.election_after_a_left, ['a', 'b'], 'the other contender leads once the leader\'s session ends');
  assert.equal(out.barrier_before_removal, [], 'the barrier holds its waiter');
  assert.equal(out.barrier_after_removal, [true]);
  assert.is(out.acl_stranger, 'NoAuthError');
  assert.is(out.acl_bob, 's');
});

async function zkCli(...command: string[]): Promise<{ code: number | null; out: string }> {
  const r = await runProgram(ZKCLI, ['-server', gateways[0]!.connect, ...command], 120_000);
  // zkCli prints results on stdout and some messages on stderr; a user sees both.
  return { code: r.code, out: `${r.stdout}\n${r.stderr}` };
}

test('zkCli.sh: create, get, set, stat, ls, getAcl, delete, one command per run', async () => {
  let r = await zkCli('create', '/cli', 'hello');
  assert.match(r.out, 'Created /cli');
  r = await zkCli('get', '/cli');
  assert.match(r.out, /\nhello\n/);
  r = await zkCli('set', '/cli', 'world');
  assert.is(r.code, 0, r.out);
  r = await zkCli('stat', '/cli');
  assert.match(r.out, /dataVersion = 1\n/);
  assert.match(r.out, /dataLength = 5\n/);
  assert.match(r.out, /cZxid = 0x[0-9a-f]+\n/);
  r = await zkCli('create', '/cli/child', '');
  r = await zkCli('ls', '/cli');
  assert.match(r.out, '[child]');
  r = await zkCli('getAcl', '/cli');
  assert.match(r.out, "'world,'anyone\n: cdrwa");
  r = await zkCli('delete', '/nope');
  assert.match(r.out, 'Node does not exist: /nope');
  r = await zkCli('deleteall', '/cli');
  assert.is(r.code, 0, r.out);
  r = await zkCli('ls', '/');
  assert.not.match(r.out, 'cli');
});

test.run();
