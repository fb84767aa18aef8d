// The skeleton of bench:skeleton stands for what natszk's architecture allows, so it must keep
// natszk's promise: a write is answered only once a follower's log holds it on disk, as well
// as the leader's.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { skeleton } from '../bench/skeleton/system.js';
import { until } from './harness/wait.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Another process takes both followers' LMDB write locks and keeps them for ms: their logs cannot take a write meanwhile. */
function holdFollowersLogs(dir: string, ms: number): { held: string; done: Promise<void> } {
  const held = path.join(dir, 'held');
  const code = `
    import { open } from 'lmdb';
    import { writeFileSync } from 'node:fs';
    const [a, b] = ['server2', 'server3'].map((s) => open({ path: ${JSON.stringify(dir)} + '/' + s, maxDbs: 8 }));
    a.transactionSync(() => b.transactionSync(() => {
      writeFileSync(${JSON.stringify(held)}, '');
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ${ms});
    }));`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], { cwd: root, stdio: 'inherit' });
  return { held, done: new Promise((resolve) => child.once('exit', () => resolve())) };
}

test('the skeleton answers a create only once a follower has logged it', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'natszk-skeleton-test-'));
  const system = await skeleton(dir);
  const client = await system.connect();
  try {
    await client.create('/before', new Uint8Array());
    const hold = holdFollowersLogs(dir, 3000);
    await until("the followers' logs held", () => existsSync(hold.held), 10_000);
    const started = performance.now();
    await client.create('/during', new Uint8Array([1]));
    const waited = performance.now() - started;
    await hold.done;
    assert.ok(waited > 1000, `answered ${Math.round(waited)} ms after it was sent, while no follower could log it`);
    // Calls made in one turn travel together and are each answered.
    await Promise.all(Array.from({ length: 50 }, (_, i) => client.create(`/b${i}`, new Uint8Array())));
  } finally {
    await client.close();
    await system.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
