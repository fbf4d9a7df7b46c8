/**
 * When to restart a camera's ffmpeg: exponential backoff with full jitter between an
 * initial delay and a cap, reset after a healthy run, plus a bound on restarts per hour
 * so a camera that flaps cannot make the box spin. Pure: time and randomness are given.
 */
export interface RestartPolicySettings {
  initialMs: number;
  maxMs: number;
  maxRestartsPerHour: number;
}

const hourMs = 3_600_000;

export class RestartPolicy {
  private failures = 0;
  private restartsMono: number[] = [];

  constructor(
    private readonly settings: RestartPolicySettings,
    private readonly random: () => number = Math.random,
  ) {}

  /** A run recorded footage: the next failure starts the backoff from the beginning. */
  noteHealthy(): void {
    this.failures = 0;
  }

  /**
   * Delay before the next start, given the monotonic time now. `limited` is true when the
   * hourly budget is spent and the delay waits for the oldest restart to leave the window.
   */
  nextDelay(nowMono: number): { delayMs: number; limited: boolean } {
    this.restartsMono = this.restartsMono.filter((t) => nowMono - t < hourMs);
    const ceiling = Math.min(this.settings.maxMs, this.settings.initialMs * 2 ** Math.min(this.failures, 20));
    const jittered = this.settings.initialMs + this.random() * Math.max(0, ceiling - this.settings.initialMs);
    this.failures += 1;
    const oldest = this.restartsMono[0];
    if (this.restartsMono.length >= this.settings.maxRestartsPerHour && oldest !== undefined) {
      return { delayMs: Math.max(Math.round(jittered), oldest + hourMs - nowMono), limited: true };
    }
    return { delayMs: Math.round(jittered), limited: false };
  }

  /** Record that a restart happened now. */
  noteRestart(nowMono: number): void {
    this.restartsMono.push(nowMono);
  }
}
