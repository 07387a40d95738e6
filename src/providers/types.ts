/** What a provider driver is given: one message, already rendered and normalized. */
export interface OutgoingSms {
  id: string;
  to: string;
  from: string | null;
  body: string;
  /** Stable across retries of the same message; passed to providers that deduplicate. */
  idempotencyKey: string;
  /** ISO 3166 alpha-2 country of the recipient, when its number tells. */
  country: string | null;
}

export type SendOutcome = 'accepted' | 'transient' | 'permanent' | 'rejected_number';

/** Every driver classifies its result into this closed set; the worker decides what follows. */
export type SendResult =
  | { outcome: 'accepted'; providerMessageId: string | null; statusCode?: string }
  | { outcome: Exclude<SendOutcome, 'accepted'>; statusCode?: string; detail: string };

export interface SmsProvider {
  readonly name: string;
  /** Most sends in flight at once; the worker claims no more than this per pass. */
  readonly maxConcurrency?: number;
  send(message: OutgoingSms, signal: AbortSignal): Promise<SendResult>;
  close?(): Promise<void>;
}

/** Classifies an HTTP status the way most provider APIs mean it. */
export function classifyHttpStatus(status: number): SendOutcome {
  if (status >= 200 && status < 300) return 'accepted';
  if (status === 408 || status === 425 || status === 429 || status >= 500) return 'transient';
  return 'permanent';
}
