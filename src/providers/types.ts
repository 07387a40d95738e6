/** What a provider driver is given: one message, already rendered and normalized. */
export interface OutgoingSms {
  id: string;
  to: string;
  from: string | null;
  body: string;
  /** ISO 3166 alpha-2 country of the recipient (`"US"`), for drivers that pick a sender per country. */
  country: string | null;
  /** Stable across retries of the same message; passed to providers that deduplicate. */
  idempotencyKey: string;
}

export type SendOutcome = 'accepted' | 'transient' | 'permanent' | 'rejected_number';

/**
 * Every driver classifies its result into this closed set; the worker decides what follows.
 * `detail` is for the operator (attempt record, log): it never holds a credential.
 */
export type SendResult =
  | { outcome: 'accepted'; providerMessageId: string | null; statusCode?: string }
  | {
      outcome: Exclude<SendOutcome, 'accepted'>;
      /** The HTTP status (or SMPP command status) of the answer, when there was one. */
      statusCode?: string;
      /** The provider's own error code (Twilio `21211`, Vonage status `4`, `ESME_RTHROTTLED`). */
      errorCode?: string;
      detail: string;
      /**
       * The fault is the provider's, not the message's: bad credentials, a suspended account, no
       * balance. The worker takes the provider out of rotation for a while and says so loudly.
       */
      providerFault?: boolean;
    };

/** A delivery report, matched to an attempt by the id the provider gave when it accepted the message. */
export interface DeliveryReceipt {
  providerMessageId: string;
  status: 'delivered' | 'undelivered';
  /** The provider's own status or error code and text, for the operator. */
  detail?: string;
  /** When the provider says it happened, in epoch milliseconds. */
  at?: number;
}

/** An HTTP request as the receipt route sees it: plain values, no web framework's types. */
export interface ReceiptRequest {
  /** The absolute URL the provider called, as it knows it (the issuer's origin): some sign over it. */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  query: Record<string, string>;
  /** Parsed JSON or form body, when there is one. */
  body: unknown;
  /** The body exactly as it arrived: signatures are computed over it. */
  rawBody: string;
}

export interface ReceiptReply {
  status: number;
  body?: string;
  contentType?: string;
}

/**
 * Where a provider posts its delivery reports. The server mounts `path` under a prefix of its
 * choosing, one per driver, and applies the receipts `handle` returns; the driver checks the
 * request's signature and answers in the provider's expected shape (`reply`). A request that fails
 * the check returns no receipts and a 4xx reply.
 */
export interface ReceiptRoute {
  method: 'GET' | 'POST';
  /** Starts with "/", e.g. "/status". */
  path: string;
  handle(input: ReceiptRequest): Promise<{ receipts: DeliveryReceipt[]; reply: ReceiptReply }>;
}

/**
 * A delivery channel. `send` is the only duty; the rest is for drivers with a connection or a
 * limit of their own (SMPP binds, vendors' per-account concurrency caps, delivery reports).
 */
export interface SmsProvider {
  readonly name: string;
  /** Most sends in flight at once; the worker holds the rest back. Absent: no limit of its own. */
  readonly maxConcurrency?: number;
  /** Delivery reports, for providers that send them. */
  readonly receipts?: ReceiptRoute;
  /** Connects or binds; called once before the worker starts. A rejection stops the server's start. */
  start?(): Promise<void>;
  /** Classifies failures instead of throwing (a throw counts as transient). `signal`: the worker's deadline. */
  send(message: OutgoingSms, signal: AbortSignal): Promise<SendResult>;
  /**
   * Delivery reports the provider pushes on its own connection (SMPP deliver_sm), not through a
   * receipt route: the core subscribes once before `start` and applies them like the route's.
   */
  onReceipts?(listener: (receipts: DeliveryReceipt[]) => void): void;
  /** Closes connections; called once at shutdown, after the worker's last send. */
  stop?(): Promise<void>;
}
