// What a failing seed prints: the seed, what broke, and the trace that led there.
import type { SimResult } from './ensemble.js';

export function report(r: SimResult, lines = 120): string {
  return [
    `seed ${r.seed} (${r.servers} servers) violated: ${r.violations.slice(0, 5).join('; ')}`,
    `replay: node dist/test/sim/soak.js --seed ${r.seed} --servers ${r.servers}`,
    `last ${lines} lines of the trace:`,
    ...r.trace.slice(-lines),
  ].join('\n');
}
