// The leader's view of which sessions are alive. Session actors touch the sessions their
// clients keep pinging; a session untouched for its timeout is expired by the leader, which
// then proposes its closeSession like any other write.

export class SessionTracker {
  private readonly deadlines = new Map<number, { deadline: number; timeoutMs: number }>();

  /** A new leader gives every session a fresh timeout before it expires anything. */
  reset(sessions: ReadonlyMap<number, { timeoutMs: number }>, now: number): void {
    this.deadlines.clear();
    for (const [id, s] of sessions) this.deadlines.set(id, { deadline: now + s.timeoutMs, timeoutMs: s.timeoutMs });
  }

  add(sessionId: number, timeoutMs: number, now: number): void {
    this.deadlines.set(sessionId, { deadline: now + timeoutMs, timeoutMs });
  }

  touch(sessionId: number, now: number): void {
    const s = this.deadlines.get(sessionId);
    if (s) s.deadline = Math.max(s.deadline, now + s.timeoutMs);
  }

  remove(sessionId: number): void {
    this.deadlines.delete(sessionId);
  }

  /** Sessions past their deadline; they are forgotten here, their close is the caller's to propose. */
  takeExpired(now: number): number[] {
    const expired: number[] = [];
    for (const [id, s] of this.deadlines) {
      if (s.deadline <= now) expired.push(id);
    }
    for (const id of expired) this.deadlines.delete(id);
    return expired.sort((a, b) => a - b);
  }

  get size(): number {
    return this.deadlines.size;
  }
}
