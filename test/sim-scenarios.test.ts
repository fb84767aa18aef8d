// The ZooKeeper bugs of ../shared/ZAB-PITFALLS.md replayed in the simulator: each scenario
// crashes or cuts servers at the step where ZooKeeper lost or corrupted data, over many seeds,
// and every run must keep the simulator's invariants. A scenario must also really reach its
// step in most runs, or it proves nothing.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { simulate } from './sim/ensemble.js';
import { report } from './sim/report.js';
import { SCENARIOS } from './sim/scenarios.js';

const SEEDS = 20;

for (const spec of SCENARIOS) {
  test(`${spec.jira}: ${spec.what}`, async () => {
    let exercised = 0;
    for (let seed = 1; seed <= SEEDS; seed++) {
      const scenario = spec.make();
      const r = await simulate({ seed, servers: 3, scenario });
      if (r.violations.length > 0) assert.unreachable(`scenario '${scenario.name}' ${report(r)}`);
      if (r.exercised) exercised++;
    }
    assert.ok(exercised >= SEEDS / 2, `the scenario reached its step in only ${exercised} of ${SEEDS} runs`);
  });
}

test.run();
