/** What a provider driver is given: one message, already rendered and normalized. */
export interface OutgoingSms {
  id: string;
  to: string;
  from: string | null;
  body: string;
  /** Stable across retries of the same message; passed to providers that deduplicate. */
  idempotencyKey: string;
}

export type SendOutcome = 'accepted' | 'transient' | 'permanent' | 'rejected_number';

/** Every driver classifies its result into this closed set; the worker decides what follows. */
export type SendResult =
  | { outcome: 'accepted'; providerMessageId: string | null; statusCode?: string }
  | { outcome: Exclude<SendOutcome, 'accepted'>; statusCode?: string; detail: string };

export interface SmsProvider {
  readonly name: string;
  send(message: OutgoingSms, signal: AbortSignal): Promise<SendResult>;
  close?(): Promise<void>;
}
