/**
 * At most N jobs at once, the rest wait in arrival order. Stills decode video (one ffmpeg
 * each): on a 2-core box that records 16 cameras, more than two at a time would take CPU
 * from the recorders and make every still slower, not faster.
 */
export class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly max: number) {}

  async run<T>(job: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active += 1;
    try {
      return await job();
    } finally {
      this.active -= 1;
      this.waiting.shift()?.();
    }
  }
}
