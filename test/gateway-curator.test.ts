// Apache Curator 5.4 (Debian's libcurator-*-java, unmodified, on ZooKeeper 3.8's Java client)
// against two natszk gateways: test/gateway/curator/CuratorRecipes.java, compiled here with
// javac, runs CRUD, CuratorCache, TreeCache, InterProcessMutex (exclusion, and the handover when
// the holder's JVM is killed with SIGKILL and its session expires), LeaderLatch,
// DistributedBarrier, DistributedDoubleBarrier, DistributedAtomicLong and SharedCount, and prints
// a line per check.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gatewayEnsemble, runProgram, type GatewayProc } from './gateway/gateways.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SOURCE = path.resolve(HERE, '../../test/gateway/curator/CuratorRecipes.java');
// The jars' manifests name their own dependencies (zookeeper.jar, guava, netty, slf4j-api);
// slf4j-simple is the logger, at warn, on stderr.
const JARS = ['curator-recipes', 'curator-framework', 'curator-client', 'slf4j-simple'].map((j) => `/usr/share/java/${j}.jar`);
const CHECKS = ['crud', 'curator-cache', 'tree-cache', 'mutex-exclusive', 'lock-handover', 'leader-latch', 'barrier', 'double-barrier', 'atomic-long', 'shared-count', 'cleanup'];

let ensemble: Awaited<ReturnType<typeof gatewayEnsemble>>;
let gateways: GatewayProc[] = [];

test.before(async () => {
  ensemble = await gatewayEnsemble();
  gateways = ensemble.gateways;
});

test.after(() => ensemble.stop());


/** The compiled program's directory: javac's output, kept in the temp dir by the source's hash. */
async function compile(): Promise<string> {
  const missing = ['/usr/bin/javac', ...JARS].filter((f) => !existsSync(f));
  assert.equal(missing, [], 'missing (deploy/local/setup.sh --tests installs them)');
  const hash = createHash('sha256').update(readFileSync(SOURCE)).update(JARS.join(':')).digest('hex').slice(0, 16);
  const dir = path.join(os.tmpdir(), `natszk-curator-${hash}`);
  if (existsSync(path.join(dir, 'CuratorRecipes.class'))) return dir;
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'natszk-curator-build-'));
  const r = await runProgram('/usr/bin/javac', ['-nowarn', '-d', tmp, '-cp', JARS.join(':'), SOURCE], 180_000);
  if (r.code !== 0) rmSync(tmp, { recursive: true, force: true });
  assert.is(r.code, 0, `javac exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
  try {
    renameSync(tmp, dir);
  } catch {
    rmSync(tmp, { recursive: true, force: true }); // another run compiled the same source first
  }
  return dir;
}

test('Curator: CRUD, caches, InterProcessMutex (kill -9 of the holder), LeaderLatch, barriers, counters', async () => {
  const classes = await compile();
  const hosts = gateways.map((g) => g.connect).join(',');
  const started = Date.now();
  const r = await runProgram('java', ['-Xmx256m', '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn', '-cp', [classes, ...JARS].join(':'),
    'CuratorRecipes', 'all', hosts, '/curator'], 420_000);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const context = `exit ${r.code} after ${seconds} s\n--- stdout\n${r.stdout}\n--- stderr (tail)\n${r.stderr.slice(-12_000)}`
    + `\n--- gateways\n${gateways.map((g) => g.proc.output.slice(-4000)).join('\n')}`;
  for (const check of CHECKS) assert.match(r.stdout, new RegExp(`^ok ${check}( |$)`, 'm'), `check ${check}\n${context}`);
  assert.not.match(r.stdout, /^FAIL/m, context);
  assert.is(r.stdout.trim().split('\n').at(-1), 'done', context);
  assert.is(r.code, 0, context);
  // The waiter got the lock once the killed holder's session expired (4 s, pinged every third
  // of that), not when its TCP connection dropped: ZooKeeper keeps a session past its connection.
  const handover = Number(/w1 took the lock (\d+) ms later/.exec(r.stdout)?.[1]);
  assert.ok(handover >= 1500, `the lock changed hands ${handover} ms after the kill, before the holder's session could expire\n${context}`);
});

test.run();
