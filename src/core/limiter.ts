/**
 * At most N jobs at once, the rest wait in arrival order. Used where a job costs a core
 * (stills decode video, health cards run ffprobe): on a 2-core box that records 16
 * cameras, more at a time would take CPU from the recorders and make every job slower.
 */
export class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly max: number) {}

  async run<T>(job: () => Promise<T>): Promise<T> {
    // A finished job hands its slot straight to the next waiter, so a job arriving in
    // between cannot take it and push the count over `max`.
    if (this.active >= this.max) await new Promise<void>((go) => this.waiting.push(go));
    else this.active += 1;
    try {
      return await job();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active -= 1;
    }
  }
}
