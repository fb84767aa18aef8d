// The README's example program runs as written, importing the package by its name.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Cluster } from './harness/processes.js';

const examples = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../client/examples');
const example = path.join(examples, 'hello.js');

test('client/examples/hello.ts prints what the README says', async () => {
  const cluster = await Cluster.start();
  try {
    // The example uses the default ensemble name; the test cluster's is 'test'.
    const run = spawnSync(process.execPath, [example, cluster.url], { encoding: 'utf8', env: { ...process.env, NATSZK_ENSEMBLE: cluster.ensemble } });
    assert.is(run.status, 0, run.stderr);
    assert.is(run.stdout, [
      '/app = config v1 (version 0)',
      'joined as /app/member-0000000000; members: member-0000000000',
      'delete /app: BADVERSION',
      '',
    ].join('\n'));
    const zk = await cluster.client({ sessionless: true });
    assert.equal(await zk.getChildren('/app'), ['ready'], 'the ephemeral member left with the session');
    await zk.close();
  } finally {
    await cluster.stop();
  }
});

test('client/examples/recipes.ts prints what the README says', async () => {
  const cluster = await Cluster.start();
  try {
    const run = spawnSync(process.execPath, [path.join(examples, 'recipes.js'), cluster.url], { encoding: 'utf8', env: { ...process.env, NATSZK_ENSEMBLE: cluster.ensemble } });
    assert.is(run.status, 0, run.stderr);
    assert.is(run.stdout, [
      'a holds the lock: true; b is waiting: true',
      'after a\'s release, b holds it: true',
      'node-b leads now',
      'jobs: 2',
      'api instances: 10.0.0.1:8080',
      '',
    ].join('\n'));
  } finally {
    await cluster.stop();
  }
});

test.run();
