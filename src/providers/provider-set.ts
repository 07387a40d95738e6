import type { SmsProvider } from './types.js';

/**
 * The providers this node delivers through, by name, each with its own limit on sends in flight
 * (`maxConcurrency`): a slow provider holds back only its own messages.
 */
export class ProviderSet {
  private readonly slots = new Map<string, Semaphore>();

  constructor(
    private readonly providers: ReadonlyMap<string, SmsProvider>,
    /** The provider of messages no route matches. */
    readonly defaultName: string,
  ) {
    for (const [name, provider] of providers)
      this.slots.set(name, new Semaphore(provider.maxConcurrency ?? Number.POSITIVE_INFINITY));
    if (!providers.has(defaultName))
      throw new Error(`the default provider "${defaultName}" is not configured`);
  }

  /** Adds a provider made while running (an Auth0 connection's own Twilio account); started by the caller if needed. */
  add(name: string, provider: SmsProvider): void {
    (this.providers as Map<string, SmsProvider>).set(name, provider);
    this.slots.set(name, new Semaphore(provider.maxConcurrency ?? Number.POSITIVE_INFINITY));
  }

  get(name: string): SmsProvider | undefined {
    return this.providers.get(name);
  }

  names(): string[] {
    return [...this.providers.keys()];
  }

  /** Runs `send` when the provider has a free slot. */
  async withSlot<T>(name: string, send: () => Promise<T>): Promise<T> {
    const slot = this.slots.get(name);
    if (!slot) return send();
    await slot.acquire();
    try {
      return await send();
    } finally {
      slot.release();
    }
  }

  /** Connects every provider; if one fails, the ones started are stopped again and the error thrown. */
  async start(): Promise<void> {
    const started: SmsProvider[] = [];
    try {
      for (const provider of this.providers.values()) {
        await provider.start?.();
        started.push(provider);
      }
    } catch (err) {
      await Promise.allSettled(started.map((p) => p.stop?.()));
      throw err;
    }
  }

  async stop(): Promise<void> {
    await Promise.allSettled([...this.providers.values()].map((p) => p.stop?.()));
  }
}

class Semaphore {
  private waiting: Array<() => void> = [];
  private inUse = 0;

  constructor(private readonly size: number) {}

  async acquire(): Promise<void> {
    if (this.inUse < this.size) {
      this.inUse++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.inUse--;
  }
}
