/**
 * Failed sign-ins counted per client address in a sliding window. Past the limit, the client is
 * told to wait (429) until its oldest failure leaves the window. Kept in the process: each replica
 * counts on its own, which still bounds guessing to replicas × MAX_FAILURES per window.
 */
export class LoginThrottle {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly maxFailures = 5,
    private readonly windowMs = 15 * 60 * 1000,
  ) {}

  /** Seconds the client must wait, or 0 when it may try. */
  retryAfter(client: string, now = Date.now()): number {
    const recent = this.recent(client, now);
    if (recent.length < this.maxFailures) return 0;
    return Math.max(1, Math.ceil((recent[0]! + this.windowMs - now) / 1000));
  }

  recordFailure(client: string, now = Date.now()): void {
    const recent = this.recent(client, now);
    recent.push(now);
    this.failures.set(client, recent);
    if (this.failures.size > 10_000) this.prune(now);
  }

  recordSuccess(client: string): void {
    this.failures.delete(client);
  }

  private recent(client: string, now: number): number[] {
    return (this.failures.get(client) ?? []).filter((at) => now - at < this.windowMs);
  }

  private prune(now: number): void {
    for (const [client, times] of this.failures) {
      if (times.every((at) => now - at >= this.windowMs)) this.failures.delete(client);
    }
  }
}
