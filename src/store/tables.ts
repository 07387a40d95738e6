/** Row shapes of every table. Times are milliseconds since the epoch; booleans are 0/1. */
export interface SettingsTable {
  key: string;
  value: string;
}

export interface SigningKeysTable {
  kid: string;
  alg: string;
  private_jwk: string;
  public_jwk: string;
  status: 'current' | 'previous' | 'revoked';
  created_at: number;
}

export interface ClientsTable {
  client_id: string;
  name: string;
  description: string | null;
  client_secret: string | null;
  app_type: string;
  token_endpoint_auth_method: string;
  grant_types: string; // JSON array
  callbacks: string; // JSON array
  web_origins: string; // JSON array
  allowed_origins: string; // JSON array
  allowed_logout_urls: string; // JSON array
  /** Other Auth0 client fields, kept and returned as sent (JSON object). */
  extra: string;
  jwt_alg: string;
  id_token_lifetime: number;
  is_management: number;
  is_first_party: number;
  client_metadata: string; // JSON object
  created_at: number;
  updated_at: number;
}

export interface ConnectionsTable {
  id: string;
  name: string;
  strategy: string;
  display_name: string | null;
  options: string; // JSON object, secrets included: never sent out as is
  is_domain_connection: number;
  realms: string; // JSON array
  metadata: string; // JSON object
  created_at: number;
  updated_at: number;
}

/** The clients enabled on a connection (Auth0's `enabled_clients`), in the order they were given. */
export interface ConnectionClientsTable {
  connection_id: string;
  client_id: string;
  position: number;
}

export interface UsersTable {
  id: string;
  connection_id: string;
  phone_number: string;
  phone_verified: number;
  created_at: number;
  updated_at: number;
  last_login: number | null;
  logins_count: number;
}

export interface OtpCodesTable {
  id: string;
  connection_id: string;
  client_id: string;
  phone_number: string;
  code_hash: string;
  status: 'active' | 'used' | 'superseded' | 'voided';
  attempts: number;
  created_at: number;
  expires_at: number;
}

export interface PhoneFailuresTable {
  connection_id: string;
  phone_number: string;
  failures: number;
  window_start: number;
  blocked_until: number | null;
}

export interface RateCountersTable {
  key: string;
  window_start: number;
  count: number;
}

export type MessageStatus =
  | 'queued'
  | 'processing'
  | 'sent'
  | 'failed'
  | 'expired'
  | 'delivered'
  | 'undelivered';

/** How a message leaves: through the outbox worker and a provider, or posted at once to a connection's `gateway_url`. */
export type Dispatch = 'outbox' | 'gateway_url';

export interface MessagesTable {
  id: string;
  source: 'passwordless' | 'gateway' | 'api';
  connection_id: string | null;
  recipient: string;
  /** The text while undelivered; replaced by body_redacted once the message is final. */
  body: string;
  /** The text with its code masked: what the API shows and what is kept. */
  body_redacted: string;
  sender: string | null;
  /** ISO 3166 country of the recipient, when its number tells. */
  country: string | null;
  dispatch: Dispatch;
  encoding: 'GSM-7' | 'UCS-2' | null;
  segments: number | null;
  /** Which provider of the message's route chain is next (0 = the first). */
  route_step: number;
  /** Transient failures in a row on that provider; enough of them move the message on. */
  step_failures: number;
  /** A delivery receipt's reason (undelivered) and the time the provider gives. */
  receipt_detail: string | null;
  receipt_at: number | null;
  status: MessageStatus;
  attempts: number;
  next_attempt_at: number;
  lease_owner: string | null;
  lease_until: number | null;
  expires_at: number;
  provider: string | null;
  provider_message_id: string | null;
  last_error: string | null;
  idempotency_key: string;
  created_at: number;
  updated_at: number;
}

export interface MessageAttemptsTable {
  id: string;
  message_id: string;
  attempt: number;
  provider: string;
  outcome: 'accepted' | 'transient' | 'permanent' | 'rejected_number';
  status_code: string | null;
  /** The provider's id for the message, which its delivery receipts name. */
  provider_message_id: string | null;
  /** The provider's own error code (Twilio 21211, ESME_RTHROTTLED, ...). */
  error_code: string | null;
  detail: string | null;
  started_at: number;
  finished_at: number;
}

/** A provider taken out of rotation after a provider-wide fault (bad credentials, suspended). */
export interface ProviderHealthTable {
  provider: string;
  down_until: number;
  reason: string;
  updated_at: number;
}

/** One entry of the security log (`GET /api/v2/logs`). */
export interface SecurityEventsTable {
  id: string;
  date: number;
  /** Auth0's event type code (`cls`, `s`, `fp`, `limit_wc`, ...) or otpline's own (`otpline_...`). */
  type: string;
  description: string;
  client_id: string | null;
  client_name: string | null;
  connection_id: string | null;
  connection: string | null;
  ip: string | null;
  user_agent: string | null;
  phone_number: string | null;
  user_id: string | null;
  /** The rule that refused or blocked, when one did. */
  rule: string | null;
  details: string; // JSON object
}

/** Codes sent and verified in one hour for a country (`scope: 'country'`) or number prefix. */
export interface ConversionCountsTable {
  scope: 'country' | 'prefix';
  key: string;
  bucket: number;
  sent: number;
  verified: number;
}

/** A country or prefix a rule throttled, until when. */
export interface AbuseFlagsTable {
  scope: 'country' | 'prefix';
  key: string;
  rule: string;
  until: number;
  reason: string;
  created_at: number;
}

/** The phones one IP (or IPv6 /64) asked codes for in one window. */
export interface IpPhonesTable {
  ip: string;
  window_start: number;
  phone_number: string;
}

/** An authorization code of the hosted login, by its SHA-256: single use, short lived. */
export interface AuthorizationCodesTable {
  code_hash: string;
  client_id: string;
  redirect_uri: string;
  user_id: string;
  session_id: string | null;
  scope: string;
  audience: string | null;
  nonce: string | null;
  /** PKCE S256 challenge; null only for confidential clients that sent none. */
  code_challenge: string | null;
  auth_time: number;
  expires_at: number;
  used: number;
}

/** A browser's login at the hosted page, by the SHA-256 of its cookie. */
export interface LoginSessionsTable {
  id_hash: string;
  user_id: string;
  connection_id: string;
  auth_time: number;
  expires_at: number;
  ended: number;
}

/** A refresh token by its SHA-256; a family is one login's chain of rotations. */
export interface RefreshTokensTable {
  token_hash: string;
  family_id: string;
  client_id: string;
  user_id: string;
  scope: string;
  audience: string | null;
  status: 'active' | 'rotated' | 'revoked';
  created_at: number;
  expires_at: number;
}

/** A phone that may sign in to the dashboard, added through the setup link (config ones are not stored). */
export interface OperatorsTable {
  phone_number: string;
  /** How it was added: `setup_link`. */
  added_by: string;
  created_at: number;
}

/** A login ticket of the embedded login, by its SHA-256: single use, minutes long. */
export interface LoginTicketsTable {
  ticket_hash: string;
  /** `co`: from /co/authenticate, for /authorize; `verify`: from /passwordless/verify, for verify_redirect. */
  kind: 'co' | 'verify';
  client_id: string;
  user_id: string;
  connection_id: string;
  /** SHA-256 of what the browser must show with the ticket: the co_verifier, or phone and code. */
  binding_hash: string;
  co_id: string | null;
  auth_time: number;
  expires_at: number;
  used: number;
}

export interface Database {
  settings: SettingsTable;
  signing_keys: SigningKeysTable;
  clients: ClientsTable;
  connections: ConnectionsTable;
  connection_clients: ConnectionClientsTable;
  users: UsersTable;
  otp_codes: OtpCodesTable;
  phone_failures: PhoneFailuresTable;
  rate_counters: RateCountersTable;
  messages: MessagesTable;
  message_attempts: MessageAttemptsTable;
  provider_health: ProviderHealthTable;
  security_events: SecurityEventsTable;
  conversion_counts: ConversionCountsTable;
  abuse_flags: AbuseFlagsTable;
  ip_phones: IpPhonesTable;
  authorization_codes: AuthorizationCodesTable;
  login_sessions: LoginSessionsTable;
  refresh_tokens: RefreshTokensTable;
  operators: OperatorsTable;
  login_tickets: LoginTicketsTable;
}
