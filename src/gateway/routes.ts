import Type from 'typebox';
import { InvalidParameter } from '../errors.js';
import type { App } from '../http/app-type.js';
import { MAX_FREE_FORM_DEPTH } from '../http/json-depth.js';
import { MAX_MESSAGE_LENGTH, maskDigitRuns } from '../messages/template.js';
import { normalizePhone } from '../phone/normalize.js';
import type { Services } from '../services.js';
import { checkGatewayCaller, type GatewayAuthSettings, networkList } from './gateway-auth.js';
import type { MessageRow } from './outbox.js';

const Body = Type.Object(
  {
    recipient: Type.String({ description: 'E.164 phone number', maxLength: 64 }),
    body: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: MAX_MESSAGE_LENGTH,
        description: 'The message text (or `text`)',
      }),
    ),
    text: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: MAX_MESSAGE_LENGTH,
        description: 'The message text, as Auth0 Actions name it (`as_text`, `text`)',
      }),
    ),
    message_type: Type.Optional(
      Type.Union([Type.Literal('sms'), Type.Literal('text'), Type.Literal('voice')], {
        description: 'As Auth0 Actions send it; otpline sends text messages only',
      }),
    ),
    sender: Type.Optional(Type.Union([Type.String({ maxLength: 128 }), Type.Null()])),
    req: Type.Optional(
      Type.Object(
        {},
        {
          additionalProperties: true,
          maxDepth: MAX_FREE_FORM_DEPTH,
          description: 'Request info (forward_req_info)',
        },
      ),
    ),
  },
  { additionalProperties: true },
);

const Reply = Type.Object({ id: Type.String(), status: Type.String(), recipient: Type.String() });

/** The custom SMS gateway Auth0 (or otpline itself, or anyone) POSTs `{recipient, body, sender}` to. */
/** The gateway half needs no auth stores: its settings, the outbox, its secret and the abuse rules. */
export function gatewayRoutes(
  app: App,
  services: Pick<Services, 'config' | 'outbox' | 'clock' | 'secrets' | 'abuse' | 'worker' | 'stores'>,
): void {
  const { config, outbox, clock, secrets, abuse, worker } = services;
  const { durability } = services.stores;
  const auth: GatewayAuthSettings = {
    key: secrets.gatewayKey,
    audience: secrets.gatewayAudience,
    allowUnauthenticated: config.gateway.allowUnauthenticatedFrom.length
      ? networkList(config.gateway.allowUnauthenticatedFrom)
      : undefined,
    maxAgeSeconds: config.gateway.tokenMaxAgeSeconds,
    clock,
  };

  app.post(
    '/gateway/sms',
    {
      schema: {
        tags: ['Gateway'],
        summary: "Accept a message on Auth0's custom SMS gateway contract",
        description:
          'Requires `Authorization: Bearer <HS256 JWT>` signed with the gateway secret. The message is stored before the 200, then delivered by the outbox worker. Send `Idempotency-Key` to make retries safe.',
        body: Body,
        response: { 200: Reply },
      },
      config: { errorStyle: 'gateway' },
      // Check the caller before its body is even read.
      onRequest: async (request) => checkGatewayCaller(request, auth),
    },
    async (request) => {
      const text = request.body.body ?? request.body.text;
      if (text === undefined) throw new InvalidParameter('body', 'Missing required property: body');
      if (request.body.message_type === 'voice') {
        throw new InvalidParameter(
          'message_type',
          'Voice messages are not supported: choose text (SMS) delivery',
        );
      }
      const phone = normalizePhone(request.body.recipient);
      if (!phone.ok) throw new InvalidParameter('recipient', phone.reason);
      const key = request.headers['idempotency-key'];
      const idempotencyKey =
        typeof key === 'string' && key.length > 0 && key.length <= 200 ? `gw:${key}` : undefined;
      if (idempotencyKey) {
        const existing = await outbox.findByIdempotencyKey(idempotencyKey);
        if (existing) return { id: existing.id, status: existing.status, recipient: existing.recipient };
      }
      // Geo permissions, range velocity and budgets hold here too: Auth0 relays pumping traffic.
      await abuse.checkGateway(phone.e164, phone.country ?? null, request.ip);
      // With a free send slot, the message is stored leased to this node's worker and handed to it
      // once on disk, instead of being claimed back from the outbox.
      const lease = worker.reserve();
      let handOver: MessageRow | undefined;
      let message: MessageRow;
      try {
        const mark = durability.mark();
        message = await outbox
          .add({
            source: 'gateway',
            dispatch: 'outbox',
            connectionId: null,
            recipient: phone.e164,
            country: phone.country ?? null,
            body: text,
            bodyRedacted: maskDigitRuns(text),
            sender: request.body.sender ?? null,
            expiresAt: clock.now() + config.outbox.messageTtlMs,
            idempotencyKey,
            leasedTo: lease,
          })
          .then(
            (row) => {
              if (lease) handOver = row;
              return row;
            },
            async (err: unknown) => {
              // Two requests with one key raced: the loser answers with the winner's message.
              const winner = idempotencyKey ? await outbox.findByIdempotencyKey(idempotencyKey) : undefined;
              if (winner) return winner;
              throw err;
            },
          );
        // Never sent before it is on disk: the sender, told nothing, would send it again.
        if (handOver) await durability.durableSince(mark);
      } catch (err) {
        handOver = undefined;
        throw err;
      } finally {
        if (lease) worker.adopt(handOver);
      }
      if (!handOver) outbox.notify();
      // Stored already; the answer waits (a little) while this node's deliveries are behind.
      await worker.keepPace();
      return { id: message.id, status: message.status, recipient: message.recipient };
    },
  );
}
