import Type, { type Static } from 'typebox';
import type { AttemptRow, MessageRow } from '../gateway/outbox.js';
import type { App } from '../http/app-type.js';
import { NotFound } from '../http/errors.js';
import type { Services } from '../services.js';
import { IdParams, type ManagementAuthDeps, PagedReply, PageQuery, paged, requireScope } from './auth.js';

export const Status = Type.Union(
  ['queued', 'processing', 'sent', 'failed', 'expired', 'delivered', 'undelivered'].map((s) =>
    Type.Literal(s),
  ),
);

const ListQuery = Type.Object({
  ...PageQuery,
  status: Type.Optional(Status),
  recipient: Type.Optional(Type.String({ maxLength: 64 })),
});

const Attempt = Type.Object({
  attempt: Type.Integer(),
  provider: Type.String(),
  outcome: Type.String(),
  status_code: Type.Union([Type.String(), Type.Null()]),
  error_code: Type.Union([Type.String(), Type.Null()], { description: "The provider's own error code" }),
  provider_message_id: Type.Union([Type.String(), Type.Null()]),
  detail: Type.Union([Type.String(), Type.Null()]),
  started_at: Type.String(),
  finished_at: Type.String(),
});

export const MessageReply = Type.Object({
  id: Type.String(),
  source: Type.String(),
  dispatch: Type.String({
    description:
      'outbox: delivered by the worker through the provider; gateway_url: posted to the connection gateway',
  }),
  route: Type.String({ description: 'Deprecated: the same as dispatch (kept for earlier clients)' }),
  connection_id: Type.Union([Type.String(), Type.Null()]),
  recipient: Type.String(),
  country: Type.Union([Type.String(), Type.Null()]),
  encoding: Type.Union([Type.Literal('GSM-7'), Type.Literal('UCS-2'), Type.Null()]),
  segments: Type.Union([Type.Integer(), Type.Null()]),
  sender: Type.Union([Type.String(), Type.Null()]),
  body: Type.String({ description: 'The text with its code masked' }),
  status: Type.String(),
  attempts: Type.Array(Attempt),
  provider: Type.Union([Type.String(), Type.Null()]),
  provider_message_id: Type.Union([Type.String(), Type.Null()]),
  last_error: Type.Union([Type.String(), Type.Null()]),
  receipt_detail: Type.Union([Type.String(), Type.Null()], { description: 'Why a receipt said undelivered' }),
  receipt_at: Type.Union([Type.String(), Type.Null()], {
    description: 'When the provider says it delivered',
  }),
  next_attempt_at: Type.Union([Type.String(), Type.Null()]),
  expires_at: Type.String(),
  created_at: Type.String(),
  updated_at: Type.String(),
});

const iso = (ms: number) => new Date(ms).toISOString();

export function present(m: MessageRow, attempts: AttemptRow[]): Static<typeof MessageReply> {
  return {
    id: m.id,
    source: m.source,
    dispatch: m.dispatch,
    route: m.dispatch,
    connection_id: m.connection_id,
    recipient: m.recipient,
    country: m.country,
    encoding: m.encoding,
    segments: m.segments,
    sender: m.sender,
    body: m.body_redacted,
    status: m.status,
    attempts: attempts.map((a) => ({
      attempt: a.attempt,
      provider: a.provider,
      outcome: a.outcome,
      status_code: a.status_code,
      provider_message_id: a.provider_message_id,
      error_code: a.error_code,
      detail: a.detail,
      started_at: iso(a.started_at),
      finished_at: iso(a.finished_at),
    })),
    provider: m.provider,
    provider_message_id: m.provider_message_id,
    last_error: m.last_error,
    receipt_detail: m.receipt_detail,
    receipt_at: m.receipt_at === null ? null : iso(m.receipt_at),
    next_attempt_at: m.status === 'queued' ? iso(m.next_attempt_at) : null,
    expires_at: iso(m.expires_at),
    created_at: iso(m.created_at),
    updated_at: iso(m.updated_at),
  };
}

const tags = ['Management API: SMS messages'];

/** The delivery log: every message, its status and each attempt. Codes are masked. */
export function smsMessageRoutes(app: App, services: ManagementAuthDeps & Pick<Services, 'outbox'>): void {
  const { outbox } = services;

  app.get(
    '/api/v2/sms-messages',
    {
      schema: {
        tags,
        summary: 'List SMS messages, newest first',
        querystring: ListQuery,
        response: { 200: PagedReply('sms_messages', MessageReply) },
      },
      onRequest: requireScope(services, 'read:sms_messages'),
    },
    async (request) => {
      const q = request.query;
      const { messages, attempts, total } = await outbox.list(
        { status: q.status as MessageRow['status'] | undefined, recipient: q.recipient },
        q.page * q.per_page,
        q.per_page,
      );
      const shown = messages.map((m) =>
        present(
          m,
          attempts.filter((a) => a.message_id === m.id),
        ),
      );
      return paged('sms_messages', shown, total, q);
    },
  );

  app.get(
    '/api/v2/sms-messages/:id',
    {
      schema: {
        tags,
        summary: 'Get one SMS message with its attempts',
        params: IdParams,
        response: { 200: MessageReply },
      },
      onRequest: requireScope(services, 'read:sms_messages'),
    },
    async (request) => {
      const found = await outbox.get(request.params.id);
      if (!found) throw new NotFound('inexistent_sms_message', 'The SMS message does not exist');
      return present(found.message, found.attempts);
    },
  );
}
