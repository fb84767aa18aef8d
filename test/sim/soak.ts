// The soak: random seeds for as long as it is given, or one seed replayed with its trace.
// npm run soak -- --minutes 30        npm run soak -- --seed 1234 --servers 5
import { parseArgs } from 'node:util';
import { simulate } from './ensemble.js';
import { report } from './report.js';

const { values } = parseArgs({ options: { minutes: { type: 'string' }, seed: { type: 'string' }, servers: { type: 'string' } } });

if (values.seed) {
  const r = await simulate({ seed: Number(values.seed), servers: Number(values.servers ?? 3) });
  console.log(r.violations.length ? report(r, 400) : `seed ${r.seed}: no violation (${r.acked} writes acknowledged, ${r.checked} client operations linearizable, ${r.faults} faults, ${r.events} events)`);
  process.exit(r.violations.length ? 1 : 0);
}

const deadline = Date.now() + Number(values.minutes ?? 5) * 60_000;
let runs = 0;
let failures = 0;
let lastReport = Date.now();
const base = Date.now() % 1_000_000_000;
while (Date.now() < deadline) {
  const seed = base + runs;
  const servers = runs % 4 === 3 ? 5 : 3;
  const r = await simulate({ seed, servers });
  runs++;
  if (r.violations.length) {
    failures++;
    console.log(report(r));
  }
  if (Date.now() - lastReport > 10_000) {
    lastReport = Date.now();
    process.stderr.write(`soak: ${runs} runs, ${failures} failing, ${Math.round((deadline - Date.now()) / 1000)} s left\n`);
  }
}
console.log(`soak: ${runs} runs, ${failures} failing seeds`);
process.exit(failures ? 1 : 0);
