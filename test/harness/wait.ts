// Polling for what a test waits on (an event heard, a node gone, a gateway serving), failing
// with what it waited for.

/** Polls until check() gives a value (not undefined or false), and returns it. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Polls until cond() holds. */
export async function until(what: string, cond: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  await waitFor(what, cond, ms);
}
