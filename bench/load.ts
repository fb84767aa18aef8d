// The load loop the benchmarks share: N workers for a fixed time, latencies per operation.

export const progress = (m: string) => process.stderr.write(`bench: ${m}\n`);

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;
}

export function median(values: number[]): number {
  return percentile([...values].sort((a, b) => a - b), 0.5);
}

/** Runs op on `concurrency` workers for `seconds`; returns a markdown table row. */
export async function drive(name: string, concurrency: number, seconds: number, op: (worker: number, i: number) => Promise<unknown>): Promise<string> {
  progress(`${name} at concurrency ${concurrency} for ${seconds} s`);
  const latencies: number[] = [];
  const end = Date.now() + seconds * 1000;
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: concurrency }, async (_, w) => {
    for (let i = 0; Date.now() < end; i++) {
      const t0 = process.hrtime.bigint();
      await op(w, i);
      latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  }));
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  latencies.sort((a, b) => a - b);
  return `| ${name} | ${concurrency} | ${Math.round(latencies.length / elapsed)} | ${percentile(latencies, 0.5).toFixed(2)} | ${percentile(latencies, 0.99).toFixed(2)} |`;
}
