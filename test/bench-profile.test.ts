// npm run bench:profile: the summary counts only the load's window, and the command leaves a
// readable profile of every natszk process, named by its role.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { areaOf, summarize, type CpuProfile } from '../bench/profile-summary.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const frame = (functionName: string, url = '') => ({ functionName, url, lineNumber: 0 });

test('a summary counts the samples inside the window only, and sorts them by the code they ran', () => {
  const profile: CpuProfile = {
    nodes: [
      { id: 1, callFrame: frame('(root)'), children: [2, 3, 4, 5] },
      { id: 2, callFrame: frame('(idle)') },
      { id: 3, callFrame: frame('applyTxn', 'file:///srv/natszk/dist/storage/data-tree.js') },
      { id: 4, callFrame: frame('encodeMap', 'file:///srv/natszk/node_modules/@msgpack/msgpack/dist.cjs/Encoder.cjs') },
      { id: 5, callFrame: frame('(garbage collector)') },
    ],
    startTime: 1_000_000,
    endTime: 1_010_000,
    // One sample a ms; each stands for the ms up to the next.
    samples: [3, 3, 4, 3, 2, 2, 5, 4, 3, 3, 3],
    timeDeltas: Array.from({ length: 11 }, () => 1000),
  };
  // Samples at 1,001,000 .. 1,011,000 µs; the window holds the 3rd to the 8th (4, 3, 2, 2, 5, 4).
  const s = summarize(profile, 1_003_000, 1_008_000);
  assert.is(s.windowMs, 5);
  assert.is(s.busyMs, 4, 'idle samples are not busy');
  assert.equal(s.areas, [
    { area: '@msgpack/msgpack', ms: 2 },
    { area: 'natszk', ms: 1 },
    { area: 'garbage collector', ms: 1 },
  ]);
  assert.equal(s.functions.map((f) => [f.name, f.where, f.ms]), [
    ['encodeMap', '@msgpack/msgpack/dist.cjs/Encoder.cjs:1', 2],
    ['applyTxn', 'storage/data-tree.js:1', 1],
    ['(garbage collector)', '(native)', 1],
  ]);
  assert.is(areaOf(frame('transactionSync', 'file:///x/node_modules/lmdb/write.js')), 'lmdb (its commit waits for the disk)');
  assert.is(areaOf(frame('processTicksAndRejections', 'node:internal/process/task_queues')), 'node internals');
});

test('npm run bench:profile profiles the leader, both followers and the session actor under load', async () => {
  const out = mkdtempSync(path.join(os.tmpdir(), 'natszk-profile-test-'));
  try {
    const child = spawn(process.execPath, ['dist/bench/profile.js', '--seconds', '1', '--concurrency', '8', '--out', out], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    assert.is(code, 0, stderr);
    assert.match(stderr, /profiling: create at concurrency 8 for 1 s/);
    assert.match(stdout, /^## create, concurrency 8, 1 s: \d+ operations\/s/m);
    const titles = [...stdout.matchAll(/^### (.+?):/gm)].map((m) => m[1]!).sort();
    assert.is(titles.length, 4, stdout);
    assert.is(titles.filter((t) => t.startsWith('follower (server ')).length, 2);
    assert.ok(titles.some((t) => t.startsWith('leader (server ')));
    assert.ok(titles.includes('session actor'));
    // Every process ran natszk's own code while it served the creates.
    assert.is([...stdout.matchAll(/^\| natszk \| [\d.]+% \| [\d.]+ \|$/gm)].length, 4, stdout);
    const [run] = readdirSync(out);
    const files = readdirSync(path.join(out, run!)).sort();
    assert.equal(files.filter((f) => f.endsWith('.cpuprofile')).length, 4, files.join(', '));
    assert.ok(files.includes('session-actor.cpuprofile'));
    const profile = JSON.parse(readFileSync(path.join(out, run!, 'session-actor.cpuprofile'), 'utf8')) as CpuProfile;
    assert.ok(profile.samples.length > 100 && profile.nodes.length > 10);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test.run();
