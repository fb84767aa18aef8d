// npm run chaos -- --minutes N [--seed S]: workloads under faults over real processes, then a verdict.
import { parseArgs } from 'node:util';
import { formatReport, runChaos } from './run.js';

const { values } = parseArgs({ options: { minutes: { type: 'string' }, seconds: { type: 'string' }, seed: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
if (values.help) {
  console.log('usage: npm run chaos -- [--minutes N | --seconds N] [--seed S]\nRuns the chaos workloads under the nemesis and prints a verdict; exit 1 on an anomaly.');
  process.exit(0);
}
const seconds = values.seconds ? Number(values.seconds) : Number(values.minutes ?? 5) * 60;
const seed = Number(values.seed ?? Date.now() % 100_000);
if (!(seconds > 0) || !Number.isSafeInteger(seed)) {
  console.error('chaos: --minutes/--seconds must be positive and --seed an integer');
  process.exit(2);
}
const report = await runChaos({ seconds, seed, log: (m) => process.stderr.write(`chaos: ${m}\n`) });
console.log(formatReport(report));
process.exit(report.anomalies.length === 0 ? 0 : 1);
