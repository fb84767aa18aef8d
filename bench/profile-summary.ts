// What a V8 CPU profile (node --cpu-prof) says about one process during a window of a run:
// how much of the window its JavaScript thread was busy, in which code, and the functions that
// took most of it. Startup and shutdown fall outside the window and are left out.
// The profiler samples the thread's wall time: a synchronous call that waits (LMDB's commit
// waiting for the disk) or a thread the kernel preempted counts as busy there.

export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[];
  /** µs, on the system's monotonic clock (as process.hrtime) */
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  windowMs: number;
  busyMs: number;
  /** share of busy time by where the code comes from, largest first */
  areas: { area: string; ms: number }[];
  /** the functions that took most busy time themselves (not counting what they called) */
  functions: { name: string; where: string; area: string; ms: number }[];
}

/** Which body of code a frame belongs to. */
export function areaOf(frame: { functionName: string; url: string }): string {
  const { url, functionName } = frame;
  if (!url) {
    if (functionName === '(garbage collector)') return 'garbage collector';
    if (functionName === '(program)') return 'V8 and native code';
    return 'node internals';
  }
  if (url.startsWith('node:')) return 'node internals';
  const pkg = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (pkg) return pkg[1] === 'lmdb' ? 'lmdb (its commit waits for the disk)' : pkg[1]!;
  return 'natszk';
}

function where(frame: { url: string; lineNumber: number }): string {
  if (!frame.url) return '(native)';
  const url = frame.url.replace(/^file:\/\//, '');
  const file = url.includes('/node_modules/') ? url.replace(/^.*\/node_modules\//, '') : url.replace(/^.*\/dist\//, '');
  return `${file}:${frame.lineNumber + 1}`;
}

/** Sums the samples whose time falls in [fromUs, toUs]; top: how many functions to list. */
export function summarize(profile: CpuProfile, fromUs: number, toUs: number, top = 12): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    // A sample stands for the interval up to the next one.
    const next = profile.timeDeltas[i + 1] ?? 0;
    if (t < fromUs || t > toUs) continue;
    const id = profile.samples[i]!;
    selfUs.set(id, (selfUs.get(id) ?? 0) + next);
  }
  const areas = new Map<string, number>();
  const functions = new Map<string, { name: string; where: string; area: string; ms: number }>();
  let busyUs = 0;
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)?.callFrame;
    if (!frame || frame.functionName === '(idle)' || frame.functionName === '(root)') continue;
    busyUs += us;
    const area = areaOf(frame);
    areas.set(area, (areas.get(area) ?? 0) + us / 1000);
    const at = where(frame);
    const key = `${frame.functionName}@${at}`;
    const f = functions.get(key) ?? { name: frame.functionName || '(anonymous)', where: at, area, ms: 0 };
    f.ms += us / 1000;
    functions.set(key, f);
  }
  return {
    windowMs: (toUs - fromUs) / 1000,
    busyMs: busyUs / 1000,
    areas: [...areas].map(([area, ms]) => ({ area, ms })).sort((a, b) => b.ms - a.ms),
    functions: [...functions.values()].sort((a, b) => b.ms - a.ms).slice(0, top),
  };
}

/** The summary as markdown: busy share, areas, then the top functions. */
export function summaryMarkdown(title: string, s: ProfileSummary, operations: number): string {
  const pct = (ms: number) => `${((100 * ms) / s.busyMs).toFixed(1)}%`;
  const perOp = (ms: number) => `${((1000 * ms) / operations).toFixed(1)}`;
  const lines = [
    `### ${title}`,
    '',
    `busy ${Math.round(s.busyMs)} ms of ${Math.round(s.windowMs)} ms (${((100 * s.busyMs) / s.windowMs).toFixed(0)}%), ${perOp(s.busyMs)} µs per operation`,
    '',
    '| code | share of busy time | µs per operation |',
    '|---|---|---|',
    ...s.areas.map((a) => `| ${a.area} | ${pct(a.ms)} | ${perOp(a.ms)} |`),
    '',
    '| function (self time) | where | share of busy time |',
    '|---|---|---|',
    ...s.functions.map((f) => `| ${f.name} | ${f.where} | ${pct(f.ms)} |`),
    '',
  ];
  return lines.join('\n');
}
