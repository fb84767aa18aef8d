// ZooKeeper's own tools against a natszk gateway, unmodified: kazoo (Python, with its Lock and
// Counter recipes) and zkCli.sh (Java, from the Debian package zookeeper).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Cluster } from './harness/processes.js';
import { startGateway, type GatewayProc } from './gateway/gateways.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const KAZOO_SCRIPT = path.resolve(HERE, '../../test/gateway/kazoo_client.py');
const ZKCLI = '/usr/share/zookeeper/bin/zkCli.sh';

let cluster: Cluster;
let gateways: GatewayProc[] = [];

test.before(async () => {
  cluster = await Cluster.start({ servers: 1 });
  gateways = [await startGateway(cluster), await startGateway(cluster)];
});

test.after(async () => {
  await Promise.all(gateways.map((g) => g.proc.stop()));
  await cluster.stop();
});

/** Runs a program to its end (killed, with its children, past timeoutMs) and returns what it printed. */
function run(cmd: string, args: string[], timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    // A process group of its own: zkCli.sh runs java as its child, and a timeout must stop both.
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

test('kazoo: CRUD, multi, watches, and its Lock and Counter recipes', async () => {
  const hosts = gateways.map((g) => g.connect).join(',');
  const r = await run('/usr/bin/python3', [KAZOO_SCRIPT, hosts, '/kazoo'], 180_000);
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
});

async function zkCli(...command: string[]): Promise<{ code: number | null; out: string }> {
  const r = await run(ZKCLI, ['-server', gateways[0]!.connect, ...command], 120_000);
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
