// The load loop the benchmarks share: N workers for a fixed time, latencies per operation.

export const progress = (m: string) => process.stderr.write(`bench: ${m}\n`);

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;
}

export function median(values: number[]): number {
  return percentile([...values].sort((a, b) => a - b), 0.5);
}

/** The round of median throughput, whole (the lower of the middle two for an even count). */
export function medianRound<T extends { m: Measured }>(rounds: T[]): T | undefined {
  return [...rounds].sort((a, b) => a.m.opsPerSecond - b.m.opsPerSecond)[Math.floor((rounds.length - 1) / 2)];
}

export interface Measured {
  opsPerSecond: number;
  /** ms */
  p50: number;
  p99: number;
  p999: number;
  count: number;
}

/** Runs op on `concurrency` workers for `seconds`: throughput and latency percentiles. */
export async function measure(concurrency: number, seconds: number, op: (worker: number, i: number) => Promise<unknown>): Promise<Measured> {
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
  return { opsPerSecond: latencies.length / elapsed, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), p999: percentile(latencies, 0.999), count: latencies.length };
}

/** Runs op on `concurrency` workers for `seconds`; returns a markdown table row. */
export async function drive(name: string, concurrency: number, seconds: number, op: (worker: number, i: number) => Promise<unknown>): Promise<string> {
  progress(`${name} at concurrency ${concurrency} for ${seconds} s`);
  const m = await measure(concurrency, seconds, op);
  return `| ${name} | ${concurrency} | ${Math.round(m.opsPerSecond)} | ${m.p50.toFixed(2)} | ${m.p99.toFixed(2)} |`;
}
