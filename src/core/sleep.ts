/** A timer that resolves after `ms`, or at once when `signal` aborts (shutdown must not wait). */
export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}

/** Thrown between two chunks of a paced read once shutdown began: the read stops there. */
export class ReadAborted extends Error {
  constructor() {
    super('read stopped: shutting down');
  }
}
