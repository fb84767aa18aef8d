// The short chaos run (npm run chaos runs longer ones): every kind of fault over real
// processes while the workloads run, then every check must pass.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FAULTS } from './chaos/nemesis.js';
import { formatReport, runChaos } from './chaos/run.js';

test('70 s of faults of every kind: histories linearizable, no acknowledged write lost, one tree', async () => {
  const seed = Number(process.env.NATSZK_CHAOS_SEED ?? 20261125);
  const report = await runChaos({ seconds: 70, seed, log: (m) => process.stderr.write(`chaos: ${m}\n`) });
  console.log(formatReport(report));
  assert.equal(report.anomalies, [], `anomalies (replay: npm run chaos -- --seconds 70 --seed ${seed})`);
  for (const f of FAULTS) assert.ok(report.faults[f] >= 1, `${f} was injected`);
  assert.ok(report.checked.linearizable > 1000, `${report.checked.linearizable} operations checked`);
  assert.ok(report.checked.acknowledgedCreates > 1000, `${report.checked.acknowledgedCreates} creates checked`);
});

test.run();
