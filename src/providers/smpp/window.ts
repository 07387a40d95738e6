/**
 * The SMPP window: at most `size` PDUs awaiting their answer. Slots are granted in the order asked
 * for, so the parts of a long message go out in order; a caller whose deadline passes while
 * waiting leaves the queue.
 */
export class Window {
  private inFlight = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly size: number) {}

  /** Resolves to a release function once a slot is free, or to null when `signal` aborts first. */
  acquire(signal: AbortSignal): Promise<(() => void) | null> {
    if (signal.aborted) return Promise.resolve(null);
    if (this.inFlight < this.size && this.waiting.length === 0) return Promise.resolve(this.take());
    return new Promise((resolve) => {
      const grant = () => {
        signal.removeEventListener('abort', onAbort);
        resolve(this.take());
      };
      const onAbort = () => {
        const at = this.waiting.indexOf(grant);
        if (at >= 0) this.waiting.splice(at, 1);
        resolve(null);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(grant);
    });
  }

  get outstanding(): number {
    return this.inFlight;
  }

  private take(): () => void {
    this.inFlight += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inFlight -= 1;
      this.waiting.shift()?.();
    };
  }
}
